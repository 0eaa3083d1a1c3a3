"""The deployment files drive a real Restate server: the container's command serves the endpoint,
its readiness probe answers, and `register.sh` registers it.

The endpoint of the food-to-go example's kitchen is started with exactly the command of its
generated `kubernetes.yaml` (the image is replaced by this interpreter, the generated code put on
PYTHONPATH as an image would), then registered by running its generated `register.sh`.
"""

from __future__ import annotations

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

from restagen.compiler.pipeline import compile_paths
from restagen.compiler.render.deploy import render_deploy
from restagen.compiler.render.deploy_settings import DeploySettings
from restagen.local.processes import stop
from restagen.local.server import LocalRestate, free_port
from tests.polling import wait_until

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "examples" / "ftgo" / "src"
BIN = Path(sys.executable).parent

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell"),
    pytest.mark.skipif(not (BIN / "restagen").exists(), reason="needs the restagen console script"),
]


@pytest.fixture(scope="module")
def deploy_files() -> dict[str, str]:
    result = compile_paths([ROOT / "examples" / "ftgo" / "schemas"])
    assert result.program is not None
    files = render_deploy(result.program.package("ftgo.kitchen"), DeploySettings(port=free_port()))
    return {path.rsplit("/", 1)[1]: text for path, text in files.items()}


def _container(deploy_files: dict[str, str]) -> dict[str, Any]:
    deployment = next(yaml.safe_load_all(deploy_files["kubernetes.yaml"]))
    container: dict[str, Any] = deployment["spec"]["template"]["spec"]["containers"][0]
    return container


@pytest.fixture(scope="module")
def served(deploy_files: dict[str, str]) -> Iterator[str]:
    """The endpoint, run by the container's command; its URL."""
    container = _container(deploy_files)
    port = container["ports"][0]["containerPort"]
    env = {**os.environ, "PYTHONPATH": str(SRC), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    process = subprocess.Popen(container["command"], env=env, start_new_session=True)
    probe = container["readinessProbe"]["httpGet"]
    url = f"http://127.0.0.1:{port}"
    try:

        def ready() -> bool:
            assert process.poll() is None, "the container's command exited"
            try:
                # As the kubelet probes: plain HTTP/1.1 GET.
                return httpx.get(f"{url}{probe['path']}", timeout=5).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(ready, "the endpoint becoming ready")
        yield url
    finally:
        stop(process)


def test_register_script_registers_the_served_endpoint(
    deploy_files: dict[str, str], served: str, restate: LocalRestate, tmp_path: Path
) -> None:
    script = tmp_path / "register.sh"
    script.write_text(deploy_files["register.sh"])
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "RESTATE_ADMIN_URL": restate.admin_url,
        "ENDPOINT_URL": served,
    }
    result = subprocess.run(
        ["sh", str(script), "--timeout", "30"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"registered {served}: kitchen" in " ".join(result.stdout.split())
    deployments = httpx.get(f"{restate.admin_url}/deployments", timeout=10).json()["deployments"]
    (ours,) = [d for d in deployments if d["uri"].rstrip("/") == served]
    assert ours["http_version"] == "HTTP/2.0"  # the Service's h2c is what the endpoint speaks
    service = httpx.get(f"{restate.admin_url}/services/kitchen", timeout=10).json()
    assert {h["name"] for h in service["handlers"]} >= {"create_ticket", "cancel_ticket"}
    # Leave the shared server as we found it: the endpoint stops with this module.
    httpx.delete(f"{restate.admin_url}/deployments/{ours['id']}", params={"force": "true"}, timeout=10)
