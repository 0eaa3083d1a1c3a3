"""Instructions counted, not seconds timed: import cost and per-call cost against a baseline commit.

    .venv/bin/python benchmarks/instructions.py --against d6d5e66
    .venv/bin/python benchmarks/instructions.py --against main --calls 200,1200

Timings on a shared machine swing by more than the few percent these targets are about. valgrind's
callgrind counts the instructions a process executes, which is the same count for the same code,
inputs and environment whatever else the machine runs. Each figure comes from fresh interpreters
run under callgrind, once for this working tree and once for the baseline commit (checked out with
`git archive` into a scratch folder; each tree generates the benchmark package with its own
compiler):

- **import**: importing each app module (which builds its ASGI app), above `import restate,
  pydantic`. The interpreter collects its garbage after that floor and before the app's import, so
  that both apps start from the same heap: where a full pass of the cyclic collector falls is fixed
  by everything the process allocated before, and the app that happens to cross the threshold pays
  the whole heap's pass (about 18 M instructions here) for allocations mostly not its own. The
  uncollected figures are printed beside them.
- **per call**: the generated echo handler and the relay handler (a context call to echo) run as
  restate-sdk runs an invocation (`restate.handler.invoke_handler` on a stand-in context), and the
  generated ingress client on a transport that answers at once. A call's cost is the difference
  between runs of two numbers of calls, over their difference, so that start-up cancels out. The
  cyclic collector is off while they run, for the reason above: its passes cost what the heap
  holds, and the allocations that bring them on are counted anyway.

It needs valgrind (Debian's package) and git; it exits 2 without them.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ImportCount", "count_import", "main"]

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = Path("benchmarks/app/bench.restagen.yaml")
IMPORT_TARGET = 1.3
PER_CALL_TARGET = 1.02

FLOOR = "restate, pydantic"
APPS = {"generated app": "generated_app", "hand-written app": "handwritten"}
CALLS = {
    "generated echo handler": "echo",
    "generated relay handler (one context call)": "relay",
    "generated ingress client": "client",
}


# --- the child: what runs under callgrind ----------------------------------------------------


def _handler(component: str, name: str) -> Callable[[], Awaitable[object]]:
    import generated_app
    from benchsvc.models import Greeting
    from overhead import StandInContext, find_handler
    from restate.handler import invoke_handler

    body = Greeting(name="bench", count=1, tags=["a", "b"]).model_dump_json().encode()
    handler = find_handler(generated_app.build().components(), component, name)
    ctx = StandInContext(body)
    return lambda: invoke_handler(handler, ctx, body)


def _client() -> tuple[Callable[[], Awaitable[object]], Callable[[], Awaitable[None]]]:
    import httpx
    from benchsvc import clients
    from benchsvc.models import Greeting

    try:
        from restagen.runtime import Ingress
    except ImportError:  # before the runtime had one public surface
        from restagen.runtime.ingress import Ingress  # type: ignore[no-redef]

    request = Greeting(name="bench", count=7, tags=["a", "b", "c"])
    answer = request.model_dump_json().encode()
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(200, content=answer)))
    echo = clients.EchoClient(Ingress("http://ingress.invalid", client=http))
    return (lambda: echo.echo(request)), http.aclose


def child(variant: str, calls: int) -> None:
    """Make `calls` calls of `variant` (the process is counted from start to end).

    The cyclic collector is off: what one of its passes costs depends on the whole heap (a real
    app's, not this one's) and on where the threshold happens to fall, not on the call.
    """
    gc.disable()

    async def run() -> None:
        close: Callable[[], Awaitable[None]] | None = None
        if variant == "client":
            call, close = _client()
        else:
            call = _handler(*{"echo": ("echo", "echo"), "relay": ("relay", "forward")}[variant])
        for _ in range(calls):
            await call()
        if close is not None:
            await close()

    asyncio.run(run())


# --- the parent: trees, counts, tables -------------------------------------------------------


@dataclass(frozen=True)
class Tree:
    """A source tree with the benchmark package generated beside it."""

    label: str
    root: Path
    generated: Path

    def path(self) -> str:
        return os.pathsep.join(str(p) for p in (self.root, self.root / "benchmarks" / "app", self.generated))


def _generate(label: str, root: Path, scratch: Path) -> Tree:
    out = scratch / f"gen-{label}"
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run(
        [sys.executable, "-m", "restagen", "generate", str(root / SCHEMA), "-o", str(out)],
        cwd=scratch,
        env=env,
        capture_output=True,
        check=True,
    )
    return Tree(label, root, out)


def _checkout(ref: str, scratch: Path) -> Path:
    root = scratch / "baseline"
    root.mkdir()
    archive = scratch / "baseline.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), ref], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(root, filter="data")
    return root


def _count(tree: Tree, code: str, scratch: Path) -> int:
    """Instructions of a fresh interpreter running `code` on `tree`'s import path."""
    out = scratch / "callgrind.out"
    # With bytecode caches, as a deployed app has them (this environment may turn them off).
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env |= {"PYTHONHASHSEED": "0", "PYTHONPATH": tree.path()}
    subprocess.run([sys.executable, "-c", code], cwd=scratch, env=env, capture_output=True, check=True)
    subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, "-c", code],
        cwd=scratch,
        env=env,
        capture_output=True,
        check=True,
    )
    try:
        for line in out.read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    finally:
        out.unlink()
    raise RuntimeError("callgrind wrote no total")


