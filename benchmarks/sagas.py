"""Saga throughput: sagas completed per second, the generated saga against the same saga
hand-written on the plain restate-sdk, on one real restate-server, in one run.

Both sagas are served by one endpoint (`benchmarks/saga/endpoint.py`) and call the same
participant handlers: four durable calls, the state saved at the same points, the replies recorded
in the data. A client drives each through the ingress with the same raw HTTP requests (`POST
/<workflow>/<id>/run`, waiting for the result), `--concurrency` at a time; rounds alternate which
saga goes first. Prints sagas/s and the endpoint's CPU time per saga for each, per round; the
ratio generated / plain is the median of the rounds' ratios, since the load of a shared machine
moves both measurements of one round alike (target >= 0.9).

    .venv/bin/python benchmarks/sagas.py              # 10 rounds of 200 sagas of each kind
    .venv/bin/python benchmarks/sagas.py --quick      # a smoke run: a few seconds
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from restagen.cli import main as restagen
from restagen.local.processes import spawn, stop
from restagen.local.server import LocalRestate, find_server_binary, free_port, install_server
from restagen.runtime import register

HERE = Path(__file__).resolve().parent
TARGET = 0.9
KINDS = {"generated": "place_order", "plain": "plain_place_order"}


async def _drive(ingress_url: str, workflow: str, count: int, concurrency: int) -> float:
    """Run `count` sagas of `workflow`, `concurrency` at a time; sagas completed per second."""
    prefix = uuid.uuid4().hex[:8]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=ingress_url, timeout=120, limits=limits) as client:
        gate = asyncio.Semaphore(concurrency)

        async def one(n: int) -> None:
            saga_id = f"{prefix}-{n}"
            body = json.dumps({"order_id": saga_id, "amount": n, "refs": []})
            async with gate:
                response = await client.post(
                    f"/{workflow}/{saga_id}/run", content=body, headers={"content-type": "application/json"}
                )
            response.raise_for_status()
            state = response.json()
            assert state["status"] == "SUCCEEDED" and len(state["data"]["refs"]) == 4, state

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(count)))
        return count / (time.perf_counter() - started)


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process `pid` so far (Linux), or None where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _serve(src: Path, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "restagen", "serve", "endpoint:app", "--port", str(port)]
    command += ["--path", str(src), "--path", str(HERE / "saga")]
    process = spawn(command, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60  # generous: imports are slow on a busy machine
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the benchmark endpoint exited with {process.returncode}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return process
        except httpx.TransportError:
            if time.monotonic() > deadline:
                stop(process, kill=True)
                raise TimeoutError("the benchmark endpoint does not listen") from None
            time.sleep(0.05)


def run(sagas: int, rounds: int, concurrency: int) -> int:
    src = Path(tempfile.mkdtemp(prefix="restagen-sagabench-"))
    if restagen(["generate", str(HERE / "saga"), "-o", str(src)]):
        return 1
    binary = find_server_binary() or install_server()
    port = free_port()
    with LocalRestate(binary) as server:
        endpoint = _serve(src, port)
        try:
            register(server.admin_url, f"http://127.0.0.1:{port}")
            print(f"{sagas} sagas per round, {concurrency} at a time, {rounds} round(s); 4 steps each")
            for workflow in KINDS.values():  # warm-up: connections, imports, first journal writes
                asyncio.run(_drive(server.ingress_url, workflow, min(sagas, 50), concurrency))
            results: dict[str, list[float]] = {kind: [] for kind in KINDS}
            cpu: dict[str, list[float]] = {kind: [] for kind in KINDS}
            for number in range(rounds):
                order = list(KINDS) if number % 2 == 0 else list(reversed(KINDS))
                for kind in order:
                    before = _cpu_seconds(endpoint.pid)
                    rate = asyncio.run(_drive(server.ingress_url, KINDS[kind], sagas, concurrency))
                    after = _cpu_seconds(endpoint.pid)
                    results[kind].append(rate)
                    line = f"round {number + 1}: {kind:<9} {rate:7.1f} sagas/s"
                    if before is not None and after is not None:
                        cpu[kind].append((after - before) * 1000 / sagas)
                        line += f", endpoint CPU {cpu[kind][-1]:5.2f} ms per saga"
                    print(line)
        finally:
            stop(endpoint, timeout=15)
    generated, plain = (statistics.median(results[kind]) for kind in KINDS)
    print(f"median: generated {generated:.1f} sagas/s, plain restate-sdk {plain:.1f} sagas/s")
    # The load of a shared machine moves both kinds of one round alike: compare within rounds.
    ratios = [g / p for g, p in zip(results["generated"], results["plain"], strict=True)]
    if all(cpu.values()):
        print(
            f"median endpoint CPU per saga: generated {statistics.median(cpu['generated']):.2f} ms,"
            f" plain {statistics.median(cpu['plain']):.2f} ms"
        )
    ratio = statistics.median(ratios)
    print(f"per-round ratios: {', '.join(f'{r:.2f}' for r in ratios)}")
    print(
        f"ratio generated / plain (median of the rounds): {ratio:.2f}"
        f" ({'ok' if ratio >= TARGET else 'MISSED'}, target >= {TARGET})"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sagas", type=int, default=200, help="sagas per round and kind (default 200)")
    parser.add_argument("--rounds", type=int, default=10, help="rounds (default 10)")
    parser.add_argument("--concurrency", type=int, default=32, help="sagas in flight (default 32)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 30 sagas, one round")
    args = parser.parse_args(argv)
    if args.quick:
        args.sagas, args.rounds = 30, 1
    return run(args.sagas, args.rounds, args.concurrency)


if __name__ == "__main__":
    sys.exit(main())
