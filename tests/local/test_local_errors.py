"""Problems of the machine are user errors: a taken port, no npm, an install or a server that
fails. Each is named, with what to do, exit code 1 and no traceback. A fake restate-server and a
fake npm stand in where the real ones would not fail.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from restagen.local.errors import PortInUse, ServerFailed
from restagen.local.server import RESTATE_SERVER_VERSION, LocalRestate
from tests.local.samples import SCHEMA

BIND_FAILED = (
    "\x1b[31mERROR\x1b[0m restate_server: Restate application failed\n"
    "    error: [admin-api-server] failed binding to address '127.0.0.1:4242': Address in use (os error 98)\n"
)


FAKE_NPM = """\
import sys
from pathlib import Path

print("npm", *sys.argv[1:], file=sys.stderr)
binary = Path(sys.argv[sys.argv.index("--prefix") + 1], "node_modules/@restatedev/restate-server-linux-x64/bin/restate-server")
binary.parent.mkdir(parents=True)
binary.touch()
print("added 3 packages")
"""


@pytest.fixture
def taken() -> Iterator[int]:
    """A port something listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def executable(path: Path, script: str, interpreter: str = "/bin/sh") -> Path:
    path.write_text(f"#!{interpreter}\n{script}")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "restagen", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def user_error(result: subprocess.CompletedProcess[str]) -> str:
    """The message of a user error (asserted to be one)."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    return result.stderr


def test_dev_names_a_taken_port_and_its_option(tmp_path: Path, taken: int) -> None:
    (tmp_path / "hello.restagen.yaml").write_text(SCHEMA)
    result = run(
        ["dev", "hello.restagen.yaml", "-o", "gen", "--ingress-port", str(taken)], tmp_path, dict(os.environ)
    )
    assert (
        f"error: port {taken} (ingress of restate-server) is already in use by another program; "
        "stop what uses it, or choose another port with --ingress-port"
    ) in user_error(result)


def test_serve_names_a_taken_port(tmp_path: Path, taken: int) -> None:
    (tmp_path / "plain_app.py").write_text("async def app(scope, receive, send): pass\n")
    result = run(
        ["serve", "plain_app:app", "--port", str(taken), "--path", str(tmp_path)], tmp_path, dict(os.environ)
    )
    assert f"error: port {taken} (the endpoint, on 127.0.0.1) is already in use" in user_error(result)


def test_a_taken_port_is_found_before_the_server_starts(tmp_path: Path, taken: int) -> None:
    never = executable(tmp_path / "restate-server", "exit 3\n")
    with pytest.raises(PortInUse, match=f"port {taken} \\(admin API of restate-server\\)"):
        LocalRestate(never, base_dir=tmp_path / "data", admin_port=taken).start()


def test_a_port_taken_meanwhile_is_read_from_the_log(tmp_path: Path) -> None:
    (tmp_path / "output").write_text(BIND_FAILED)
    server = executable(tmp_path / "restate-server", f"cat {tmp_path / 'output'}\nexit 1\n")
    with pytest.raises(PortInUse) as raised:
        LocalRestate(server, base_dir=tmp_path / "data").start()
    assert (
        str(raised.value)
        == "port 4242 (admin-api-server of restate-server) is already in use by another program"
    )


def test_a_server_that_fails_is_quoted_from_its_log(tmp_path: Path) -> None:
    lines = "\n".join(f"line {n}" for n in range(30))
    server = executable(tmp_path / "restate-server", f"echo '{lines}'\nexit 3\n")
    local = LocalRestate(server, base_dir=tmp_path / "data")
    with pytest.raises(ServerFailed) as raised:
        local.start()
    message = str(raised.value)
    assert message.startswith(
        f"restate-server exited with code 3 at start; the end of its log, {local.log_path}:\n"
    )
    assert message.splitlines()[-12:] == [f"  line {n}" for n in range(18, 30)]


def test_a_server_binary_that_cannot_run(tmp_path: Path) -> None:
    truncated = tmp_path / "restate-server"
    truncated.write_bytes(b"\x7fELF\x02\x01")  # a download cut short
    truncated.chmod(0o755)
    with pytest.raises(ServerFailed) as raised:
        LocalRestate(truncated, base_dir=tmp_path / "data").start()
    assert str(raised.value) == (
        f"cannot run {truncated}: Exec format error; if npm installed it, remove its folder to install it again"
    )


def test_dev_reports_a_server_that_fails(tmp_path: Path) -> None:
    (tmp_path / "hello.restagen.yaml").write_text(SCHEMA)
    server = executable(tmp_path / "restate-server", "echo 'cannot open the data folder'\nexit 3\n")
    env = {**os.environ, "RESTATE_SERVER_BIN": str(server)}
    message = user_error(run(["dev", "hello.restagen.yaml", "-o", "gen"], tmp_path, env))
    assert "restate-server exited with code 3 at start" in message
    assert "  cannot open the data folder" in message


def test_dev_reports_a_missing_server_binary(tmp_path: Path) -> None:
    (tmp_path / "hello.restagen.yaml").write_text(SCHEMA)
    env = {**os.environ, "RESTATE_SERVER_BIN": str(tmp_path / "nowhere")}
    message = user_error(run(["dev", "hello.restagen.yaml", "-o", "gen"], tmp_path, env))
    assert f"error: RESTATE_SERVER_BIN is {tmp_path / 'nowhere'}, which is not a file" in message


def without_server(tmp_path: Path, *tools: Path) -> dict[str, str]:
    """An environment with no restate-server anywhere and, on PATH, only `tools`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in tools:
        tool.rename(bin_dir / tool.name)
    env = {k: v for k, v in os.environ.items() if k != "RESTATE_SERVER_BIN"}
    return {**env, "PATH": str(bin_dir), "RESTAGEN_RESTATE_DIR": str(tmp_path / "restate")}


