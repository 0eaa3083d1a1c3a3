"""Kafka subscriptions on a real Restate server, without a Kafka broker.

- The admin API's OpenAPI document the unit tests validate against (a checked-in copy) is the one
  the server serves, so the copy cannot go stale silently.
- restate-server reads the generated cluster configuration, both the TOML file (`RESTATE_CONFIG`,
  the variable of `--config-file`) and the compose stack's `RESTATE_INGRESS__KAFKA_CLUSTERS`.
- The generated `register.sh` registers the food-to-go orders endpoint and creates its
  subscription, which the admin API then lists; running it again creates nothing. Restate accepts
  a subscription whose broker is unreachable (it keeps retrying to consume), so the cluster points
  at a closed port.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from restagen.cli import main
from restagen.compiler.pipeline import compile_paths
from restagen.compiler.render.deploy import render_deploy
from restagen.compiler.render.deploy_settings import DeploySettings
from restagen.local.server import LocalRestate
from restagen.testing import local_restate
from tests.e2e.conftest import Endpoint, server_binary

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "examples" / "ftgo" / "src"
OPENAPI = ROOT / "tests" / "fixtures" / "deploy" / "restate-admin-openapi.json"
BIN = Path(sys.executable).parent
UNREACHABLE = "PLAINTEXT://127.0.0.1:1"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell"),
    pytest.mark.skipif(not (BIN / "restagen").exists(), reason="needs the restagen console script"),
]


def test_the_openapi_fixture_is_what_the_server_serves(restate: LocalRestate) -> None:
    live = httpx.get(f"{restate.admin_url}/openapi", timeout=10).json()
    assert live == json.loads(OPENAPI.read_text()), (
        "the admin API changed: refresh tests/fixtures/deploy/restate-admin-openapi.json "
        "(see tests/fixtures/deploy/README.md) and check the subscriptions against it"
    )


@pytest.fixture(scope="module")
def deploy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The orders' deploy folder, its cluster pointing at a closed port."""
    result = compile_paths([ROOT / "examples" / "ftgo" / "schemas"])
    assert result.program is not None
    settings = DeploySettings(kafka_brokers={"kafka": [UNREACHABLE]})
    folder = tmp_path_factory.mktemp("deploy")
    for path, text in render_deploy(result.program.package("ftgo.orders"), settings).items():
        (folder / path.rsplit("/", 1)[1]).write_text(text)
    return folder


def _clusters(server: LocalRestate) -> dict[str, Any]:
    found = httpx.get(f"{server.admin_url}/kafka-clusters", timeout=10).json()["clusters"]
    return {cluster["name"]: cluster["properties"] for cluster in found}


@pytest.fixture(scope="module")
def kafka_restate(deploy: Path) -> Iterator[LocalRestate]:
    """A server of its own, configured by the generated restate-kafka.toml."""
    with local_restate(
        binary=server_binary(), env={"RESTATE_CONFIG": str(deploy / "restate-kafka.toml")}
    ) as server:
        yield server


def test_the_server_reads_the_cluster_config(kafka_restate: LocalRestate) -> None:
    assert _clusters(kafka_restate)["kafka"]["metadata.broker.list"] == UNREACHABLE


def test_the_server_reads_the_compose_stacks_clusters(deploy: Path) -> None:
    (compose,) = yaml.safe_load_all((deploy / "docker-compose.yaml").read_text())
    env = {
        "RESTATE_INGRESS__KAFKA_CLUSTERS": compose["services"]["restate"]["environment"][
            "RESTATE_INGRESS__KAFKA_CLUSTERS"
        ]
    }
    with local_restate(binary=server_binary(), env=env) as server:
        assert _clusters(server)["kafka"]["metadata.broker.list"] == UNREACHABLE


def _register(deploy: Path, server: LocalRestate, endpoint: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "RESTATE_ADMIN_URL": server.admin_url,
        "ENDPOINT_URL": endpoint,
    }
    return subprocess.run(
        ["sh", str(deploy / "register.sh"), "--timeout", "30"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_register_script_creates_the_subscriptions_once(deploy: Path, kafka_restate: LocalRestate) -> None:
    endpoint = Endpoint("ftgo.orders.main:app", [SRC], kafka_restate, register=False)
    endpoint.start()
    try:
        first = _register(deploy, kafka_restate, endpoint.uri)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "on_ticket_created: created (sub_" in first.stdout
        again = _register(deploy, kafka_restate, endpoint.uri)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "on_ticket_created: exists (sub_" in again.stdout
    finally:
        endpoint.stop()
    (wanted,) = yaml.safe_load((deploy / "kafka-subscriptions.yaml").read_text())["subscriptions"]
    listed = httpx.get(f"{kafka_restate.admin_url}/subscriptions", timeout=10).json()["subscriptions"]
    (created,) = [s for s in listed if (s["source"], s["sink"]) == (wanted["source"], wanted["sink"])]
    assert wanted["options"].items() <= created["options"].items()
    assert created["id"] in first.stdout and created["id"] in again.stdout


def test_register_reports_a_refused_subscription(
    kafka_restate: LocalRestate, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A cluster the server does not know: exit 1 with the server's reason, nothing created."""
    path = tmp_path / "subscriptions.yaml"
    path.write_text(
        "subscriptions:\n  - {source: 'kafka://elsewhere/orders', sink: 'service://order/create'}\n"
    )
    before = httpx.get(f"{kafka_restate.admin_url}/subscriptions", timeout=10).json()["subscriptions"]
    assert main(["register", "--admin", kafka_restate.admin_url, "--subscriptions", str(path)]) == 1
    error = " ".join(capsys.readouterr().err.split())
    assert "refused kafka://elsewhere/orders -> service://order/create" in error and "elsewhere" in error
    assert "Traceback" not in error
    after = httpx.get(f"{kafka_restate.admin_url}/subscriptions", timeout=10).json()["subscriptions"]
    assert after == before


def test_register_refuses_to_duplicate_a_subscription_with_other_options(
    deploy: Path, kafka_restate: LocalRestate, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run after the subscription exists: other options are reported, not applied as a second one."""
    document = yaml.safe_load((deploy / "kafka-subscriptions.yaml").read_text())
    document["subscriptions"][0]["options"] = {"auto.offset.reset": "latest"}
    path = tmp_path / "subscriptions.yaml"
    path.write_text(yaml.safe_dump(document))
    before = httpx.get(f"{kafka_restate.admin_url}/subscriptions", timeout=10).json()["subscriptions"]
    assert main(["register", "--admin", kafka_restate.admin_url, "--subscriptions", str(path)]) == 1
    error = " ".join(capsys.readouterr().err.split())
    assert "exists (sub_" in error and "with other options" in error
    assert httpx.get(f"{kafka_restate.admin_url}/subscriptions", timeout=10).json()["subscriptions"] == before
