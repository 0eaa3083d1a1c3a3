"""The type expression parser: trees for good input, offsets and hints for bad input."""

from __future__ import annotations

import time

import pytest

from restagen.compiler.resolve.typeexpr import MAX_DEPTH, Generic, Name, Opt, TypeSyntaxError, Union, parse


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


def test_nesting_up_to_the_limit_parses() -> None:
    syntax = parse("list[" * MAX_DEPTH + "int" + "]" * MAX_DEPTH)
    for _ in range(MAX_DEPTH):
        assert isinstance(syntax, Generic)
        syntax = syntax.arg
    assert syntax == Name("int", None, 5 * MAX_DEPTH)


@pytest.mark.parametrize(
    ("opening", "closing", "offset"),
    # the offset of the first bracket past the limit
    [("list[", "]", 5 * MAX_DEPTH + 4), ("map[(", ")]", 5 * (MAX_DEPTH // 2) + 3), ("(", ")", MAX_DEPTH)],
)
def test_deeper_nesting_is_an_error_not_a_recursion_error(opening: str, closing: str, offset: int) -> None:
    depth = 5000
    with pytest.raises(TypeSyntaxError) as info:
        parse(opening * depth + "int" + closing * depth)
    assert info.value.message == f"type nests deeper than {MAX_DEPTH} levels"
    assert info.value.offset == offset


def test_a_long_expression_parses_in_linear_time() -> None:
    text = " | ".join(f"T{i}" for i in range(50_000))
    started = time.perf_counter()
    assert len(parse(text).members) == 50_000  # type: ignore[union-attr]
    assert time.perf_counter() - started < 2
