"""Broken definition files and the diagnostics they must produce.

Each folder under tests/broken/ is one case (several files when it is about imports). The rendered
diagnostics are compared to a snapshot; review a changed snapshot as you would review a message a
user will read. Update with `pytest tests/compiler/test_broken.py --snapshot-update`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from restagen.cli import main
from restagen.compiler.pipeline import compile_paths

BROKEN = Path(__file__).parent.parent / "broken"
CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())


def test_there_are_cases() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES)
def test_diagnostics(case: str, snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BROKEN / case)
    result = compile_paths([Path(".")])
    assert result.program is None
    rendered = "\n".join(d.render() for d in result.diagnostics)
    assert rendered == snapshot
    for diagnostic in result.diagnostics:
        assert diagnostic.position.line > 0, diagnostic.render()
        assert diagnostic.position.file.endswith(".restagen.yaml"), diagnostic.render()
        assert not diagnostic.position.file.startswith("/"), diagnostic.render()


@pytest.mark.parametrize("case", CASES)
def test_cli_exits_1_without_traceback(
    case: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(BROKEN / case)
    code = main(["validate", "."])
    captured = capsys.readouterr()
    assert code == 1, captured.err
    assert "Traceback" not in captured.err
    assert "internal error" not in captured.err
    assert captured.err.rstrip().endswith(("error", "errors"))


def test_many_errors_are_reported_in_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BROKEN / "many_errors")
    result = compile_paths([Path(".")])
    codes = {d.code for d in result.diagnostics}
    assert len(result.diagnostics) >= 10
    assert {"unknown-type", "name", "default", "duplicate", "invalid", "unknown-handler"} <= codes