def test_dev_without_npm_says_what_to_install(tmp_path: Path) -> None:
    (tmp_path / "hello.restagen.yaml").write_text(SCHEMA)
    message = user_error(run(["dev", "hello.restagen.yaml", "-o", "gen"], tmp_path, without_server(tmp_path)))
    assert "restate-server is not installed, and npm, which installs it, is not on PATH" in message
    assert "install Node.js" in message
    assert f"or set RESTATE_SERVER_BIN to a restate-server {RESTATE_SERVER_VERSION} binary" in message


def test_dev_without_node_says_what_to_install(tmp_path: Path) -> None:
    (tmp_path / "hello.restagen.yaml").write_text(SCHEMA)
    npm = executable(tmp_path / "npm", FAKE_NPM, sys.executable)
    env = without_server(tmp_path, npm)
    message = user_error(run(["dev", "hello.restagen.yaml", "-o", "gen"], tmp_path, env))
    assert "restate-server is not installed, and node, which installs it, is not on PATH" in message


def test_the_download_says_where_it_goes_and_shows_npm(tmp_path: Path) -> None:
    binary = "node_modules/@restatedev/restate-server-linux-x64/bin/restate-server"
    npm = executable(tmp_path / "npm", FAKE_NPM, sys.executable)
    node = executable(tmp_path / "node", "exit 0\n")
    env = without_server(tmp_path, npm, node)
    result = subprocess.run(
        [sys.executable, "-m", "restagen.local.server", "install"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    prefix = tmp_path / "restate"
    assert result.stdout == f"{prefix / binary}\n"
    lines = result.stderr.splitlines()
    assert lines[0] == (
        f"installing restate-server {RESTATE_SERVER_VERSION} (~216 MB, once) into {prefix} with npm; "
        "set RESTATE_SERVER_BIN to use a binary of your own"
    )
    assert lines[1] == (
        f"npm install --no-audit --no-fund --ignore-scripts --prefix {prefix} "
        f"@restatedev/restate-server@{RESTATE_SERVER_VERSION}"
    )
    assert lines[2] == "added 3 packages"  # npm's own output goes to standard error too
    assert lines[3].startswith(f"installed {prefix / binary} in ")


def test_a_failed_download_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "hello.restagen.yaml").write_text(SCHEMA)
    npm = executable(tmp_path / "npm", "echo 'npm error network ETIMEDOUT' >&2\nexit 7\n")
    node = executable(tmp_path / "node", "exit 0\n")
    env = without_server(tmp_path, npm, node)
    message = user_error(run(["dev", "hello.restagen.yaml", "-o", "gen"], tmp_path, env))
    assert "npm error network ETIMEDOUT" in message
    assert f"npm could not install @restatedev/restate-server@{RESTATE_SERVER_VERSION} into " in message
    assert "(exit code 7, its output is above)" in message


def test_free_ports_are_never_handed_out_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    """The system may give a port it just freed again: a server's three ports would collide."""
    from restagen.local import server

    given = iter([47001, 47001, 47002, 47001, 47003])

    class Socket:
        def __init__(self, *args: object) -> None:
            self.port = next(given)

        def __enter__(self) -> Socket:
            return self

        def __exit__(self, *args: object) -> None:
            return None

        def bind(self, address: tuple[str, int]) -> None:
            return None

        def getsockname(self) -> tuple[str, int]:
            return ("127.0.0.1", self.port)

    monkeypatch.setattr(server, "_HANDED_OUT", set())
    monkeypatch.setattr(server.socket, "socket", Socket)
    assert [server.free_port() for _ in range(3)] == [47001, 47002, 47003]
