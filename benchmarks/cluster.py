"""One Restate node against a 3-node cluster, in one run; then a soak of the cluster.

    .venv/bin/python benchmarks/cluster.py            # 6 rounds of each scenario, the 10,000 soak
    .venv/bin/python benchmarks/cluster.py --quick    # a smoke run: every row, meaningless figures

It generates the benchmark package (`app/bench.restagen.yaml`), serves it in one endpoint
process (`app/serve_endpoint.py`, as `restagen serve` serves) and registers that endpoint with
two servers at once: a single restate-server and a local cluster of three nodes (replicated log,
replication 2, `restagen.local.cluster`). The round trips are those of run.py's item 1 with the
generated client (service call, object call on 16 keys, send; 1 and 16 in flight): every round
runs both variants, in an order that rotates, so the machine's load falls on both alike. The
cluster's client has every node's ingress, as a cluster's clients should. Reported: calls/s,
p50 and p99 of each, the throughput ratio (median of the rounds' ratios, 95% interval) and the
p99 ratio, and the servers' CPU time per call (all nodes summed, during that variant's rounds
only), which says where the time goes.

The soak sends 10,000 service calls at 32 in flight through the cluster and reports the errors
(target: 0) and the endpoint's RSS growth from after a warm-up of 1,000 calls to the end
(target: under 10%).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roundtrip import APP_DIR, ROOT, Call, Result, _run, cpu_seconds
from stats import median_interval

from restagen import cli
from restagen.local.cluster import LocalCluster
from restagen.local.processes import spawn, stop
from restagen.local.server import LocalRestate, find_server_binary, free_port, install_server
from restagen.runtime import Ingress, register

CONCURRENCY = 16
SOAK_CONCURRENCY = 32
RSS_GROWTH_TARGET = 0.10


@dataclass(frozen=True)
class Sizes:
    rounds: int
    sequential: int
    concurrent: int
    soak: int
    soak_warmup: int

    @classmethod
    def pick(cls, quick: bool) -> Sizes:
        return cls(1, 10, 32, 200, 50) if quick else cls(6, 100, 400, 10_000, 1_000)


def _generate(scratch: Path) -> Path:
    out = scratch / "gen"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = cli.main(["generate", str(APP_DIR / "bench.restagen.yaml"), "-o", str(out)])
    if code != 0:
        raise SystemExit("generating the benchmark package failed")
    return out


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"process {pid} has no memory (it exited)")


def _server_cpu(servers: list[LocalRestate]) -> float:
    return sum(cpu_seconds(server.pid) for server in servers if server.pid is not None)


async def _compare(
    variants: dict[str, tuple[Call, list[LocalRestate]]], calls: int, concurrency: int, rounds: int
) -> tuple[list[Result], dict[str, float]]:
    """Each variant `rounds` times, interleaved (the order rotates), as roundtrip.compare does; also
    the CPU time its servers spent during its own rounds only (an idle server's too)."""
    results = {label: Result(label, latencies=[], per_round=[]) for label in variants}
    spent = dict.fromkeys(variants, 0.0)
    labels = list(variants)
    for call, _ in variants.values():
        await _run(call, 10, min(concurrency, 10))  # warm-up
    for round_ in range(rounds):
        shift = round_ % len(labels)
        for label in labels[shift:] + labels[:shift]:
            call, servers = variants[label]
            before = _server_cpu(servers)
            seconds, latencies = await _run(call, calls, concurrency)
            spent[label] += _server_cpu(servers) - before
            result = results[label]
            assert result.latencies is not None and result.per_round is not None
            result.calls += len(latencies)
            result.seconds += seconds
            result.latencies.extend(latencies)
            result.per_round.append(len(latencies) / seconds)
    return [results[label] for label in labels], spent


async def round_trips(single: LocalRestate, cluster: LocalCluster, sizes: Sizes) -> list[Any]:
    from benchsvc import clients, models

    request = models.Greeting(name="bench", count=7, tags=["a", "b", "c"])
    rows = []
    async with Ingress(single.ingress_url) as one, Ingress(cluster.ingress_urls) as three:
        variants: dict[str, dict[str, Call]] = {}
        for label, ingress in (("1 node", one), ("3 nodes", three)):
            echo = clients.EchoClient(ingress)
            counters = [clients.CounterClient(ingress, f"{label}-{task}") for task in range(CONCURRENCY)]

            async def call(task: int, echo: Any = echo) -> object:
                return await echo.echo(request)

            async def add(task: int, counters: Any = counters) -> object:
                return await counters[task].add(1)

            async def send(task: int, echo: Any = echo) -> object:
                return await echo.send_echo(request)

            variants[label] = {"service call": call, "object call": add, "send": send}
        servers = {"1 node": [single], "3 nodes": cluster.nodes}
        for concurrency, calls in ((1, sizes.sequential), (CONCURRENCY, sizes.concurrent)):
            for scenario in ("service call", "object call", "send"):
                chosen = {label: (variants[label][scenario], servers[label]) for label in servers}
                results, spent = await _compare(chosen, calls, concurrency, sizes.rounds)
                rows.append((f"{scenario}, concurrency {concurrency}", results, spent))
    return rows


def report(rows: list[Any]) -> None:
    print("\n### 1 node against a 3-node cluster (generated client and handler, same run)\n")
    print(
        "| scenario | 1 node calls/s | 3 nodes calls/s | throughput 3/1 (95% interval) | p50 1 / 3 ms "
        "| p99 1 / 3 ms | p99 3/1 | server CPU ms/call 1 / 3 |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, (one, three), spent in rows:
        ratios = three.paired_ratios(one)
        band = median_interval(ratios)
        interval = f" ({band[0]:.2f}-{band[1]:.2f})" if band else ""
        cpu_one = spent["1 node"] / max(one.calls, 1) * 1000
        cpu_three = spent["3 nodes"] / max(three.calls, 1) * 1000
        print(
            f"| {name} | {one.throughput:.0f} | {three.throughput:.0f} | {statistics.median(ratios):.2f}{interval} "
            f"| {one.p50 * 1000:.1f} / {three.p50 * 1000:.1f} | {one.p99 * 1000:.1f} / {three.p99 * 1000:.1f} "
            f"| {three.p99 / one.p99:.2f} | {cpu_one:.2f} / {cpu_three:.2f} |"
        )


async def soak(cluster: LocalCluster, endpoint: int, sizes: Sizes) -> bool:
    from benchsvc import clients, models

    request = models.Greeting(name="soak", count=1, tags=[])
    errors: list[str] = []
    async with Ingress(cluster.ingress_urls) as ingress:
        echo = clients.EchoClient(ingress)

        async def run(count: int) -> float:
            remaining = count
            started = time.perf_counter()

            async def worker() -> None:
                nonlocal remaining
                while remaining > 0:
                    remaining -= 1
                    try:
                        await echo.echo(request)
                    except Exception as error:  # every failure counts, whatever it is
                        errors.append(f"{type(error).__name__}: {error}")

            await asyncio.gather(*(worker() for _ in range(SOAK_CONCURRENCY)))
            return time.perf_counter() - started

        await run(sizes.soak_warmup)
        before = _rss_mib(endpoint)
        seconds = await run(sizes.soak)
        after = _rss_mib(endpoint)
    growth = after / before - 1
    print(
        f"\n### Soak: {sizes.soak:,} service calls, {SOAK_CONCURRENCY} in flight, through the 3-node cluster\n"
    )
    print("| calls | calls/s | errors | endpoint RSS after warm-up | at the end | growth |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {sizes.soak:,} | {sizes.soak / seconds:.0f} | {len(errors)} | {before:.1f} MiB | {after:.1f} MiB "
        f"| {growth * 100:+.1f}% |"
    )
    for error in sorted(set(errors))[:5]:
        print(f"- {error}")
    ok = not errors and growth < RSS_GROWTH_TARGET
    print(f"\nsoak: {'met' if ok else 'MISSED'} (targets: 0 errors, RSS growth < {RSS_GROWTH_TARGET:.0%})")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    args = parser.parse_args()
    sizes = Sizes.pick(args.quick)
    prefix = Path(os.environ.get("RESTAGEN_RESTATE_DIR", ROOT / ".restate"))
    binary = find_server_binary(prefix) or install_server(prefix)
    with tempfile.TemporaryDirectory(prefix="restagen-cluster-bench-") as folder:
        scratch = Path(folder)
        generated = _generate(scratch)
        sys.path[:0] = [str(generated), str(APP_DIR)]
        single = LocalRestate(binary, base_dir=scratch / "single")
        cluster = LocalCluster(binary, size=3, base_dir=scratch / "cluster")
        port = free_port()
        command = [sys.executable, str(APP_DIR / "serve_endpoint.py"), "generated_app:app", str(port)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(APP_DIR), str(generated)])}
        endpoint = None
        try:
            single.start()
            cluster.start()
            endpoint = spawn([*command, str(APP_DIR), str(generated)], cwd=scratch, env=env)
            uri = f"http://127.0.0.1:{port}"
            register(single.admin_url, uri, attempts=300, delay=0.1, timeout=60)
            register(cluster.admin_url, uri, attempts=300, delay=0.1, timeout=60)
            cluster.wait_known(uri)
            started = time.perf_counter()
            rows = asyncio.run(round_trips(single, cluster, sizes))
            report(rows)
            ok = asyncio.run(soak(cluster, endpoint.pid, sizes))
            print(
                f"\n({time.perf_counter() - started:.0f} s; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})"
            )
        finally:
            stop(endpoint, kill=True)
            cluster.close()
            single.close()
    return 0 if ok or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
