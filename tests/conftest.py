"""Shared fixtures: the repository root and a runner for the CLI that captures its output.

The suite marks every process it starts (an environment variable, inherited by all descendants)
and fails at its end if one of them still runs: a restate-server or endpoint left behind keeps
its ports and memory long after the run.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.processes import SESSION, kill, marked

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def root() -> Path:
    return ROOT


def pytest_configure(config: pytest.Config) -> None:
    os.environ[SESSION] = str(os.getpid())
    _default_stop_signals()


def _default_stop_signals() -> None:
    """Give SIGINT and SIGHUP their usual meaning to the suite and everything it starts.

    A shell without job control starts a background job with SIGINT ignored, and `nohup` ignores
    SIGHUP; an ignored signal stays ignored across exec, and restagen leaves an ignored stop
    signal ignored, as it should. The tests that send these signals to what they started need
    them to mean "stop", however the suite itself was launched.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGHUP) is signal.SIG_IGN:
        signal.signal(signal.SIGHUP, signal.SIG_DFL)


def _left_behind() -> dict[int, str]:
    return {pid: command for pid, command in marked(SESSION, str(os.getpid())).items() if pid != os.getpid()}


@pytest.hookimpl(trylast=True)  # after the session's fixtures are torn down
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not sys.platform.startswith("linux"):
        return
    deadline = time.monotonic() + 15  # what was just told to stop gets time to do so
    while (left := _left_behind()) and time.monotonic() < deadline:
        time.sleep(0.2)
    if not left:
        return
    kill(left)
    lines = [f"the test suite left {len(left)} process(es) it started running (now killed):"]
    lines += [f"  {pid}: {command}" for pid, command in sorted(left.items())]
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write("\n")
    for line in lines:
        if reporter is not None:
            reporter.write_line(line, red=True, bold=True)
        else:
            print(line, file=sys.stderr)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
