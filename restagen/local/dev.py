"""`restagen dev`: a local Restate server, the app served and registered, reloaded on every change.

Generates the code, starts a restate-server (the pinned release, installed into `.restate/` on
first use), serves the app with `restagen serve` in a child process, registers it, then watches
the definition files and the Python files of the project with watchfiles (changes debounced): a
change of definitions regenerates (diagnostics are shown and the old endpoint keeps running while
they have errors), a change of code restarts the endpoint and registers it again. Only changed
contents count, so the generator's own writes and editors touching files restart nothing twice.
An endpoint that fails to start or crashes is reported, and the next change starts it again.
Every process it starts stops with it, however it ends (see processes.py).

With `nodes` above one (`restagen dev --nodes 3`), the server is a local cluster of that many
nodes (cluster.py); the endpoint's ingress clients get every node's ingress and fail over among
them. A node that exits by itself is reported, quoting its log, and the cluster goes on while a
majority of its nodes runs; dev ends when fewer do.

The server keeps its data in a folder of its own below the project's `.restate/dev-data/`, removed
when dev ends. A run holds a lock on its folder while it lasts; a dev that was killed leaves its
folder unlocked, and the next one removes it, so nothing piles up.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from restagen.local.cluster import LocalCluster
from restagen.local.errors import LocalError, PortInUse
from restagen.local.processes import spawn, stop
from restagen.local.server import (
    LocalRestate,
    default_prefix,
    find_server_binary,
    free_port,
    install_server,
    port_in_use,
)

__all__ = ["DevSession", "Files", "check_ports", "data_folder"]

_SUFFIXES = (".py", ".yaml", ".yml")
_SKIPPED = frozenset(
    {"__pycache__", ".git", ".venv", "venv", "node_modules", ".restate", ".mypy_cache", ".ruff_cache", ".tox"}
)
"""Folders never looked into, even below a watched one (environments, caches, the server)."""


def _watched(path: Path, roots: Iterable[Path]) -> bool:
    """Whether `path` is a file of interest below one of `roots`, outside skipped folders."""
    if path.suffix not in _SUFFIXES:
        return False
    for root in roots:
        if path == root or (root in path.parents and _SKIPPED.isdisjoint(path.relative_to(root).parts)):
            return True
    return False


def _under(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


class Files:
    """The contents (hashed) of the watched files below some roots, to tell real changes apart."""

    def __init__(self, roots: Iterable[Path]) -> None:
        self.roots = [root.absolute() for root in roots]
        self.known: dict[Path, str | None] = {}
        self.update(self.below(self.roots))

    @staticmethod
    def below(roots: Iterable[Path]) -> set[Path]:
        found: set[Path] = set()
        for root in roots:
            if root.is_file():
                found.add(root)
                continue
            for folder, subfolders, names in os.walk(root):
                subfolders[:] = [name for name in subfolders if name not in _SKIPPED]
                found.update(Path(folder, name) for name in names if Path(name).suffix in _SUFFIXES)
        return found

    def update(self, paths: Iterable[Path]) -> set[Path]:
        """Read `paths` again; those whose contents changed (created and deleted ones included)."""
        changed: set[Path] = set()
        for path in paths:
            path = path.absolute()
            try:
                digest: str | None = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
            except OSError:  # deleted, or a folder
                digest = None
            if self.known.get(path) != digest:
                changed.add(path)
                self.known[path] = digest
        return changed

    def rescan(self, roots: Iterable[Path] | None = None) -> set[Path]:
        """`update` of every file below `roots` (default: all), known or new."""
        roots = [root.absolute() for root in roots] if roots is not None else self.roots
        return self.update({p for p in self.known if _under(p, roots)} | self.below(roots))


def _ended(code: int) -> str:
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code} (its output is above)"


def check_ports(ports: dict[int, tuple[str, str]]) -> None:
    """`PortInUse` for the first port taken; `ports` maps each to its role and the option that sets it."""
    for port, (role, option) in ports.items():
        if port_in_use(port):
            raise PortInUse(port, role, f"stop what uses it, or choose another port with {option}")


def _held(folder: Path) -> bool:
    """Whether a running dev holds `folder` (a killed one holds nothing: the kernel frees its lock)."""
    try:
        probe = os.open(folder, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(probe)  # our own lock, if we got it, goes with it
    return False


def data_folder(root: Path) -> tuple[Path, int]:
    """A new data folder below `root` for this run's server, and the descriptor that holds its lock
    (close it once the server has stopped). The folders below `root` that no run holds are removed
    first: those of runs that were killed."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("w") as setup:  # one run at a time looks and creates
        fcntl.flock(setup, fcntl.LOCK_EX)
        for old in root.iterdir():
            if old.is_dir() and not _held(old):
                shutil.rmtree(old, ignore_errors=True)
        folder = Path(tempfile.mkdtemp(prefix="run-", dir=root))
        held = os.open(folder, os.O_RDONLY)
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return folder, held


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
    server: LocalRestate | LocalCluster | None = None
    endpoint: subprocess.Popen[bytes] | None = None
    start_timeout: float = 60.0
    """Seconds an endpoint may take to listen."""
    data_root: Path | None = None
    """Where the server's data folder goes (default: `dev-data` in the project's `.restate/`)."""
    _down_reported: bool = False
    _data_lock: int | None = None
    _lost: set[str] = field(default_factory=set)
    """The cluster's nodes already reported as exited."""

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_server(
        self, *, ingress_port: int | None = None, admin_port: int | None = None, nodes: int = 1
    ) -> LocalRestate | LocalCluster:
        """Start the server (a cluster of `nodes` when more than one: the ports are its first node's)."""
        binary = find_server_binary() or install_server()
        folder, self._data_lock = data_folder(self.data_root or default_prefix() / "dev-data")
        server: LocalRestate | LocalCluster
        if nodes > 1:
            server = LocalCluster(binary, size=nodes, base_dir=folder)
            first = server.nodes[0]
        else:
            server = first = LocalRestate(binary, base_dir=folder)
        if ingress_port:
            first.ingress_port = ingress_port
        if admin_port:
            first.admin_port = admin_port
        server.start()  # when it fails, its folder stays until the next run: the error quotes the log there
        self.server = server
        if isinstance(server, LocalCluster):
            for node in server.nodes:
                self.log(
                    f"restate-server {node.node_name}: ingress {node.ingress_url}, admin {node.admin_url}"
                )
            self.log(f"a cluster of {nodes} nodes, each log record on {server.replication} of them")
        else:
            self.log(f"restate-server: ingress {server.ingress_url}, admin {server.admin_url}")
        return server

    def start_endpoint(self) -> bool:
        """(Re)start the endpoint and register it; False (and said why) when it did not come up."""
        self.stop_endpoint()
        command = [sys.executable, "-m", "restagen", "serve", self.app, "--port", str(self.port)]
        for path in self.paths:
            command += ["--path", str(path)]
        assert self.server is not None
        # The endpoint's clients reach this server's ingress (every node's, for a cluster), unless the
        # environment says otherwise.
        urls = self.server.ingress_urls
        env = {"RESTAGEN_INGRESS__URL": urls[0] if len(urls) == 1 else json.dumps(urls), **os.environ}
        self.endpoint = spawn(command, env=env)
        self._down_reported = True  # whatever happens now is reported here
        if not self._listening(self.endpoint):
            code = self.endpoint.poll()
            why = _ended(code) if code is not None else f"is not listening after {self.start_timeout:.0f} s"
            self.log(f"the endpoint {why}; it starts again on the next change")
            stop(self.endpoint)
            return False
        try:
            self.register(self.server.admin_url, self.uri)
            if isinstance(self.server, LocalCluster):
                self.server.wait_known(self.uri)
        except Exception as error:  # show why, keep watching
            code = self.endpoint.poll()
            if code is not None:  # it died meanwhile
                self.log(f"the endpoint {_ended(code)}; it starts again on the next change")
                return False
            self._down_reported = False
            self.log(f"could not register {self.uri}: {error}")
            return False
        self._down_reported = False
        self.log(f"serving {self.app} at {self.uri}, registered")
        return True

    def _listening(self, process: subprocess.Popen[bytes]) -> bool:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.1)
        return False

    def endpoint_alive(self) -> bool:
        """Whether the endpoint runs; the first time it is found dead, says so."""
        code = None if self.endpoint is None else self.endpoint.poll()
        if code is None:
            return self.endpoint is not None
        if not self._down_reported:
            self._down_reported = True
            self.log(f"the endpoint {_ended(code)}; it starts again on the next change")
        return False

    def stop_endpoint(self) -> None:
        process, self.endpoint = self.endpoint, None
        stop(process, timeout=10)

    def close(self) -> None:
        server, self.server = self.server, None
        try:
            self.stop_endpoint()
        finally:
            try:
                if isinstance(server, LocalCluster) and len(server.running_nodes()) < server.quorum():
                    server.stop()  # its folder stays until the next run: the error names the logs there
                elif isinstance(server, LocalCluster):
                    server.close()  # nodes lost and reported meanwhile did not stop the cluster
                elif server is not None:
                    try:
                        server.check_running()
                    except LocalError:
                        server.stop()  # its folder stays until the next run: the error names the log there
                    else:
                        server.close()
            finally:
                lock, self._data_lock = self._data_lock, None
                if lock is not None:
                    os.close(lock)

    def watch(
        self,
        schemas: list[Path],
        code: list[Path],
        *,
        since: Files | None = None,
        stop_event: threading.Event | None = None,
        debounce_ms: int = 1600,
        step_ms: int = 200,
    ) -> None:
        """Regenerate and restart on changes until `stop_event` is set (or Ctrl-C).

        `since`: the contents to compare with, read before the endpoint started, so that a change
        made meanwhile is not missed (default: now). A batch of changes ends after `step_ms`
        without a new one, or after `debounce_ms` at most.
        """
        import watchfiles

        files = since or Files([*schemas, *code])
        roots = [path for path in files.roots if path.exists()]
        first = True
        for batch in watchfiles.watch(
            *roots,
            watch_filter=lambda _change, path: _watched(Path(path), roots),
            debounce=debounce_ms,
            step=step_ms,
            stop_event=stop_event,
            rust_timeout=1000,
            yield_on_timeout=True,
            raise_interrupt=True,
        ):
            # The first round also catches what changed before the watcher was watching. Files named
            # as roots are read every round: an editor that saves by renaming ends a watch on a file.
            changed = files.rescan() if first else files.update(Path(path) for _, path in batch)
            changed |= files.update(root for root in files.roots if not root.is_dir())
            first = False
            if isinstance(self.server, LocalCluster):
                self._check_nodes(self.server)
            elif self.server is not None:
                self.server.check_running()  # nothing works without it: dev ends, quoting its log
            alive = self.endpoint_alive()
            if changed:
                self._on_change(changed, files, schemas, code, restart=not alive)

    def _check_nodes(self, cluster: LocalCluster) -> None:
        """Report each node that exited, once; `ServerFailed` when too few run for the cluster to work."""
        failures: dict[str, LocalError] = {}
        for node in cluster.nodes:
            try:
                node.check_running()
            except LocalError as error:
                failures[node.node_name] = error
        running = cluster.size - len(failures)
        if failures and running < cluster.quorum():
            # The node lost last is the news: the others were reported when they went.
            news = [failure for name, failure in failures.items() if name not in self._lost]
            raise (news or list(failures.values()))[-1]
        for name, failure in failures.items():
            if name not in self._lost:
                self._lost.add(name)
                self.log(f"{failure}\nthe cluster goes on with {running} of {cluster.size} nodes")

    def _on_change(
        self, changed: set[Path], files: Files, schemas: list[Path], code: list[Path], *, restart: bool
    ) -> None:
        schema_roots = [path.absolute() for path in schemas]
        if any(_under(path, schema_roots) for path in changed):
            self.log("definitions changed: regenerating")
            if not self.generate():
                return  # the old endpoint keeps running; the errors are shown
            # The generator's writes: learnt here, so that their events change nothing later.
            changed |= files.rescan(code)
        code_roots = [path.absolute() for path in code]
        if any(_under(path, code_roots) for path in changed):
            self.log("code changed: restarting the endpoint")
            restart = True
        if restart:
            self.start_endpoint()
