"""Child processes that never outlive the program that started them.

A local restate-server or endpoint left running after its parent ended keeps its ports, and the
next `restagen dev` fails on them. Three things prevent that, for every way a parent can end:

- `spawn(command, ...)` starts a child in its own session (a terminal's Ctrl-C reaches only the
  parent, which stops the children in order) and, on Linux, asks the kernel to send the child
  SIGTERM when the parent dies, even by SIGKILL (`PR_SET_PDEATHSIG`, set in the forked child
  before it runs `command`, so it works for foreign binaries such as restate-server). The kernel
  sends it when the *thread* that spawned the child ends: spawn from the main thread, or from a
  thread that lives as long as the child.
- `stop(*processes)` sends SIGTERM to each child's process group at once, waits up to `timeout`
  seconds for all of them, then SIGKILLs what is left and reaps everything.
- `stop_signals()` is a context manager that turns SIGTERM and SIGHUP (a closed terminal), like
  SIGINT, into a `Stopped` exception (a `KeyboardInterrupt`), so that `finally` blocks and
  `with` exits run and stop the children. Once one signal has been raised, further ones are
  ignored until the outermost block ends: a second Ctrl-C does not cut the cleanup short. The
  cleanup is bounded all the same: a process still inside the block `deadline` seconds after the
  signal exits at once (its children then get their parent-death signal). Blocks nest; outside
  the main thread it does nothing. A program that starts stopping its children after a normal
  end calls `stopping()` first: a signal from then on (a terminal closing right after Enter, or
  just after its input ended) only starts the deadline, and cannot cut that stopping short.

Typical use (the examples, a test owning a server and an endpoint):

    with stop_signals(), LocalRestate(binary) as server:
        endpoint = spawn([sys.executable, "-m", "restagen", "serve", "app:app", "--port", "9080"])
        try:
            ...
        finally:
            stopping()
            stop(endpoint)
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Coroutine, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import IO, Any, TypeVar

__all__ = ["Stopped", "run_stoppable", "spawn", "stop", "stop_signals", "stopping"]

_PR_SET_PDEATHSIG = 1
T = TypeVar("T")


def _prctl() -> Any:
    """libc's prctl, looked up in the parent: the forked child only calls it."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _prctl()


def _die_with(parent: int, sig: int) -> None:
    """Runs in the forked child before exec: `sig` when the parent dies."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os.kill(os.getpid(), sig)


def spawn(
    command: Sequence[str | Path],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
    stdin: IO[Any] | int | None = None,
    stdout: IO[Any] | int | None = None,
    stderr: IO[Any] | int | None = None,
    parent_death: signal.Signals = signal.SIGTERM,
) -> subprocess.Popen[bytes]:
    """Start `command` in a new session; on Linux it gets `parent_death` when this process dies.

    `env` is the child's whole environment (default: ours). Input and output are `stdin`,
    `stdout` and `stderr` (default: ours). Stop it with `stop`.
    """
    parent = os.getpid()
    return subprocess.Popen(
        [str(part) for part in command],
        env=None if env is None else dict(env),
        cwd=cwd,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,
        preexec_fn=lambda: _die_with(parent, parent_death),
    )


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:  # not a group leader of ours any more: the process alone
        process.send_signal(sig)


def stop(*processes: subprocess.Popen[bytes] | None, timeout: float = 10.0, kill: bool = False) -> None:
    """Stop `processes` (and their process groups) together: SIGTERM, or SIGKILL when `kill`;
    SIGKILL for whatever still runs after `timeout` seconds. Every one is reaped on return."""
    running = [p for p in processes if p is not None and p.poll() is None]
    for process in running:
        _signal_group(process, signal.SIGKILL if kill else signal.SIGTERM)
    for process in running:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()


class Stopped(KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP arrived inside `stop_signals()`."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_lock = threading.Lock()
_depth = 0
_deadline = 30.0
_stopping: threading.Timer | None = None
_previous: dict[int, Any] = {}
_finishing: list[bool] = []


stopping = functools.partial(_finishing.append, True)
"""`stopping()`: the program is stopping what it started; until the outermost `stop_signals()`
block ends, a stop signal only starts the deadline. A call of C functions only: no signal handler
runs between the call and its effect, so a signal cannot cut short the stopping it comes after."""


def _exit_now(code: int) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _first_signal(signum: int) -> bool:
    """Start the forced-exit deadline of the first stop signal; False for any later one."""
    global _stopping
    if _stopping is not None:
        return False
    _stopping = threading.Timer(_deadline, _exit_now, args=(128 + signum,))
    _stopping.daemon = True
    _stopping.start()
    return True


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if _first_signal(signum) and not _finishing:
        raise Stopped(signum)


def run_stoppable(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)`, where a stop signal cancels `main` rather than raising in whichever
    task happens to run when it arrives; `Stopped` is raised once `main` has unwound.

    Raised inside an event loop, a signal's exception lands in a random task: in a task group's
    child it becomes an exception group that asyncio reports, traceback and all, while it shuts
    down. Cancelling the main task instead unwinds every task it awaits, in order. Outside a
    `stop_signals()` block this is plain `asyncio.run`.
    """
    received: list[int] = []

    async def guarded() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        ours = [sig for sig in _STOP_SIGNALS if signal.getsignal(sig) is _on_signal]

        def on_signal(signum: int) -> None:
            if _first_signal(signum) and not _finishing:
                received.append(signum)
                task.cancel()

        for sig in ours:
            loop.add_signal_handler(sig, on_signal, sig)
        try:
            return await main
        except asyncio.CancelledError:
            if received:
                raise Stopped(received[0]) from None
            raise
        finally:
            for sig in ours:
                loop.remove_signal_handler(sig)
                signal.signal(sig, _on_signal)

    return asyncio.run(guarded())


def _program_handles_signals() -> bool:
    """Whether a stop signal already has a handler of the program's own (not a default, not ours)."""
    defaults = {signal.SIG_DFL, signal.SIG_IGN, signal.default_int_handler, _on_signal}
    return any(signal.getsignal(sig) not in defaults for sig in _STOP_SIGNALS)


@contextmanager
def stop_signals(deadline: float = 30.0, *, unless_handled: bool = False) -> Iterator[None]:
    """Inside the block, SIGINT, SIGTERM and SIGHUP raise `Stopped` once; see the module's text.

    `deadline` (seconds from the signal to a forced exit) is the outermost block's. A signal that
    is ignored (as `nohup` ignores SIGHUP) stays ignored. With `unless_handled`, a program that
    handles one of these signals itself keeps all of its handlers: the block does nothing.
    """
    global _depth, _deadline, _stopping
    if threading.current_thread() is not threading.main_thread() or (
        unless_handled and _program_handles_signals()
    ):
        yield
        return
    with _lock:
        if _depth == 0:
            _deadline = deadline
            _finishing.clear()
            for sig in _STOP_SIGNALS:
                if signal.getsignal(sig) is not signal.SIG_IGN:
                    _previous[sig] = signal.signal(sig, _on_signal)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                for number, handler in _previous.items():
                    signal.signal(number, handler)
                _previous.clear()
                _finishing.clear()
                if _stopping is not None:
                    _stopping.cancel()
                    _stopping = None
