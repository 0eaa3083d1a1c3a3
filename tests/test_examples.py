"""Every example runs: the food-to-go demo generates, serves on a real Restate server and prints
what happened; its dashboard page gets the run's events, however late it is opened; and the end
of the walk-through, Enter, Ctrl-C, SIGTERM, SIGHUP and a closing terminal stop everything the demo
started."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from restagen.local.server import free_port
from tests.polling import DEADLINE, wait_until

ROOT = Path(__file__).resolve().parents[1]
STARTUP = 300.0
"""How long a demo gets to reach a line of its output: it generates, starts and registers first."""
STOPPED_WITHIN = 15.0
"""How long a stopped demo may take to have ended every process it started."""


def example_copy(folder: Path) -> Path:
    """A copy of `examples/ftgo` in `folder`, and so its demo script: the demo generates into the
    example's `src/`, which must not change the repository's files (the manifest there records
    the digests of this installation's compiler and tools)."""
    copy = folder / "examples" / "ftgo"
    shutil.copytree(
        ROOT / "examples" / "ftgo", copy, ignore=shutil.ignore_patterns("__pycache__", ".*_cache")
    )
    return copy / "demo.py"


@pytest.fixture(scope="module")
def demo_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return example_copy(tmp_path_factory.mktemp("example"))


class Demo:
    """The demo of a copy of `examples/ftgo` (`script`), run from the repository (which holds the
    server's install), in its own session (a terminal's foreground group, without a terminal:
    stdin is not one), its output collected line by line as it comes."""

    def __init__(self, script: Path, logs: Path, *args: str) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, script, "--port", str(self.port), "--logs", str(logs), *args],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str) -> str:
        """The first line containing `text`, once the demo has printed it."""

        def printed() -> str | None:
            found = next((line for line in self.lines if text in line), None)
            if found is None and self.process.poll() is not None:
                self._reader.join()
                found = next((line for line in self.lines if text in line), None)
                assert found is not None, (
                    f"the demo ended ({self.process.returncode}) without {text!r}:\n{self.output}"
                )
            return found

        return wait_until(printed, f"the demo printing {text!r}:\n{self.output}", timeout=STARTUP)

    def ports(self) -> list[int]:
        """The endpoint's port, and the ingress and admin ports of restate-server."""
        line = self.wait_for("== restate-server: ingress ")
        return [self.port, *map(int, re.findall(r"127\.0\.0\.1:(\d+)", line))]

    def signal(self, signum: int) -> None:
        """`signum` to the demo's process group, as a terminal sends Ctrl-C or SIGHUP."""
        os.killpg(self.process.pid, signum)

    def stop(self) -> None:
        """SIGTERM, for the demo to stop what it started; SIGKILL only if it does not end."""
        if self.process.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STARTUP)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
        self.process.wait()
        self._reader.join()


def _descendants(pid: int) -> dict[int, str]:
    """The processes below `pid`, each with its start time (so that a reused pid is not taken for it)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found: dict[int, str] = {}
    pending = list(parents.get(pid, []))
    while pending:
        child = pending.pop()
        if (started := _start_time(child)) is not None:
            found[child] = started
        pending += parents.get(child, [])
    return found


def _start_time(pid: int) -> str | None:
    try:
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split())[19]
    except OSError:
        return None


def _kill_leftovers(started: dict[int, str]) -> None:
    """SIGKILL what a failed test leaves of `started`, so that one failure does not leak servers."""
    for pid, since in started.items():
        if _start_time(pid) == since:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def demo(demo_script: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """One run of the demo, serving after its walk-through until the module's tests are done."""
    running = Demo(demo_script, tmp_path_factory.mktemp("demo-logs"), "--keep-serving")
    try:
        running.wait_for("== serving until stopped")
        yield running
    finally:
        running.stop()


@pytest.mark.e2e
def test_ftgo_demo_without_a_terminal_ends_by_itself_and_stops_everything(
    demo_script: Path, tmp_path: Path
) -> None:
    """Without a terminal (CI) there is no Enter to wait for: after the walk-through it stops what it
    started and exits 0."""
    demo = Demo(demo_script, tmp_path)
    try:
        ports = demo.ports()
        demo.wait_for("== the live dashboard")
        started = _descendants(demo.process.pid)
        assert len(started) >= 2, "restate-server and the endpoint"
        wait_until(lambda: demo.process.poll() is not None, "the demo ending", timeout=STARTUP)
        demo._reader.join()
        assert demo.process.returncode == 0, demo.output
        assert demo.output.splitlines()[-1] == "== done: the endpoint and restate-server are stopped"
        assert "the saga ended ROLLED_BACK" in demo.output
        assert not any(_start_time(pid) == since for pid, since in started.items())
        assert not any(_listening(port) for port in ports)
    finally:
        demo.stop()


