"""docs/guide.md, run step by step on a real Restate server.

The guide's blocks are marked `fragment` for tests/test_docs.py (they only make sense in order,
in one project, with a server); this test runs them in that order: `restagen init`, the files
the guide writes, `restagen generate`, an endpoint serving both packages, the client script,
whose output must be the one the guide shows, and the checks of its last section (ruff and mypy,
with the project's own configuration) over the project as the guide leaves it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruff.__main__ import find_ruff_bin

from restagen.cli import main
from tests.test_docs import parse_blocks

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guide.md"

pytestmark = pytest.mark.e2e


def test_the_guide_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restate: Any, endpoint: Any) -> None:
    blocks = parse_blocks(GUIDE)
    monkeypatch.chdir(tmp_path)
    assert main(["init", "hello"]) == 0
    project = tmp_path / "hello"
    monkeypatch.chdir(project)
    assert main(["generate"]) == 0
    files = [block for block in blocks if block.markers.get("file")]
    for block in files:
        if block.lang == "yaml":
            (project / block.markers["file"]).write_text(block.text)
    assert main(["generate"]) == 0
    for block in files:
        if block.lang == "python":
            target = project / block.markers["file"]
            assert target.parent.exists() or target.parent == project
            target.write_text(block.text)
    assert main(["generate", "--check"]) == 0

    endpoint("endpoint:app", [project / "gen"])
    result = subprocess.run(
        [sys.executable, "call.py"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project / "gen"), "RESTATE_INGRESS": restate.ingress_url},
        capture_output=True,
        text=True,
        timeout=300,  # a hang guard only
        check=False,
    )
    assert result.returncode == 0, result.stderr
    shown = next(b for b in blocks if b.lang == "console" and "python call.py" in b.text)
    expected = [line for line in shown.text.splitlines() if line and not line.startswith("$")]
    assert result.stdout.splitlines() == expected

    checks = next(b for b in blocks if b.lang == "console" and "$ mypy" in b.text)
    commands = [line.removeprefix("$ ").split() for line in checks.text.splitlines()]
    assert [command[0] for command in commands] == ["ruff", "ruff", "mypy"]
    tools = {"ruff": [str(find_ruff_bin())], "mypy": [sys.executable, "-m", "mypy", "--no-incremental"]}
    for tool, *args in commands:
        done = subprocess.run(
            [*tools[tool], *args], cwd=project, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, f"{tool} {' '.join(args)}:\n{done.stdout}{done.stderr}"
