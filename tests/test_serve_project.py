"""`restagen serve` in a project: the generated packages are found through `[tool.restagen] output`.

No `--path` is needed from anywhere inside the project; when the app still cannot be imported,
the error says where it looked and how to point at the generated packages.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from restagen.cli import main
from restagen.local.processes import stop
from restagen.local.server import free_port
from tests.polling import wait_until


def _serve(app: str, cwd: Path, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "restagen", "serve", app, "--port", str(port)],
        cwd=cwd,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def test_serve_finds_the_generated_packages_from_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "shop"
    assert main(["init", str(project)]) == 0
    monkeypatch.chdir(project)
    assert main(["generate"]) == 0
    port = free_port()
    # From a folder below the root: the nearest pyproject.toml is the project's.
    process = _serve("shop.main:app", project / "tests", port)
    try:

        def healthy() -> bool:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            try:
                return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(healthy, "restagen serve to listen")
    finally:
        stop(process)


def test_an_app_not_found_hints_at_path_and_the_output_setting(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    assert main(["init", str(project)]) == 0
    done = subprocess.run(
        [sys.executable, "-m", "restagen", "serve", "shop.main:app", "--port", str(free_port())],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "cannot import 'shop.main'" in done.stderr and "Traceback" not in done.stderr
    assert str(project / "gen") in done.stderr
    assert "--path" in done.stderr and "[tool.restagen]" in done.stderr
