"""docs/evolution.md explains the rules the code applies: its table and the rule table agree."""

from __future__ import annotations

import re
from pathlib import Path

from restagen.compiler.evolution.rules import RULES

PAGE = Path(__file__).resolve().parents[2] / "docs" / "evolution.md"
_ROW = re.compile(
    r"^\| `(?P<id>[a-z-]+)` \| (?P<severity>breaking|safe) \| (?P<meaning>.+) \|$", re.MULTILINE
)


def test_the_documented_rules_are_the_rules() -> None:
    text = PAGE.read_text(encoding="utf-8")
    documented = [(row["id"], row["severity"], row["meaning"]) for row in _ROW.finditer(text)]
    assert documented == [(rule.id, str(rule.severity), rule.description) for rule in RULES.values()]


def test_every_rule_is_explained_beyond_the_table() -> None:
    text = PAGE.read_text(encoding="utf-8").split("Types are compared **structurally**", 1)[1]
    assert [rule for rule in RULES if f"`{rule}`" not in text] == []
