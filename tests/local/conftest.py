"""What the tests of local processes share: the server binary, and an environment that marks
the processes a test starts (see tests/processes.py)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from restagen.local.server import find_server_binary, install_server
from tests.processes import MARK

ROOT = Path(__file__).resolve().parents[2]


def server_binary() -> Path:
    prefix = Path(os.environ.get("RESTAGEN_RESTATE_DIR", ROOT / ".restate"))
    return find_server_binary(prefix) or install_server(prefix)


@pytest.fixture
def env() -> dict[str, str]:
    """Our environment, with the server binary to use and a fresh mark for what the test starts."""
    return {**os.environ, "RESTATE_SERVER_BIN": str(server_binary()), MARK: uuid.uuid4().hex}