@dataclass(frozen=True)
class ImportCount:
    """Instructions to import each app above the floor, from a collected heap and as it comes."""

    collected: dict[str, int]
    uncollected: dict[str, int]

    def ratio(self, *, collected: bool = True) -> float:
        counts = self.collected if collected else self.uncollected
        return counts["generated app"] / counts["hand-written app"]


def count_import(tree: Tree, scratch: Path) -> ImportCount:
    def above(template: str) -> dict[str, int]:
        floor = _count(tree, template.format(app=""), scratch)
        return {
            label: _count(tree, template.format(app=f"; import {module}"), scratch) - floor
            for label, module in APPS.items()
        }

    return ImportCount(
        collected=above(f"import {FLOOR}, gc; gc.collect(){{app}}"),
        uncollected=above(f"import {FLOOR}{{app}}"),
    )


def count_calls(tree: Tree, scratch: Path, low: int, high: int) -> dict[str, float]:
    script = Path(__file__).resolve()

    def code(variant: str, calls: int) -> str:
        return (
            f"import runpy, sys; sys.path.insert(0, {str(script.parent)!r}); "
            f"sys.argv = ['instructions', '--child', {variant!r}, '{calls}']; "
            f"runpy.run_path({str(script)!r}, run_name='__main__')"
        )

    return {
        label: (_count(tree, code(variant, high), scratch) - _count(tree, code(variant, low), scratch))
        / (high - low)
        for label, variant in CALLS.items()
    }


def _verdict(ratio: float, target: float) -> str:
    return f"<= {target:.2f}: {'met' if ratio <= target else 'MISSED'}"


def report(baseline: Tree, current: Tree, scratch: Path, low: int, high: int) -> None:
    print(f"## Import, M instructions above `import {FLOOR}`\n")
    print("| tree | heap | generated app | hand-written app | ratio | target |\n|---|---|---:|---:|---:|---|")
    for tree in (baseline, current):
        counts = count_import(tree, scratch)
        for collected, heap in ((True, "collected first"), (False, "as it comes")):
            values = counts.collected if collected else counts.uncollected
            ratio = counts.ratio(collected=collected)
            print(
                f"| {tree.label} | {heap} | {values['generated app'] / 1e6:.1f} | "
                f"{values['hand-written app'] / 1e6:.1f} | {ratio:.2f} | "
                f"{_verdict(ratio, IMPORT_TARGET) if collected else ''} |"
            )
    print(f"\n## Per call, instructions ({low} and {high} calls)\n")
    print(f"| call | {baseline.label} | {current.label} | ratio | target |\n|---|---:|---:|---:|---|")
    before = count_calls(baseline, scratch, low, high)
    after = count_calls(current, scratch, low, high)
    for label in CALLS:
        ratio = after[label] / before[label]
        print(
            f"| {label} | {before[label]:,.0f} | {after[label]:,.0f} | {ratio:.3f} | {_verdict(ratio, PER_CALL_TARGET)} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--against", metavar="REF", help="the baseline commit (a git ref)")
    parser.add_argument("--calls", default="200,1200", help="the two numbers of calls (default 200,1200)")
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "CALLS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]))
        return 0
    if args.against is None:
        parser.error("--against REF is required")
    if shutil.which("valgrind") is None or shutil.which("git") is None:
        print("instructions.py needs valgrind and git", file=sys.stderr)
        return 2
    low, high = (int(part) for part in args.calls.split(","))
    with tempfile.TemporaryDirectory(prefix="restagen-instructions-") as name:
        scratch = Path(name)
        baseline = _generate(args.against, _checkout(args.against, scratch), scratch)
        current = _generate("this tree", ROOT, scratch)
        report(baseline, current, scratch, low, high)
    return 0


if __name__ == "__main__":
    sys.exit(main())
