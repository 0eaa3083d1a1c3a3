"""`restagen dev`: a local Restate server, the app served and registered, reloaded on every change.

Generates the code, starts a restate-server (the pinned release, installed into `.restate/` on
first use), serves the app with `restagen serve` in a child process, registers it, then watches
the definition files and the Python files of the project: a change of definitions regenerates
(diagnostics are shown and the old endpoint keeps running while they have errors), any change
restarts the endpoint and registers it again. Ctrl-C stops everything it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from restagen.local.server import LocalRestate, find_server_binary, free_port, install_server

__all__ = ["DevSession", "snapshot"]

Snapshot = dict[Path, float]


def snapshot(roots: Iterable[Path], suffixes: tuple[str, ...] = (".py", ".yaml")) -> Snapshot:
    """Modification times of the watched files below `roots`."""
    found: Snapshot = {}
    for root in roots:
        candidates = [root] if root.is_file() else root.rglob("*")
        for path in candidates:
            if path.suffix in suffixes and path.is_file() and "__pycache__" not in path.parts:
                try:
                    found[path] = path.stat().st_mtime
                except OSError:
                    continue
    return found


@dataclass
class DevSession:
    """Everything `restagen dev` runs, and how to restart each part."""

    app: str
    paths: list[Path]
    generate: Callable[[], bool]
    """Regenerates; False when the definitions have errors (already reported)."""
    register: Callable[[str, str], object]
    port: int = field(default_factory=free_port)
    log: Callable[[str], None] = print
    server: LocalRestate | None = None
    endpoint: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_server(self, *, ingress_port: int | None = None, admin_port: int | None = None) -> LocalRestate:
        binary = find_server_binary() or install_server()
        server = LocalRestate(binary)
        if ingress_port:
            server.ingress_port = ingress_port
        if admin_port:
            server.admin_port = admin_port
        server.start()
        self.server = server
        self.log(f"restate-server: ingress {server.ingress_url}, admin {server.admin_url}")
        return server

    def start_endpoint(self) -> None:
        self.stop_endpoint()
        command = [sys.executable, "-m", "restagen", "serve", self.app, "--port", str(self.port)]
        for path in self.paths:
            command += ["--path", str(path)]
        assert self.server is not None
        # The endpoint's clients reach this server's ingress, unless the environment says otherwise.
        env = {"RESTAGEN_INGRESS__URL": self.server.ingress_url, **os.environ}
        self.endpoint = subprocess.Popen(command, start_new_session=True, env=env)
        try:
            self.register(self.server.admin_url, self.uri)
        except Exception as error:  # the endpoint failed to start: show why, keep watching
            self.log(f"could not register {self.uri}: {error}")
            return
        self.log(f"serving {self.app} at {self.uri}, registered")

    def stop_endpoint(self) -> None:
        process, self.endpoint = self.endpoint, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def close(self) -> None:
        self.stop_endpoint()
        if self.server is not None:
            self.server.close()
            self.server = None

    def watch(
        self,
        schemas: list[Path],
        code: list[Path],
        *,
        interval: float = 0.5,
        stop: Callable[[], bool] = lambda: False,
        since: tuple[Snapshot, Snapshot] | None = None,
    ) -> None:
        """Regenerate and restart on changes until `stop()` is true (or Ctrl-C).

        `since`: the snapshots of `schemas` and `code` to compare with (taken before the endpoint
        started, so that a change made while it was starting is not missed); default: now.
        """
        definitions, sources = since or (snapshot(schemas), snapshot(code))
        while not stop():
            time.sleep(interval)
            new_definitions, new_sources = snapshot(schemas), snapshot(code)
            if new_definitions != definitions:
                definitions = new_definitions
                self.log("definitions changed: regenerating")
                if not self.generate():
                    sources = snapshot(code)
                    continue
                new_sources = snapshot(code)
            if new_sources != sources:
                sources = new_sources
                self.log("code changed: restarting the endpoint")
                self.start_endpoint()
