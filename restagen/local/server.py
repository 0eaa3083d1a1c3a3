"""A real `restate-server` on loopback, for `restagen dev`, the examples and the end-to-end tests.

The binary comes from the npm package `@restatedev/restate-server` (pinned), installed into a
project-local folder (`.restate/`), or from `RESTATE_SERVER_BIN`, or from PATH. Each server gets
free ports and its own data folder; restarting on the same folder keeps all state.

The server is a child that dies with its parent (see processes.py), and `with LocalRestate(...)`
stops it on SIGINT, SIGTERM and SIGHUP too (a program with handlers of its own keeps them).
Problems of the machine (a port taken, no npm, a server that exits at start) raise `LocalError`s
that name the cause, quoting the server's log.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

from restagen.local.errors import LocalError, PortInUse, RestateServerNotFound, ServerFailed
from restagen.local.processes import spawn, stop

__all__ = [
    "RESTATE_SERVER_VERSION",
    "LocalRestate",
    "RestateServerNotFound",
    "find_server_binary",
    "free_port",
    "install_server",
    "port_in_use",
]

RESTATE_SERVER_VERSION = "1.7.12"
_PACKAGE = "@restatedev/restate-server"
_BINARY_IN_PREFIX = Path("node_modules/@restatedev/restate-server-linux-x64/bin/restate-server")
_DOWNLOAD_SIZE = "~216 MB"


def default_prefix() -> Path:
    return Path(os.environ.get("RESTAGEN_RESTATE_DIR", Path.cwd() / ".restate"))


def find_server_binary(prefix: Path | None = None) -> Path | None:
    """`RESTATE_SERVER_BIN`, then the project-local install, then PATH."""
    explicit = os.environ.get("RESTATE_SERVER_BIN")
    if explicit:
        if not Path(explicit).is_file():
            raise RestateServerNotFound(f"RESTATE_SERVER_BIN is {explicit}, which is not a file")
        return Path(explicit)
    local = (prefix or default_prefix()) / _BINARY_IN_PREFIX
    if local.is_file():
        return local
    found = shutil.which("restate-server")
    return Path(found) if found else None


def _stderr() -> int | None:
    """Our standard error as a file descriptor for a child (None: the child inherits it)."""
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return None


def install_server(prefix: Path | None = None) -> Path:
    """Install the pinned server with npm into `prefix` (default `.restate/`) and return the binary.

    The download is large: where it goes and npm's progress are shown on standard error.
    """
    prefix = (prefix or default_prefix()).absolute()
    binary = prefix / _BINARY_IN_PREFIX
    if binary.is_file():
        return binary
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        missing = "npm" if npm is None else "node"
        raise RestateServerNotFound(
            f"restate-server is not installed, and {missing}, which installs it, is not on PATH: "
            "install Node.js (https://nodejs.org, it comes with npm), or set RESTATE_SERVER_BIN to a "
            f"restate-server {RESTATE_SERVER_VERSION} binary"
        )
    print(
        f"installing restate-server {RESTATE_SERVER_VERSION} ({_DOWNLOAD_SIZE}, once) into {prefix} "
        "with npm; set RESTATE_SERVER_BIN to use a binary of your own",
        file=sys.stderr,
        flush=True,
    )
    prefix.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    package = f"{_PACKAGE}@{RESTATE_SERVER_VERSION}"
    # No install scripts: the server needs none (one dependency's only reports the download).
    process = spawn(
        [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefix", prefix, package],
        stdout=_stderr(),
    )
    try:
        code = process.wait()
    finally:
        stop(process)
    if code != 0:
        raise RestateServerNotFound(
            f"npm could not install {package} into {prefix} (exit code {code}, its output is above); "
            "or set RESTATE_SERVER_BIN to a restate-server binary"
        )
    if not binary.is_file():
        raise RestateServerNotFound(f"npm installed {package} but {binary} is missing")
    print(f"installed {binary} in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    return binary


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A free loopback port, never one handed out before in this process: the system may give a
    port it just freed again, and a server's ports picked one after another would then collide."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something listens on (or holds) `port`; connections in TIME_WAIT do not count."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_BIND_FAILED = re.compile(r"\[([\w-]+)\] failed binding to address '[^']*:(\d+)': Address in use")


def _log_tail(path: Path, lines: int = 12) -> str:
    """The last `lines` lines of a log, without terminal colours."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(_ANSI.sub("", text).rstrip().splitlines()[-lines:])


