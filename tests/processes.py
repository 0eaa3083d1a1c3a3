"""The processes a test started, found by a marker in their environment.

Every process inherits its parent's environment, so a variable set for one command marks all
its descendants too (restate-server, endpoints), even those whose parent is gone. The suite
marks everything it starts (see conftest.py); a test marks what one command starts.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

SESSION = "RESTAGEN_TEST_SESSION"
"""Set by the suite to the pid of pytest, for every process it starts."""
MARK = "RESTAGEN_TEST_MARK"
"""Set by a test for the command it starts."""


def marked(name: str, value: str) -> dict[int, str]:
    """The live processes (pid: command line) whose environment has `name=value`."""
    wanted = f"{name}={value}".encode()
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if wanted not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone, or not ours to read
            continue
        found[int(entry.name)] = command.strip()
    return found


def kill(pids: dict[int, str]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
