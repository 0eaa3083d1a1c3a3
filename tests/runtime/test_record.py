"""Records behave as the frozen dataclasses they replace."""

from __future__ import annotations

import dataclasses
from dataclasses import field
from typing import ClassVar

import pytest

from restagen.runtime._record import Record


class Point(Record):
    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list)
    kind: ClassVar[str] = "point"


class Labelled(Point):
    label: str = ""


def test_fields_in_order_with_defaults_and_factories() -> None:
    point = Point(1, tags=["a"])
    assert (point.x, point.y, point.tags) == (1, 0, ["a"])
    assert Point(1).tags is not Point(1).tags
    assert Labelled(1, 2, label="l").label == "l"
    assert Point._record_fields == ("x", "y", "tags")
    assert Labelled._record_fields == ("x", "y", "tags", "label")


def test_equality_hash_and_repr_by_fields() -> None:
    assert Point(1, 2) == Point(x=1, y=2)
    assert Point(1, 2) != Point(1, 3)
    assert Point(1) != Labelled(1)
    assert hash(Labelled(1, 2, (), "a")) == hash(Labelled(1, 2, (), "a"))  # type: ignore[arg-type]
    assert repr(Point(1)) == "Point(x=1, y=0, tags=[])"


def test_frozen_and_strict_about_fields() -> None:
    point = Point(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(TypeError, match="needs field 'x'"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="no field 'z'"):
        Point(1, z=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="twice"):
        Point(1, x=2)  # type: ignore[misc]
    with pytest.raises(TypeError, match="takes 3 fields"):
        Point(1, 2, [], 4)  # type: ignore[call-arg]
