"""README.md's quick start, followed as written, with restagen installed from its wheel.

The quick start's blocks are marked `fragment` for tests/test_docs.py (they make sense only in
order, in one folder, with a server); this test runs them in that order, in a temporary folder
outside the repository: every `$` command as written, except the virtual environment and the
install of restagen, which are the session's `compiler_venv` (the wheel with its compiler extra;
the README's lines are checked, so a change of them is noticed). The greeter block is written
where its `file:` marker says. `restagen dev` runs in the background, on free ports, with the
suite's restate-server; the call of the second terminal is made with the README's command once
the greeter answers, and both show what the README shows (`...` stands for what varies). Ctrl-C
(SIGINT to dev's process group, as a terminal sends it) must stop dev and everything it started.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from restagen.local.server import free_port
from tests.install.venvs import Venv, running
from tests.polling import wait_until
from tests.test_docs import Block, parse_blocks

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

# What the session's compiler_venv has already done.
PROVIDED = ["python3 -m venv .venv", ". .venv/bin/activate", "pip install 'restagen[compiler]'"]
# The ports restagen dev uses by default, as the README shows them.
DEFAULT_PORTS = {"ingress": 8080, "admin": 9070, "endpoint": 9080}


def quick_start() -> list[Block]:
    """The blocks of README.md's "Quick start" section, in order."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index("## Quick start") + 1
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("## "))
    return [block for block in parse_blocks(README) if start < block.line <= end]


def commands(block: Block) -> Iterator[tuple[str, list[str]]]:
    """The `$` commands of a console block, each with the output lines shown under it."""
    current: tuple[str, list[str]] | None = None
    for line in block.text.splitlines():
        if line.startswith("$ "):
            if current:
                yield current
            current = (line[2:].strip(), [])
        elif line.strip():
            assert current, f"{block.id}: output before the first command: {line!r}"
            current[1].append(line.strip())
    if current:
        yield current


def shown_as_pattern(shown: str) -> re.Pattern[str]:
    """The README's output line as a pattern: `...` stands for any text."""
    return re.compile(".+?".join(re.escape(part) for part in shown.split("...")))


def with_ports(text: str, ports: dict[str, int]) -> str:
    for name, default in DEFAULT_PORTS.items():
        text = text.replace(f":{default}", f":{ports[name]}")
    return text


