"""The process mechanism itself: stop signals raise once and nest, leave ignored signals and a
program's own handlers alone when asked, a stuck cleanup is cut short, and a spawned child ends
when its parent is killed."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from restagen.local import processes
from restagen.local.processes import Stopped, spawn, stop, stop_signals, stopping
from tests.polling import wait_until
from tests.processes import MARK, marked

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@pytest.fixture(autouse=True)
def outside_any_block(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts outside any `stop_signals()` block, with the handlers from before them:
    the session's server (`with LocalRestate(...)` in a fixture) holds one open meanwhile."""
    handlers = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    finishing = list(processes._finishing)
    for sig, handler in processes._previous.items():
        signal.signal(sig, handler)
    monkeypatch.setattr(processes, "_depth", 0)
    monkeypatch.setattr(processes, "_previous", {})
    monkeypatch.setattr(processes, "_stopping", None)
    processes._finishing.clear()
    yield
    processes._finishing[:] = finishing
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_raises_once_then_the_handlers_come_back(sig: signal.Signals) -> None:
    before = {s: signal.getsignal(s) for s in STOP_SIGNALS}
    with pytest.raises(Stopped) as raised, stop_signals(), stop_signals():
        try:
            signal.raise_signal(sig)
        finally:
            signal.raise_signal(sig)  # during the cleanup: ignored
    assert raised.value.signum == sig
    assert isinstance(raised.value, KeyboardInterrupt)
    assert {s: signal.getsignal(s) for s in before} == before


def test_a_signal_once_the_program_is_stopping_does_not_raise() -> None:
    """After a normal end, a signal (the terminal closing just after Enter) must not cut short the
    stopping that has begun; the next block raises again."""
    with stop_signals():
        try:
            pass
        finally:
            stopping()
            signal.raise_signal(signal.SIGHUP)
            signal.raise_signal(signal.SIGTERM)
    with pytest.raises(Stopped), stop_signals():
        signal.raise_signal(signal.SIGTERM)


def test_an_ignored_signal_stays_ignored() -> None:
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    try:
        with stop_signals():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_a_program_handling_signals_itself_keeps_its_handlers() -> None:
    def own(signum: int, frame: object) -> None:
        pass

    previous = signal.signal(signal.SIGTERM, own)
    try:
        with stop_signals(unless_handled=True):
            assert signal.getsignal(signal.SIGTERM) is own
            assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        with stop_signals():
            assert signal.getsignal(signal.SIGTERM) is not own
        assert signal.getsignal(signal.SIGTERM) is own
    finally:
        signal.signal(signal.SIGTERM, previous)


STUCK = """\
import time

from restagen.local.processes import stop_signals

with stop_signals(deadline=1):
    try:
        print("ready", flush=True)
        time.sleep(600)
    finally:
        time.sleep(600)  # a cleanup that never ends
"""


def test_a_stuck_cleanup_is_cut_short(tmp_path: Path) -> None:
    (tmp_path / "stuck.py").write_text(STUCK)
    process = subprocess.Popen([sys.executable, tmp_path / "stuck.py"], stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None and process.stdout.readline() == b"ready\n"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 128 + signal.SIGTERM
    finally:
        stop(process, kill=True)


PARENT = """\
import sys, time
from restagen.local.processes import spawn

child = spawn([sys.executable, "-c", "import time; time.sleep(600)"])
print(child.pid, flush=True)
time.sleep(600)
"""


def test_a_child_ends_with_its_killed_parent(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "parent.py").write_text(PARENT)
    parent = spawn([sys.executable, tmp_path / "parent.py"], env=env, stdout=subprocess.PIPE)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert set(marked(MARK, env[MARK])) == {parent.pid, child}
        parent.kill()
        wait_until(lambda: not marked(MARK, env[MARK]), "the child to end", timeout=15)
    finally:
        stop(parent, kill=True)


TASK_GROUP = """\
import asyncio
import sys

from restagen.local.processes import Stopped, run_stoppable, stop_signals


async def main() -> None:
    async with asyncio.TaskGroup() as group:
        group.create_task(asyncio.sleep(600))
        print("ready", flush=True)
        await asyncio.sleep(600)


with stop_signals():
    try:
        run_stoppable(main())
    except Stopped as stopped:
        print("stopped", stopped.signum, flush=True)
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_cancels_an_event_loop_in_order(sig: signal.Signals, tmp_path: Path) -> None:
    """In a task group's child, the signal's exception would be an exception group that asyncio
    reports with its traceback; cancelled from the main task, everything unwinds quietly."""
    (tmp_path / "loop.py").write_text(TASK_GROUP)
    process = subprocess.Popen(
        [sys.executable, tmp_path / "loop.py"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert process.stdout is not None and process.stdout.readline() == b"ready\n"
        process.send_signal(sig)
        out, err = process.communicate(timeout=30)
    finally:
        stop(process, kill=True)
    assert out.decode().split() == ["stopped", str(int(sig))]
    assert err == b""
    assert process.returncode == 0
