"""Code generated for other languages' services type-checks and lints like any other: Restate names
that are no Python names (tests/e2e/renamed, with its implementation) and the files `restagen pull`
writes from recorded admin-API answers (tests/fixtures/pull)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ruff.__main__ import find_ruff_bin

from restagen.cli import main
from restagen.compiler.pull.document import service_file

ROOT = Path(__file__).resolve().parents[1]


def test_renamed_and_pulled_packages_pass_mypy_strict_and_ruff(tmp_path: Path) -> None:
    # Two runs: the pulled SubscriptionService and the renamed one share their Restate name.
    renamed, pulled_schemas = ROOT / "tests" / "e2e" / "renamed", tmp_path / "pulled"
    pulled_schemas.mkdir()
    recorded = json.loads((ROOT / "tests" / "fixtures" / "pull" / "typescript.json").read_text())
    for service in recorded["services"]:
        pulled = service_file(service, "pulled", "recorded")
        assert pulled.text is not None
        (pulled_schemas / pulled.name).write_text(pulled.text)
    first, second = tmp_path / "first", tmp_path / "second"
    assert main(["generate", str(renamed), "-o", str(first)]) == 0
    assert main(["generate", str(pulled_schemas), "-o", str(second)]) == 0
    for out in (first, second):
        lint = subprocess.run([find_ruff_bin(), "check", "."], cwd=out, capture_output=True, text=True)
        assert lint.returncode == 0, lint.stdout + lint.stderr
    shutil.copy(renamed / "impl.py", first / "impl.py")
    mypy = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--config-file", "/dev/null"]
    done = subprocess.run(
        [*mypy, "-p", "renamed", "-p", "pulled", "-m", "impl"],
        cwd=first,
        env={**os.environ, "MYPYPATH": str(second)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
