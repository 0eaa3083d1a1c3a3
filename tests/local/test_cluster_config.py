"""A local cluster's settings, before any node runs: replication, and each node's TOML file; and
how `restagen dev` takes the loss of its nodes (processes that exit stand in for them)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from restagen.local.cluster import LocalCluster, default_replication, toml
from restagen.local.dev import DevSession
from restagen.local.errors import ServerFailed
from restagen.local.server import LocalRestate


def test_replication_is_a_majority_by_default() -> None:
    assert [default_replication(n) for n in (1, 2, 3, 4, 5)] == [1, 1, 2, 2, 3]


def test_settings_read_back_as_written() -> None:
    settings = {"name": 'a "quoted" ü', "on": True, "count": 3, "roles": ("x", "y"), "table": {"list": ["z"]}}
    assert tomllib.loads(toml(settings)) == {**settings, "roles": ["x", "y"]}


def test_every_node_gets_its_own_ports_folder_and_file(tmp_path: Path) -> None:
    cluster = LocalCluster(Path("/nonexistent"), size=3, base_dir=tmp_path)
    cluster._configure()
    files = [tomllib.loads(node.config_file.read_text()) for node in cluster.nodes if node.config_file]
    assert [config["node-name"] for config in files] == ["n1", "n2", "n3"]
    assert [config["auto-provision"] for config in files] == [True, False, False]
    assert {config["default-replication"] for config in files} == {2}
    assert {config["bifrost"]["default-provider"] for config in files} == {"replicated"}
    addresses = [node.node_url for node in cluster.nodes]
    assert all(config["metadata-client"]["addresses"] == addresses for config in files)
    assert [config["advertised-address"] for config in files] == addresses
    ports = [port for node in cluster.nodes for port in (node.ingress_port, node.admin_port, node.node_port)]
    assert len(set(ports)) == 9


@pytest.mark.parametrize(("size", "replication"), [(0, None), (3, 4), (3, 0)])
def test_impossible_clusters_are_refused(size: int, replication: int | None) -> None:
    with pytest.raises(ValueError):
        LocalCluster(Path("/nonexistent"), size=size, replication=replication)


def _exited(node: LocalRestate, code: int) -> None:
    node._process = subprocess.Popen([sys.executable, "-c", f"raise SystemExit({code})"])
    node._process.wait()


def test_dev_reports_a_lost_node_once_and_ends_without_a_majority(tmp_path: Path) -> None:
    cluster = LocalCluster(Path("/nonexistent"), size=3, base_dir=tmp_path)
    logged: list[str] = []
    session = DevSession("app:app", [], generate=lambda: True, register=lambda *_: None, log=logged.append)
    _exited(cluster.nodes[2], 3)
    session._check_nodes(cluster)
    session._check_nodes(cluster)
    assert len(logged) == 1, "reported once"
    assert "exited with code 3" in logged[0] and logged[0].endswith("the cluster goes on with 2 of 3 nodes")
    _exited(cluster.nodes[1], 4)
    with pytest.raises(ServerFailed, match="code 4"):
        session._check_nodes(cluster)
    assert len(logged) == 1
