"""Sampling profiles of the benchmark endpoints with py-spy (`run.py --profile DIR`).

py-spy (`pip install py-spy`) samples each endpoint process from outside while the round trips
run, into collapsed-stack files (`DIR/<endpoint>.txt`, readable by speedscope and flamegraph.pl).
`summary` then gives, per endpoint, the share of the busy samples (those not waiting in the event
loop's selector) spent in each function of the SDK, of restagen's runtime and of the app.
"""

from __future__ import annotations

import collections
import re
import shutil
import signal
import subprocess
from pathlib import Path

from restagen.local.processes import spawn, stop

__all__ = ["Spy", "summary"]

_LINE = re.compile(r":\d+\)")
_SHOWN = ("restagen/runtime", "benchsvc", "generated_app", "handwritten", "restate/")


class Spy:
    """py-spy recording one process until `stop`."""

    def __init__(self, pid: int, target: Path, rate: int = 200) -> None:
        binary = shutil.which("py-spy")
        if binary is None:
            raise SystemExit("--profile needs py-spy: pip install py-spy")
        self.target = target
        # SIGINT, on which py-spy writes what it recorded, also when the benchmark is killed.
        self.process = spawn(
            [binary, "record", "--rate", str(rate), "--format", "raw", "-o", str(target), "--pid", str(pid)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            parent_death=signal.SIGINT,
        )

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        finally:
            stop(self.process)


def summary(path: Path, top: int = 25) -> str:
    """The functions of the SDK, the runtime and the app by inclusive share of busy samples."""
    inclusive: collections.Counter[str] = collections.Counter()
    busy = total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        frames = [_LINE.sub(")", frame) for frame in stack.split(";")]
        if "Selector.select" in frames[-1]:
            continue  # idle: waiting for the network
        busy += samples
        for frame in set(frames):
            inclusive[frame] += samples
    lines = [f"{path.name}: {total} samples, {busy} busy ({busy / max(total, 1):.0%})"]
    shown = [(frame, n) for frame, n in inclusive.most_common() if any(key in frame for key in _SHOWN)]
    lines += [f"  {n / max(busy, 1):6.1%}  {frame}" for frame, n in shown[:top]]
    return "\n".join(lines)
