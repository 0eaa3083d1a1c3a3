"""Generation at scale: full runs of `restagen generate` in a child process, timed, with their peak RSS.

Each run is a fresh interpreter running `restagen generate SCHEMAS -o EMPTY_DIR`, so that its peak
resident set is that of one generation alone: the child reports its own high-water mark
(`VmHWM` of /proc/self/status, which starts afresh at exec; the resource usage of a child counts
the memory of the process that forked it, however large). Time and CPU come from the child's
resource usage (`os.wait4`), which also counts the ruff processes it waits for. The sizes
alternate run by run, so that background load spreads over all of them. Linux only.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from synthetic import SchemaSize, write_schema

__all__ = ["RSS_TARGET", "TIME_TARGET", "ChildRun", "ScaleResult", "generate_in_child", "measure_scale"]

TIME_TARGET = 10.5
"""Largest size's full time / smallest size's full time, at most (for 10,000 against 1,000 handlers)."""
RSS_TARGET = 1 << 30
"""Peak RSS of the generating process at the largest size, at most (1 GiB)."""


@dataclass(frozen=True)
class ChildRun:
    seconds: float
    max_rss: int
    """Bytes."""
    cpu_seconds: float
    """User + system time of the child and of the processes it waited for: less moved by other load."""


@dataclass(frozen=True)
class ScaleResult:
    size: SchemaSize
    runs: list[ChildRun]

    @property
    def median(self) -> float:
        return statistics.median(run.seconds for run in self.runs)

    @property
    def median_cpu(self) -> float:
        return statistics.median(run.cpu_seconds for run in self.runs)

    @property
    def peak_rss(self) -> int:
        return max(run.max_rss for run in self.runs)


_GENERATE = """
import atexit, sys
from pathlib import Path
from restagen.cli import main

peak = Path(sys.argv.pop())

def report():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            peak.write_text(line.split()[1])

atexit.register(report)
sys.exit(main(sys.argv[1:]))
"""
"""`restagen generate ...`, then the peak resident set of this process in KiB to the file last in argv."""


def generate_in_child(schemas: Path, out: Path, cwd: Path) -> ChildRun:
    """One `restagen generate` in a new interpreter; raises SystemExit when it fails."""
    with tempfile.TemporaryFile() as output, tempfile.TemporaryDirectory() as scratch:
        peak = Path(scratch) / "peak"
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", _GENERATE, "generate", str(schemas), "-o", str(out), str(peak)],
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if child.returncode != 0:
            output.seek(0)
            raise SystemExit(f"restagen generate failed (exit {child.returncode}):\n{output.read().decode()}")
        max_rss = int(peak.read_text()) * 1024
    return ChildRun(seconds, max_rss, usage.ru_utime + usage.ru_stime)


def measure_scale(root: Path, handlers: list[int], repeat: int, seed: int) -> list[ScaleResult]:
    """`repeat` full runs of the synthetic schema at each handler count, alternating the sizes."""
    sizes = [SchemaSize.for_handlers(count) for count in handlers]
    schemas = {}
    for size in sizes:
        schemas[size] = root / f"scale-schemas-{size.handlers}"
        write_schema(schemas[size], size, seed=seed)
    runs: dict[SchemaSize, list[ChildRun]] = {size: [] for size in sizes}
    for round_number in range(repeat):
        for size in sizes:
            out = root / f"scale-out-{size.handlers}-{round_number}"
            runs[size].append(generate_in_child(schemas[size], out, root))
            shutil.rmtree(out)
    return [ScaleResult(size, runs[size]) for size in sizes]