@pytest.mark.e2e
def test_ftgo_demo_walks_through_the_example(demo: Demo) -> None:
    output = demo.output
    assert "link clicked; the run returned True" in output
    assert "is now registered: name='Ann' email='ann@example.com'" in output
    assert "(APPROVAL_PENDING) for 11.80 EUR" in output
    assert "InvalidOrder: reason='an order needs at least one line item'" in output
    assert "CardDeclined: reason='amount above the card limit of 100'" in output
    assert "RestaurantClosed: restaurant_id='closed-for-holidays'" in output
    malformed = output.split("== a malformed request")[1].split("\n== ")[0].splitlines()
    assert "   HTTP 400: invalid request to order/create:" in malformed
    assert "     consumer_id: UUID input should be a string, bytes or UUID object" in malformed
    assert "     payment: Field required" in malformed, "the message is shown whole"
    saga = output.split("== the create_order saga: consumer")[1].split("== the create_order saga with")[0]
    steps = [line.split(":")[1].strip() for line in saga.splitlines() if "step done:" in line]
    assert steps == [
        "create_pending_order", "verify_consumer", "create_ticket", "authorize_card", "wait_for_confirmation", "approve"
    ]  # fmt: skip
    assert "the saga ended SUCCEEDED" in saga
    assert "starting order-1001 again: PreviouslyAccepted" in saga
    declined = output.split("== the create_order saga with a declined card")[1].split("\n== ")[0]
    undone = [line.split(":")[1].strip() for line in declined.splitlines() if "step undone:" in line]
    assert undone == ["create_ticket", "create_pending_order"]
    assert "the saga ended ROLLED_BACK" in declined
    assert "because authorize_card failed with CardDeclined" in declined
    assert "the page is served (200)" in output
    assert "dashboard <- OrderApproved order-1001" in saga
    assert "dashboard <- OrderRejected order-1002: CardDeclined" in declined
    delayed = next(line for line in output.splitlines() if "ran after" in line)
    assert float(delayed.split("ran after ")[1].split(" s")[0]) >= 1.0


@pytest.mark.e2e
def test_ftgo_demo_lines_are_its_own(demo: Demo) -> None:
    """The endpoint's prints go to its log, not between the demo's lines: every line is a step's
    heading, indented under one, or empty."""
    walk_through = demo.output.split("== serving until stopped")[0].splitlines()
    strays = [line for line in walk_through if line and not line.startswith(("== ", "   "))]
    assert strays == []
    log = demo.output.split("its log: ")[2].splitlines()[0]
    assert "ticket ticket-order-1002 cancelled" in Path(log).read_text()
    assert "...\n" not in demo.output, "no message is cut short"


