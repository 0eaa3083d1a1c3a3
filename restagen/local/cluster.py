"""A Restate cluster on loopback: N restate-server nodes with a replicated log and metadata.

Each node is a `LocalRestate` with its own TOML configuration file, free ports and data folder
(below the cluster's). Every node runs every role (metadata server, admin, worker, log server,
ingress); the log is the replicated loglet, each record kept on `replication` nodes (by default
a majority: 2 of 3), so the cluster keeps working when one node of three is lost. The first
node provisions the cluster; the others join it.

`start()` launches all nodes together (none is ready before enough of the others have joined),
then waits until every node's admin API and ingress answer and the metadata cluster has all its
members. The nodes are children that die with their parent, as a single server is, and a test
may stop, kill and start a node by itself (`cluster.nodes[1].stop(kill=True)`, `.start()`): its
data folder keeps its state. Start a node from a thread that lives as long as it should (the main
thread): the kernel stops a child when the thread that started it ends (processes.py), so a node
started from `asyncio.to_thread` dies with the event loop's worker thread.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

from restagen.local.errors import ServerFailed
from restagen.local.processes import stop
from restagen.local.server import LocalRestate

__all__ = ["LocalCluster", "default_replication"]

ROLES = ("metadata-server", "admin", "worker", "log-server", "http-ingress")

TomlValue = str | bool | int | Sequence[str]


def default_replication(nodes: int) -> int:
    """A majority of the nodes: 2 of 3 (one node may be lost), 3 of 5 (two may)."""
    return max(1, (nodes + 1) // 2)


def _toml_value(value: TomlValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string (non-ASCII escaped) is a TOML basic string
    return "[" + ", ".join(json.dumps(item) for item in value) + "]"


def toml(settings: Mapping[str, TomlValue | Mapping[str, TomlValue]]) -> str:
    """Settings as TOML: plain values first, then one table per mapping (one level deep)."""
    lines = [
        f"{key} = {_toml_value(value)}" for key, value in settings.items() if not isinstance(value, Mapping)
    ]
    for table, values in settings.items():
        if isinstance(values, Mapping):
            lines += ["", f"[{table}]"] + [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def _lists(admin_url: str, uri: str) -> bool:
    try:
        answer = httpx.get(f"{admin_url}/deployments", timeout=2)
        deployments = answer.json().get("deployments", []) if answer.status_code == 200 else []
    except (httpx.TransportError, ValueError):
        return False
    return any(str(d.get("uri", "")).rstrip("/") == uri.rstrip("/") for d in deployments)


@dataclass
class LocalCluster:
    """`size` restate-servers forming one cluster, with free loopback ports and their own data."""

    binary: Path
    size: int = 3
    replication: int | None = None
    """Nodes that keep each log record (default: a majority, `default_replication`)."""
    partitions: int = 1
    base_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="restate-cluster-")))
    env: dict[str, str] = field(default_factory=dict)
    """Extra environment of every node (server options as RESTATE_... variables)."""
    name: str = "restagen"
    nodes: list[LocalRestate] = field(init=False)
    _owns_base_dir: bool = True

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError(f"a cluster has at least one node, not {self.size}")
        if self.replication is None:
            self.replication = default_replication(self.size)
        if not 1 <= self.replication <= self.size:
            raise ValueError(f"replication must be from 1 to {self.size} (the nodes), not {self.replication}")
        env = {"RESTATE_DEFAULT_NUM_PARTITIONS": str(self.partitions), **self.env}
        self.nodes = [
            LocalRestate(self.binary, base_dir=self.base_dir / f"n{i}", node_name=f"n{i}", env=env)
            for i in range(1, self.size + 1)
        ]

    @property
    def ingress_url(self) -> str:
        return self.nodes[0].ingress_url

    @property
    def admin_url(self) -> str:
        """The admin API of the first running node (every node's changes the whole cluster)."""
        running = self.running_nodes()
        return (running[0] if running else self.nodes[0]).admin_url

    @property
    def ingress_urls(self) -> list[str]:
        """Every node's ingress: each reaches every service registered with the cluster."""
        return [node.ingress_url for node in self.nodes]

    @property
    def admin_urls(self) -> list[str]:
        return [node.admin_url for node in self.nodes]

    def _configure(self) -> None:
        addresses = [node.node_url for node in self.nodes]
        for index, node in enumerate(self.nodes):
            node.base_dir.mkdir(parents=True, exist_ok=True)
            node.config_file = node.base_dir / "restate.toml"
            settings: dict[str, TomlValue | dict[str, TomlValue]] = {
                "roles": ROLES,
                "node-name": node.node_name,
                "cluster-name": self.name,
                "auto-provision": index == 0,
                "default-replication": self.replication or 1,
                "advertised-address": node.node_url,
                "metadata-client": {"addresses": addresses},
                "bifrost": {"default-provider": "replicated"},
            }
            node.config_file.write_text(toml(settings))

    def start(self, timeout: float = 90.0) -> None:
        """Start every node and wait until the cluster is provisioned and each node is healthy;
        on failure every node is stopped, and the error quotes the log of the one that failed."""
        self._configure()
        deadline = time.monotonic() + timeout
        try:
            for node in self.nodes:
                node.launch()
            for node in self.nodes:
                node.wait_ready(max(1.0, deadline - time.monotonic()))
            self._wait_members(deadline)
        except BaseException:
            self.stop(kill=True)
            raise

    def _wait_members(self, deadline: float) -> None:
        """Until the metadata cluster lists every node as a member."""
        members: list[object] = []
        while time.monotonic() < deadline:
            self.check_running()
            try:
                answer = httpx.get(f"{self.admin_url}/cluster-health", timeout=2)
                if answer.status_code == 200:
                    members = answer.json().get("metadata_cluster_health", {}).get("members", [])
                    if len(members) >= self.size:
                        return
            except (httpx.TransportError, ValueError):
                pass
            time.sleep(0.1)
        raise ServerFailed(
            f"the cluster of {self.size} nodes had {len(members)} metadata members after the "
            f"timeout; the nodes' logs are in {self.base_dir}"
        )

    def check_running(self) -> None:
        """`ServerFailed` (quoting its log) when a node that was started has exited by itself."""
        for node in self.nodes:
            node.check_running()

    def quorum(self) -> int:
        """Nodes that must run for the cluster to work: a majority (the metadata store's Raft)."""
        return self.size // 2 + 1

    def running_nodes(self) -> list[LocalRestate]:
        return [node for node in self.nodes if node.running]

    def register(self, uri: str, timeout: float = 30.0) -> dict[str, object]:
        """Register (forced) the deployment at `uri` through a running node, and wait until every
        running node knows it; the admin API's answer."""
        running = self.running_nodes()
        if not running:
            raise ServerFailed("no node of the cluster is running")
        result = running[0].register(uri)
        self.wait_known(uri, timeout)
        return result

    def wait_known(self, uri: str, timeout: float = 30.0) -> None:
        """Until every running node's admin API lists the deployment at `uri`: a registration
        reaches the other nodes through the metadata store, a moment after it was made."""
        deadline = time.monotonic() + timeout
        for node in self.running_nodes():
            while not _lists(node.admin_url, uri):
                if time.monotonic() > deadline:
                    raise ServerFailed(f"node {node.node_name} did not learn of the deployment at {uri}")
                time.sleep(0.05)

    def stop(self, *, kill: bool = False) -> None:
        """Stop every node at once (SIGKILL when `kill`); the data folders stay."""
        processes = [node.release() for node in self.nodes]
        stop(*processes, timeout=15, kill=kill)

    def close(self) -> None:
        self.stop()
        if self._owns_base_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> LocalCluster:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
