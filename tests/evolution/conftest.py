"""Helpers of the schema evolution tests: an old and a new definition file, compared."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from restagen.compiler.evolution.check import Outcome, check

HEADER = "restagen: 1\npackage: shop.orders\n"

Compare = Callable[[str, str], Outcome]


@pytest.fixture
def compare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Compare:
    """Compare two versions of one file (each given without its header) in old/ and new/."""
    monkeypatch.chdir(tmp_path)

    def run(old: str, new: str) -> Outcome:
        for side, body in (("old", old), ("new", new)):
            (tmp_path / side).mkdir(exist_ok=True)
            text = HEADER + textwrap.dedent(body)
            (tmp_path / side / "shop.restagen.yaml").write_text(text, encoding="utf-8")
        return check([Path("new")], "old")

    return run


def lines(outcome: Outcome) -> list[str]:
    assert outcome.findings is not None, [d.render() for d in outcome.diagnostics]
    return [finding.render() for finding in outcome.findings]