@pytest.mark.e2e
def test_the_dashboard_page_gets_the_runs_events(demo: Demo) -> None:
    """Opened after the walk-through at the address the demo gives (with the run's first offset),
    the page's stream (the URL its script opens, as a browser asks for it) replays every order
    event of the run from the stream's log, in the order the demo's own subscriber got them."""
    shown = re.findall(r"dashboard <- (\w+) (order-\w+)", demo.output)
    assert len(shown) == 5, demo.output  # three orders created, one approved, one rejected
    base = f"http://127.0.0.1:{demo.port}"
    (address,) = re.findall(r"== the live dashboard: (\S+)", demo.output)
    first = address.split("?from_offset=")[1]
    page = httpx.get(address, timeout=30).text
    (template,) = re.findall(r"new EventSource\(`([^`]+)`\)", page)
    url = template.replace("${encodeURIComponent(from)}", first)
    received: list[tuple[str, str]] = []
    deadline = time.monotonic() + DEADLINE
    with (
        httpx.Client(timeout=DEADLINE) as client,
        client.stream("GET", base + url, headers={"accept": "text/event-stream"}) as stream,
    ):
        assert stream.status_code == 200
        kind = None
        for line in stream.iter_lines():  # keep-alive comments come every 15 s when nothing else does
            assert time.monotonic() < deadline, f"the page's stream gave only {received}, not {shown}"
            if line.startswith("event: "):
                kind = line.removeprefix("event: ").rsplit(".", 1)[1]
            elif line.startswith("data: ") and kind is not None:
                received.append((kind, json.loads(line.removeprefix("data: "))["data"]["order_id"]))
                if len(received) == len(shown):
                    break
    assert received == shown


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "after"),
    [
        (signal.SIGTERM, "== serving until stopped"),
        (signal.SIGHUP, "== sign-up workflow"),
        (signal.SIGINT, "== the create_order saga: consumer"),
    ],
    ids=["SIGTERM-serving", "SIGHUP-walking-through", "Ctrl-C-walking-through"],
)
def test_a_stop_signal_stops_everything_the_demo_started(
    demo_script: Path, tmp_path: Path, signum: int, after: str
) -> None:
    demo = Demo(demo_script, tmp_path, "--keep-serving")
    started: dict[int, str] = {}
    try:
        demo.wait_for(after)
        ports = demo.ports()
        started = _descendants(demo.process.pid)
        assert len(started) >= 2, "restate-server and the endpoint"
        demo.signal(signum)

        def all_ended() -> bool:
            return demo.process.poll() is not None and all(
                _start_time(pid) != since for pid, since in started.items()
            )

        wait_until(all_ended, f"everything the demo started ending after {signum}", timeout=STOPPED_WITHIN)
        demo._reader.join()
        assert not any(_listening(port) for port in ports)
        output = demo.output
        assert "Traceback" not in output, output
        assert output.splitlines()[-1] == "== done: the endpoint and restate-server are stopped", output
        if after == "== serving until stopped":
            assert demo.process.returncode == 0, "a stop while it serves is the demo's normal end"
        else:  # unless the walk-through was done first
            assert demo.process.returncode in (0, 128 + signum), output
    finally:
        demo.stop()
        _kill_leftovers(started)


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_make_demo_takes_a_fixed_port_from_its_command_line() -> None:
    def demo_command(*args: str, **env: str) -> str:
        dry_run = subprocess.run(
            ["make", "-n", "demo", *args],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return next(line for line in dry_run.stdout.splitlines() if "examples/ftgo/demo.py" in line)

    assert demo_command("PORT=9080").endswith("examples/ftgo/demo.py --port 9080")
    assert demo_command(PORT="9080").endswith("examples/ftgo/demo.py"), "an exported PORT is not taken"


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.parametrize("closing", ["Enter", "the terminal closing"])
def test_at_the_prompt_enter_or_the_terminal_closing_stops_everything(
    demo_script: Path, tmp_path: Path, closing: str
) -> None:
    """From a terminal the demo waits for Enter. Closing the terminal instead ends its input and
    sends it SIGHUP, in either order: it still stops everything it started."""
    pid, terminal = pty.fork()
    if pid == 0:  # the demo, on the terminal
        os.chdir(ROOT)
        os.execv(sys.executable, [sys.executable, str(demo_script), "--logs", str(tmp_path)])
    shown = bytearray()
    ended = False

    def prompted() -> bool:
        if select.select([terminal], [], [], 0.1)[0]:
            try:
                shown.extend(os.read(terminal, 65536))
            except OSError:
                raise AssertionError(f"the demo ended before its prompt:\n{shown.decode()}") from None
        return b"press Enter" in shown

    def demo_ended() -> bool:
        nonlocal ended
        ended = os.waitpid(pid, os.WNOHANG)[0] == pid
        return ended

    started: dict[int, str] = {}
    try:
        wait_until(prompted, "the demo's prompt", timeout=STARTUP)
        started = _descendants(pid)
        assert len(started) >= 2, "restate-server and the endpoint"
        if closing == "Enter":
            os.write(terminal, b"\n")
        else:
            os.close(terminal)
        wait_until(demo_ended, "the demo ending", timeout=STOPPED_WITHIN)
        wait_until(
            lambda: all(_start_time(child) != since for child, since in started.items()),
            "everything the demo started ending",
            timeout=STOPPED_WITHIN,
        )
    finally:
        with contextlib.suppress(OSError):
            os.close(terminal)
        if not ended:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
        _kill_leftovers(started)
