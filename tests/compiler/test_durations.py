"""Durations: short forms and ISO-8601; everything else is rejected with the text in the message."""

from __future__ import annotations

from datetime import timedelta

import pytest

from restagen.compiler.resolve.durations import parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100ms", timedelta(milliseconds=100)),
        ("10s", timedelta(seconds=10)),
        ("5m", timedelta(minutes=5)),
        ("1h", timedelta(hours=1)),
        ("1d", timedelta(days=1)),
        ("0s", timedelta(0)),
        (" 10s ", timedelta(seconds=10)),
        ("PT5S", timedelta(seconds=5)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("PT1.5S", timedelta(seconds=1.5)),
    ],
)
def test_valid(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "10", "5 minutes", "1.5s", "10x", "-1s", "P", "PT-5S", "s", "1w"])
def test_invalid(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration") as info:
        parse_duration(text)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize(
    "text",
    ["99999999999999d", "1000000000d", "99999999999999999999999ms", "P99999999999999D", "P1000000000D"],
)
def test_too_long_names_the_limit(text: str) -> None:
    with pytest.raises(ValueError, match=rf"^duration '{text}' is too long \(at most 999999999d\)$"):
        parse_duration(text)


def test_the_longest_is_accepted() -> None:
    assert parse_duration("999999999d") == parse_duration("P999999999D") == timedelta(days=999999999)
