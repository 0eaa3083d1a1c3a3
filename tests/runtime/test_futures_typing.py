"""Durable futures keep their types: tests/e2e/futures/typed.py, full of `assert_type`, passes
`mypy --strict` against the code generated from tests/e2e/futures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from restagen.cli import main as restagen

FUTURES = Path(__file__).resolve().parents[1] / "e2e" / "futures"


def _mypy(src: Path, module: Path) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--config-file", "/dev/null"]
    return subprocess.run([*args, str(module)], cwd=src, capture_output=True, text=True, check=False)


def test_results_keep_their_types(tmp_path: Path) -> None:
    assert restagen(["generate", str(FUTURES), "-o", str(tmp_path)]) == 0
    checked = tmp_path / "typed.py"
    checked.write_text((FUTURES / "typed.py").read_text(encoding="utf-8"), encoding="utf-8")
    result = _mypy(tmp_path, checked)
    assert result.returncode == 0, result.stdout + result.stderr

    # and it can fail: a wrong type is reported
    checked.write_text(
        checked.read_text(encoding="utf-8").replace("tuple[int, str])", "tuple[str, int])"), encoding="utf-8"
    )
    result = _mypy(tmp_path, checked)
    assert result.returncode == 1 and "[assert-type]" in result.stdout, result.stdout