@dataclass
class LocalRestate:
    """A restate-server process with free loopback ports and its own data folder."""

    binary: Path
    base_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="restate-")))
    ingress_port: int = field(default_factory=free_port)
    admin_port: int = field(default_factory=free_port)
    node_port: int = field(default_factory=free_port)
    log_file: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    """Extra environment of the server (its options as RESTATE_... variables)."""
    node_name: str = "n1"
    config_file: Path | None = None
    """A TOML file of server options (a cluster's node has one; see cluster.py)."""
    _process: subprocess.Popen[bytes] | None = None
    _owns_base_dir: bool = True

    @property
    def ingress_url(self) -> str:
        return f"http://127.0.0.1:{self.ingress_port}"

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.admin_port}"

    @property
    def ingress_urls(self) -> list[str]:
        """Every ingress that reaches this server's services: this one (a cluster has one a node)."""
        return [self.ingress_url]

    @property
    def node_url(self) -> str:
        """The address the nodes of a cluster talk to each other on."""
        return f"http://127.0.0.1:{self.node_port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The server's process id while it was started and not stopped."""
        return self._process.pid if self._process is not None else None

    @property
    def log_path(self) -> Path:
        return self.log_file or self.base_dir / "server.log"

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait until both APIs answer; `LocalError`s name what went wrong."""
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        """Start the server without waiting for it (`wait_ready` waits): the nodes of a cluster
        start together, as none is ready before the others join it."""
        if not Path(self.binary).is_file():
            raise RestateServerNotFound(f"no restate-server at {self.binary}")
        for port, role in (
            (self.ingress_port, "ingress of restate-server"),
            (self.admin_port, "admin API of restate-server"),
            (self.node_port, "node port of restate-server"),
        ):
            if port_in_use(port):
                raise PortInUse(port, role)
        env = {
            **os.environ,
            "RESTATE_DISABLE_TELEMETRY": "true",
            "RESTATE_DEFAULT_NUM_PARTITIONS": "1",
            "RESTATE_ROCKSDB_TOTAL_MEMORY_SIZE": "64MB",
            "RESTATE_ADMIN__QUERY_ENGINE__MEMORY_SIZE": "64MB",
            "RESTATE_LOG_FILTER": os.environ.get("RESTATE_LOG_FILTER", "warn"),
            "RESTATE_INGRESS__BIND_PORT": str(self.ingress_port),
            "RESTATE_ADMIN__BIND_PORT": str(self.admin_port),
            **self.env,
        }
        self.base_dir.mkdir(parents=True, exist_ok=True)
        command: list[str | Path] = [
            self.binary,
            "--no-logo",
            "--base-dir",
            self.base_dir,
            "--node-name",
            self.node_name,
        ]
        if self.config_file is not None:
            command += ["--config-file", self.config_file]
        command += ["--bind-ip", "127.0.0.1", "--listen-mode", "tcp", "--bind-port", str(self.node_port)]
        with self.log_path.open("ab") as log:
            try:
                self._process = spawn(command, env=env, stdout=log, stderr=subprocess.STDOUT)
            except OSError as error:  # not executable, or a download cut short
                raise ServerFailed(
                    f"cannot run {self.binary}: {error.strerror or error}; if npm installed it, "
                    "remove its folder to install it again"
                ) from error

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until both APIs of the launched server answer; stopped if they never do."""
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop(kill=True)  # never leave a half-started server behind
            raise

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise self._failure(f"restate-server exited with code {self._process.returncode} at start")
            try:
                admin = httpx.get(f"{self.admin_url}/health", timeout=1)
                ingress = httpx.get(f"{self.ingress_url}/restate/health", timeout=1)
                if admin.status_code == 200 and ingress.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise self._failure(f"restate-server was not ready after {timeout:.0f} s")

    def _failure(self, what: str) -> PortInUse | ServerFailed:
        """The error for a server that did not come up, from what its log says."""
        tail = _log_tail(self.log_path)
        bind = _BIND_FAILED.search(tail)
        if bind is not None:
            return PortInUse(int(bind.group(2)), f"{bind.group(1)} of restate-server")
        quoted = "\n".join(f"  {line}" for line in tail.splitlines()) or "  (empty)"
        return ServerFailed(f"{what}; the end of its log, {self.log_path}:\n{quoted}")

    def check_running(self) -> None:
        """`ServerFailed` (quoting its log) when the server, once started, has exited."""
        if self._process is not None and self._process.poll() is not None:
            raise self._failure(f"restate-server exited with code {self._process.returncode}")

    def stop(self, *, kill: bool = False) -> None:
        """Stop the server (SIGKILL when `kill`); the data folder stays for a restart."""
        stop(self.release(), timeout=15, kill=kill)

    def release(self) -> subprocess.Popen[bytes] | None:
        """The server's process, which the caller now stops (a cluster stops its nodes together)."""
        process, self._process = self._process, None
        return process

    def restart(self, *, kill: bool = False) -> None:
        self.stop(kill=kill)
        self.start()

    def register(self, uri: str) -> dict[str, object]:
        """Register (forced) the deployment at `uri` and return the admin API's answer."""
        response = httpx.post(f"{self.admin_url}/deployments", json={"uri": uri, "force": True}, timeout=30)
        response.raise_for_status()
        result: dict[str, object] = response.json()
        return result

    def close(self) -> None:
        self.stop()
        if self._owns_base_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> LocalRestate:
        """Start. The server stops when the block ends, and by itself when this process dies of
        any signal (`spawn`); a program that wants the data folder removed on SIGTERM and SIGHUP
        too wraps its work in `stop_signals()`. The object takes no signals over itself: a test
        session or a framework holding a server keeps its own handling."""
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def main() -> None:
    """`python -m restagen.local.server install`: install the pinned server (no-op when present)."""
    if sys.argv[1:] != ["install"]:
        sys.exit("usage: python -m restagen.local.server install")
    try:
        print(find_server_binary() or install_server())
    except LocalError as error:
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
