"""Generated code passes the user's own `ruff check` and `ruff format --check`, run from the project root.

The project here keeps its output in `src/generated` and has ruff settings of its own that the
generated code was not formatted with (a shorter line, one import per line, more rules): the
`ruff.toml` that `generate` writes into the output folder is the configuration closest to the
generated files, scaffolds included, so they are judged by the settings they were formatted with.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from ruff.__main__ import find_ruff_bin

from restagen.cli import main

ROOT = Path(__file__).resolve().parents[1]

PYPROJECT = """\
[project]
name = "mine"
version = "0.1.0"

[tool.restagen]
schemas = ["schemas"]
output = "src/generated"

[tool.ruff]
line-length = 72

[tool.ruff.lint]
select = ["E", "F", "W", "I", "B", "SIM", "N", "RUF", "UP"]

[tool.ruff.lint.isort]
force-single-line = true
known-first-party = ["mine"]
"""


def _ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([find_ruff_bin(), *args], cwd=cwd, capture_output=True, text=True, check=False)


def test_generated_code_passes_the_users_ruff_from_the_project_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    shutil.copytree(ROOT / "examples" / "ftgo" / "schemas", tmp_path / "schemas")
    # A file of the user's own, outside the output folder: the project's settings apply to it.
    (tmp_path / "mine.py").write_text("import os, sys\n")
    monkeypatch.chdir(tmp_path)
    assert main(["generate"]) == 0
    assert (tmp_path / "src" / "generated" / "ruff.toml").is_file()
    assert any((tmp_path / "src" / "generated").rglob("impl/*.py")), "scaffolds are checked too"

    check = _ruff("check", "--output-format", "concise", ".", cwd=tmp_path)
    assert check.returncode == 1
    assert {line.split(":")[0] for line in check.stdout.splitlines() if ".py:" in line} == {"mine.py"}
    assert _ruff("check", "src", cwd=tmp_path).returncode == 0
    formatted = _ruff("format", "--check", "src", cwd=tmp_path)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    assert main(["generate", "--check"]) == 0


def test_no_ruff_toml_in_a_project_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Generating into the project's root must not replace the project's ruff configuration."""
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.replace('"src/generated"', '"."'))
    shutil.copytree(ROOT / "examples" / "ftgo" / "schemas", tmp_path / "schemas")
    monkeypatch.chdir(tmp_path)
    assert main(["generate"]) == 0
    assert (tmp_path / "ftgo" / "orders" / "models.py").is_file()
    assert not (tmp_path / "ruff.toml").exists()
    assert main(["generate", "--check"]) == 0