def children(pid: int) -> list[int]:
    """The processes `pid` started (Linux's /proc; empty once it has gone)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(child) for child in task.read_text().split()]
        except OSError:  # the thread ended meanwhile
            continue
    return found


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie does not: it only waits to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def record_children(pid: int, into: list[int]) -> None:
    """Add the processes `pid` runs now to `into` (dev starts them in sessions of their own)."""
    if alive(pid):
        into += [child for child in children(pid) if child not in into]


def kill_all(pids: list[int]) -> None:
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_the_quick_start_works_as_written(compiler_venv: Venv, server_binary: Path, tmp_path: Path) -> None:
    ports = {name: free_port() for name in DEFAULT_PORTS}
    env = {"RESTATE_SERVER_BIN": str(server_binary)}
    cwd, provided, called = tmp_path, [], False
    dev: subprocess.Popen[bytes] | None = None
    dev_shown: list[str] = []
    started: list[int] = []  # what dev started, in sessions of its own: killed at the end if still running
    with ExitStack() as stack:
        stack.callback(kill_all, started)
        stack.callback(_uninstall, compiler_venv, "hello", tmp_path)  # `pip install -e .` of the project
        for block in quick_start():
            if block.lang == "python":
                target = cwd / block.markers["file"]
                assert target.is_file(), f"{block.id}: {target} is not the stub generate wrote"
                target.write_text(block.text)
                continue
            for command, shown in commands(block):
                argv = shlex.split(command)
                if command.startswith(("python3 -m venv", ". ", "pip install 'restagen")):
                    provided.append(command)
                elif argv[0] == "cd":
                    cwd = cwd / argv[1]
                elif argv[:2] == ["restagen", "dev"]:
                    flags = ["--port", ports["endpoint"], "--ingress-port", ports["ingress"]]
                    flags += ["--admin-port", ports["admin"]]
                    dev = stack.enter_context(
                        running([*argv, *map(str, flags)], venv=compiler_venv, cwd=cwd, env=env)
                    )
                    stack.callback(record_children, dev.pid, started)  # runs before dev is stopped
                    dev_shown = [with_ports(line, ports) for line in shown]
                elif argv[0] == "curl":
                    assert dev is not None, f"{block.id}: a call before restagen dev"
                    call = shlex.split(with_ports(command, ports))
                    _wait_until_answered(dev, cwd / "process.log", call)
                    record_children(dev.pid, started)
                    done = compiler_venv.run(*call, cwd=cwd, timeout=60)
                    assert done.returncode == 0, done.stderr
                    _assert_shown(command, done.stdout, shown)
                    called = True
                else:
                    done = compiler_venv.run(*argv, cwd=cwd, env=env)
                    output = done.stdout + done.stderr
                    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{output}"
                    for line in shown:
                        assert shown_as_pattern(line).search(output), f"{command}: {line!r} not in:\n{output}"
        assert provided == PROVIDED, "the quick start's install changed: update PROVIDED"
        assert dev is not None and called, "the quick start no longer runs restagen dev and calls it"
        _assert_dev_printed(cwd / "process.log", dev_shown)
        imported = compiler_venv.run("python", "-c", "import hello.main", cwd=tmp_path)  # pip install -e .
        assert imported.returncode == 0, imported.stderr

        assert started, "restagen dev started no process"
        os.killpg(dev.pid, signal.SIGINT)  # Ctrl-C
        assert dev.wait(timeout=60) == 0, (cwd / "process.log").read_text()
        wait_until(lambda: not any(map(alive, started)), "what restagen dev started still runs", timeout=30)


def _wait_until_answered(dev: subprocess.Popen[bytes], log: Path, call: list[str]) -> None:
    """Until the call of `curl URL -H HEADER -d BODY` succeeds: Restate is up, the app served and
    registered."""
    assert len(call) == 6 and call[2::2] == ["-H", "-d"], (
        f"{shlex.join(call)}: not `curl URL -H HEADER -d BODY`"
    )
    url, header, body = call[1], call[3], call[5]
    name, _, value = header.partition(":")

    def answered() -> bool:
        if dev.poll() is not None:
            raise RuntimeError(f"restagen dev exited with {dev.returncode}:\n{log.read_text()}")
        try:
            answer = httpx.post(f"http://{url}", content=body, headers={name: value.strip()})
        except httpx.TransportError:
            return False
        return answer.status_code == 200

    try:
        wait_until(answered, f"{url} to answer", timeout=120)
    except AssertionError as error:
        raise AssertionError(f"{error}; restagen dev printed:\n{log.read_text()}") from None


def _assert_shown(command: str, output: str, shown: list[str]) -> None:
    lines = output.strip().splitlines()
    assert len(lines) == len(shown), f"{command}: {output!r}, the README shows {shown}"
    for line, want in zip(lines, shown, strict=True):
        assert shown_as_pattern(want).fullmatch(line), f"{command}: {line!r}, the README shows {want!r}"


def _assert_dev_printed(log: Path, shown: list[str]) -> None:
    """dev printed the lines shown, in order (it may print them after the app answers: it registers,
    then says so)."""

    def printed() -> list[str]:
        return [line.strip() for line in log.read_text().splitlines()]

    try:
        wait_until(lambda: all(line in printed() for line in shown), "restagen dev's output", timeout=30)
    except AssertionError:
        readme = "\n".join(shown)
        raise AssertionError(
            f"restagen dev printed:\n{log.read_text()}\nnot the README's:\n{readme}"
        ) from None
    at = [printed().index(line) for line in shown]
    assert at == sorted(at), f"restagen dev printed:\n{log.read_text()}\nnot in the README's order"


def _uninstall(venv: Venv, name: str, cwd: Path) -> None:
    """The session's venv is shared: the project installed with `pip install -e .` leaves it."""
    venv.run(venv.bin / "python", "-m", "pip", "uninstall", "-y", "-q", name, cwd=cwd)
