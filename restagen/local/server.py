"""A real `restate-server` on loopback, for `restagen dev`, the examples and the end-to-end tests.

The binary comes from the npm package `@restatedev/restate-server` (pinned), installed into a
project-local folder (`.restate/`), or from `RESTATE_SERVER_BIN`, or from PATH. Each server gets
free ports and its own data folder; restarting on the same folder keeps all state.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

__all__ = [
    "RESTATE_SERVER_VERSION",
    "LocalRestate",
    "RestateServerNotFound",
    "find_server_binary",
    "free_port",
    "install_server",
]

RESTATE_SERVER_VERSION = "1.7.12"
_PACKAGE = "@restatedev/restate-server"
_BINARY_IN_PREFIX = Path("node_modules/@restatedev/restate-server-linux-x64/bin/restate-server")


class RestateServerNotFound(RuntimeError):
    pass


def default_prefix() -> Path:
    return Path(os.environ.get("RESTAGEN_RESTATE_DIR", Path.cwd() / ".restate"))


def find_server_binary(prefix: Path | None = None) -> Path | None:
    """`RESTATE_SERVER_BIN`, then the project-local install, then PATH."""
    explicit = os.environ.get("RESTATE_SERVER_BIN")
    if explicit:
        return Path(explicit)
    local = (prefix or default_prefix()) / _BINARY_IN_PREFIX
    if local.is_file():
        return local
    found = shutil.which("restate-server")
    return Path(found) if found else None


def install_server(prefix: Path | None = None) -> Path:
    """Install the pinned server with npm into `prefix` (default `.restate/`) and return the binary."""
    prefix = prefix or default_prefix()
    binary = prefix / _BINARY_IN_PREFIX
    if binary.is_file():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        raise RestateServerNotFound("npm is needed to install restate-server (or set RESTATE_SERVER_BIN)")
    prefix.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            npm,
            "install",
            "--silent",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(prefix),
            f"{_PACKAGE}@{RESTATE_SERVER_VERSION}",
        ],
        check=True,
    )
    if not binary.is_file():
        raise RestateServerNotFound(f"npm installed {_PACKAGE} but {binary} is missing")
    return binary


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    _process: subprocess.Popen[bytes] | None = None
    _owns_base_dir: bool = True

    @property
    def ingress_url(self) -> str:
        return f"http://127.0.0.1:{self.ingress_port}"

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.admin_port}"

    def start(self, timeout: float = 30.0) -> None:
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
        log = (self.log_file or self.base_dir / "server.log").open("ab")
        self._process = subprocess.Popen(
            [
                str(self.binary),
                "--no-logo",
                "--base-dir",
                str(self.base_dir),
                "--node-name",
                "n1",
                "--bind-ip",
                "127.0.0.1",
                "--listen-mode",
                "tcp",
                "--bind-port",
                str(self.node_port),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop(kill=True)  # never leave a half-started server behind
            raise

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(
                    f"restate-server exited with {self._process.returncode}; see {self.base_dir}"
                )
            try:
                admin = httpx.get(f"{self.admin_url}/health", timeout=1)
                ingress = httpx.get(f"{self.ingress_url}/restate/health", timeout=1)
                if admin.status_code == 200 and ingress.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"restate-server not ready after {timeout}s")

    def stop(self, *, kill: bool = False) -> None:
        """Stop the server (SIGKILL when `kill`); the data folder stays for a restart."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

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
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def main() -> None:
    """`python -m restagen.local.server install`: install the pinned server (no-op when present)."""
    import sys

    if sys.argv[1:] != ["install"]:
        sys.exit("usage: python -m restagen.local.server install")
    print(find_server_binary() or install_server())


if __name__ == "__main__":
    main()
