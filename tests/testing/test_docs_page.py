"""The pytest files of docs/testing.md (its `conftest.py` and `test_tickets.py` blocks), run by pytest
as a user would run them, against a real restate-server: the page's end-to-end example works."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from restagen.cli import main as restagen
from tests.test_docs import ROOT, parse_blocks

pytestmark = pytest.mark.e2e

PAGE = ROOT / "docs" / "testing.md"


def test_the_pages_test_files_pass_on_a_real_server(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    files = {block.markers["file"]: block.text for block in parse_blocks(PAGE) if block.has("file")}
    assert {"conftest.py", "test_tickets.py", "tickets_impl.py", "tickets.restagen.yaml"} <= set(files)
    for name, text in files.items():
        (project / name).write_text(text, encoding="utf-8")
    assert restagen(["generate", str(project / "tickets.restagen.yaml"), "-o", str(tmp_path / "gen")]) == 0
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path / "gen"), str(project), *sys.path]),
        "RESTAGEN_RESTATE_DIR": os.environ.get("RESTAGEN_RESTATE_DIR", str(ROOT / ".restate")),
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_tickets.py"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
