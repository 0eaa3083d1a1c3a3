"""The type expression parser: trees for good input, offsets and hints for bad input."""

from __future__ import annotations

import pytest

from restagen.compiler.typeexpr import Generic, Name, Opt, TypeSyntaxError, Union, parse


def test_names_and_aliases() -> None:
    assert parse("string") == Name("string", None, 0)
    assert parse("common.Money") == Name("Money", "common", 0)
    assert parse("  Order") == Name("Order", None, 2)


def test_generics_optional_and_unions() -> None:
    assert parse("list[LineItem]") == Generic("list", Name("LineItem", None, 5), 0)
    assert parse("map[int]") == Generic("map", Name("int", None, 4), 0)
    assert parse("Money?") == Opt(Name("Money", None, 0))
    assert parse("A | b.B") == Union((Name("A", None, 0), Name("B", "b", 4)))
    assert parse("list[A | B]?") == Opt(Generic("list", Union((Name("A", None, 5), Name("B", None, 9))), 0))
    assert parse("(A | B)?") == Opt(Union((Name("A", None, 1), Name("B", None, 5))))
    assert parse("list[map[string?]]") == Generic("list", Generic("map", Opt(Name("string", None, 9)), 5), 0)


@pytest.mark.parametrize(
    ("text", "message", "offset", "hint"),
    [
        ("", "empty type expression", 0, None),
        ("list[", "type 'list[' ends early: expected a type", 5, None),
        ("map[string, int]", "map keys are always strings", 10, "write map[T]"),
        ("string[]", "'string' takes no type argument", 0, "a list is written list[string]"),
        ("Order[int]", "'Order' takes no type argument", 0, "only list[T] and map[T] take an argument"),
        ("list", "'list' needs an item type", 0, "write list[T]"),
        ("Foo Bar", "unexpected 'Bar' in type 'Foo Bar'", 4, None),
        ("a.b.c", "unexpected '.' in type 'a.b.c'", 3, None),
        ("int | ", "type 'int | ' ends early: expected a type", 6, None),
        ("string??", "unexpected '?' in type 'string??'", 7, None),
        ("(int", "type '(int' ends early: expected ')'", 4, None),
        ("€uro", "unexpected character '€' in type '€uro'", 0, None),
        ("list[int]]", "unexpected ']' in type 'list[int]]'", 9, None),
        ("a.", "type 'a.' ends early: expected a type", 2, None),
    ],
)
def test_errors(text: str, message: str, offset: int, hint: str | None) -> None:
    with pytest.raises(TypeSyntaxError) as info:
        parse(text)
    assert (info.value.message, info.value.offset, info.value.hint) == (message, offset, hint)
