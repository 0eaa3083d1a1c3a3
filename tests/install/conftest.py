"""Fixtures of the install tests: restagen as a user gets it, outside this repository.

The wheel is built once per session (`pip wheel`, through the hatchling backend) and installed
into clean virtual environments in temporary folders, one per kind of install, shared by the
session (see `venvs.py`).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from restagen.local.server import LocalRestate, find_server_binary, install_server
from tests.install.venvs import Venv, Wheel, create_venv

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Wheel:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (path,) = out.glob("restagen-*.whl")
    version = re.fullmatch(r"restagen-([^-]+)-.*\.whl", path.name)
    assert version is not None
    return Wheel(path, version.group(1))


@pytest.fixture(scope="session")
def runtime_venv(wheel: Wheel, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """`pip install restagen`: no extras."""
    venv = create_venv(tmp_path_factory.mktemp("runtime") / "venv")
    venv.pip_install(str(wheel.path), cwd=venv.path)
    return venv


@pytest.fixture(scope="session")
def compiler_venv(wheel: Wheel, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """`pip install 'restagen[compiler]'`."""
    venv = create_venv(tmp_path_factory.mktemp("compiler") / "venv")
    venv.pip_install(wheel.requirement("[compiler]"), cwd=venv.path)
    return venv


@pytest.fixture(scope="session")
def server_binary() -> Path:
    """The restate-server binary of the suite (installed into the repository's `.restate/` once)."""
    prefix = Path(os.environ.get("RESTAGEN_RESTATE_DIR", ROOT / ".restate"))
    return find_server_binary(prefix) or install_server(prefix)


@pytest.fixture
def restate(server_binary: Path) -> Iterator[LocalRestate]:
    with LocalRestate(server_binary) as server:
        yield server
