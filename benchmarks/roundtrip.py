"""Round trips through a real Restate server: generated code against hand-written restate-sdk code.

`Stack` starts a restate-server (free ports, scratch data folder) and two endpoints, each in its
own process served as `restagen serve` serves (`app/serve_endpoint.py`): the generated package
`benchsvc` with its implementations (`app/generated_app.py`) and the hand-written SDK app
(`app/handwritten.py`). Both are registered with the server.

`compare` measures variants side by side: every round runs each variant once (a fixed number of
calls, `concurrency` in flight), in an order that rotates from round to round, so that load from
elsewhere on the machine spreads over all of them. Throughput is calls over the summed time of
all rounds; latencies are pooled over the rounds. `paired_ratio` compares two variants round by
round (the median of the ratios of their throughputs in the same round), which cancels the slow
drifts of a shared machine better than totals do.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from restagen.local.processes import spawn, stop
from restagen.local.server import LocalRestate, find_server_binary, free_port, install_server
from restagen.runtime import register

__all__ = ["Result", "Stack", "Variant", "compare"]

APP_DIR = Path(__file__).resolve().parent / "app"
ROOT = APP_DIR.parents[1]

Call = Callable[[int], Awaitable[object]]
"""One request of a variant; the argument numbers the task issuing it (0 .. concurrency-1)."""


@dataclass(frozen=True)
class Variant:
    label: str
    call: Call
    endpoint: int | None = None
    """The process id of the endpoint that serves the calls, whose CPU time is counted."""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (from /proc, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    label: str
    calls: int = 0
    seconds: float = 0.0
    latencies: list[float] | None = None
    per_round: list[float] | None = None
    """Throughput of each round."""
    endpoint_cpu: float = 0.0
    """CPU seconds the serving endpoint spent over all rounds (0 when not counted)."""
    cpu_per_round: list[float] | None = None
    """CPU seconds of the serving endpoint in each round."""
    p50_per_round: list[float] | None = None
    """The median latency of each round."""

    @property
    def cpu_per_call(self) -> float:
        return self.endpoint_cpu / self.calls if self.calls else 0.0

    @property
    def throughput(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        values = sorted(self.latencies or [])
        if not values:
            return 0.0
        return values[min(len(values) - 1, int(fraction * len(values)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies or [0.0])

    @property
    def p99(self) -> float:
        return self.percentile(0.99)

    def paired_ratios(self, other: Result) -> list[float]:
        """This variant's throughput over `other`'s, round by round."""
        return [
            mine / theirs for mine, theirs in zip(self.per_round or [], other.per_round or [], strict=True)
        ]

    def paired_ratio(self, other: Result) -> float:
        """The median, over rounds, of this variant's throughput over `other`'s in the same round."""
        return statistics.median(self.paired_ratios(other))


async def _run(call: Call, calls: int, concurrency: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    remaining = calls

    async def worker(task: int) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            start = time.perf_counter()
            await call(task)
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(worker(task) for task in range(concurrency)))
    return time.perf_counter() - start, latencies


async def compare(
    variants: list[Variant], *, calls: int, concurrency: int, rounds: int, warmup: int = 10
) -> list[Result]:
    """Each variant `rounds` times, interleaved; `warmup` untimed calls of each first."""
    results = {
        variant.label: Result(variant.label, latencies=[], per_round=[], cpu_per_round=[], p50_per_round=[])
        for variant in variants
    }
    for variant in variants:
        await _run(variant.call, warmup, min(concurrency, warmup))
    for round_ in range(rounds):
        shift = round_ % len(variants)
        for variant in variants[shift:] + variants[:shift]:
            cpu = cpu_seconds(variant.endpoint) if variant.endpoint is not None else 0.0
            seconds, latencies = await _run(variant.call, calls, concurrency)
            result = results[variant.label]
            spent = cpu_seconds(variant.endpoint) - cpu if variant.endpoint is not None else 0.0
            result.endpoint_cpu += spent
            result.calls += len(latencies)
            result.seconds += seconds
            assert result.latencies is not None and result.per_round is not None
            assert result.cpu_per_round is not None and result.p50_per_round is not None
            result.latencies.extend(latencies)
            result.per_round.append(len(latencies) / seconds)
            result.cpu_per_round.append(spent)
            result.p50_per_round.append(statistics.median(latencies))
    return [results[variant.label] for variant in variants]


@dataclass
class _Served:
    name: str
    process: subprocess.Popen[bytes]
    uri: str

    def rss_mib(self) -> float | None:
        """The resident set size of the endpoint process, in MiB; None once it has exited."""
        if self.process.poll() is not None:
            return None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return None  # a zombie has no memory left


class Stack:
    """A restate-server and the two benchmark endpoints, registered; stopped on exit."""

    def __init__(self, generated: Path, scratch: Path) -> None:
        self.generated = generated
        self.scratch = scratch
        self.endpoints: dict[str, _Served] = {}
        self.server: LocalRestate | None = None

    @property
    def ingress_url(self) -> str:
        assert self.server is not None
        return self.server.ingress_url

    def _serve(self, name: str, target: str, paths: list[Path]) -> _Served:
        port = free_port()
        command = [sys.executable, str(APP_DIR / "serve_endpoint.py"), target, str(port), *map(str, paths)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *map(str, paths)])}
        process = spawn(command, cwd=self.scratch, env=env)
        served = _Served(name, process, f"http://127.0.0.1:{port}")
        self.endpoints[name] = served
        deadline = time.monotonic() + 60  # generous: imports are slow on a busy machine
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"endpoint {target} exited with {process.returncode}")
            try:
                httpx.get(f"{served.uri}/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"endpoint {target} is not listening") from None
                time.sleep(0.05)
        assert self.server is not None
        register(self.server.admin_url, served.uri)
        return served

    def start(self) -> None:
        prefix = Path(os.environ.get("RESTAGEN_RESTATE_DIR", ROOT / ".restate"))
        binary = find_server_binary(prefix) or install_server(prefix)
        self.server = LocalRestate(binary, base_dir=self.scratch / "restate-data")
        self.server.base_dir.mkdir(parents=True, exist_ok=True)
        self.server.start()
        self._serve("generated", "generated_app:app", [APP_DIR, self.generated])
        self._serve("handwritten", "handwritten:app", [APP_DIR])

    def stop(self) -> None:
        stop(*(served.process for served in self.endpoints.values()), kill=True)
        self.endpoints.clear()
        if self.server is not None:
            self.server.close()
            self.server = None

    @contextmanager
    def running(self) -> Iterator[Stack]:
        try:
            self.start()
            yield self
        finally:
            self.stop()
