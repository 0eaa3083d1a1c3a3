"""Diagnostic values: rendering, ordering, de-duplication and suggestions."""

from __future__ import annotations

import time

from restagen.diagnostics import Diagnostic, Diagnostics, Position, Severity, did_you_mean


def test_render_names_file_line_column_and_path() -> None:
    d = Diagnostic("unknown-type", "unknown type 'Ordr'", Position("o.restagen.yaml", 42, 9), "services.x")
    assert d.render() == "o.restagen.yaml:42:9: services.x: unknown type 'Ordr'"


def test_render_hint_on_its_own_indented_line() -> None:
    d = Diagnostic("c", "bad", Position("f.yaml", 1, 2), "types.A", hint="did you mean 'B'?")
    assert d.render() == "f.yaml:1:2: types.A: bad\n    hint: did you mean 'B'?"


def test_render_without_path_or_line() -> None:
    assert Diagnostic("io", "cannot read", Position("f.yaml")).render() == "f.yaml: cannot read"


def test_warning_is_labelled_and_does_not_count_as_error() -> None:
    diagnostics = Diagnostics()
    diagnostics.add(Diagnostic("w", "odd", Position("f", 1, 1), severity=Severity.WARNING))
    assert not diagnostics.has_errors
    assert next(iter(diagnostics)).render() == "f:1:1: warning: odd"
    diagnostics.error("e", "bad", Position("f", 2, 1))
    assert diagnostics.has_errors


def test_sorted_by_file_then_line_then_column_and_deduplicated() -> None:
    diagnostics = Diagnostics()
    diagnostics.error("e", "third", Position("b.yaml", 1, 1))
    diagnostics.error("e", "second", Position("a.yaml", 10, 1))
    diagnostics.error("e", "first", Position("a.yaml", 2, 5))
    diagnostics.error("e", "first", Position("a.yaml", 2, 5))
    assert [d.message for d in diagnostics] == ["first", "second", "third"]


def test_did_you_mean() -> None:
    assert did_you_mean("Ordr", ["Order", "Customer"]) == "did you mean 'Order'?"
    assert did_you_mean("datetme", ["datetime", "date", "time"]) == "did you mean 'datetime'?"
    assert did_you_mean("Zebra", ["Order", "Customer"]) is None
    assert did_you_mean("x", []) is None


def test_render_escapes_unprintable_characters_so_user_text_cannot_add_lines() -> None:
    d = Diagnostic(
        "name",
        "'a\nf.yaml:1:1: fake' \x1b[2K is not valid",
        Position("f\r.yaml", 3, 4),
        "types.A\u2028",
        hint="try 'b\tc\u202e'",
    )
    assert d.render() == (
        "f\\r.yaml:3:4: types.A\\u2028: 'a\\nf.yaml:1:1: fake' \\x1b[2K is not valid\n"
        "    hint: try 'b\\tc\\u202e'"
    )


def test_render_keeps_printable_text_as_it_is() -> None:
    d = Diagnostic("c", "café ✓ 'x' \"y\" \\d", Position("f.yaml", 1, 1))
    assert d.render() == "f.yaml:1:1: café ✓ 'x' \"y\" \\d"


def test_length_counts_each_shown_diagnostic_once() -> None:
    diagnostics = Diagnostics()
    diagnostics.error("e", "bad", Position("f", 1, 1))
    diagnostics.error("e", "bad", Position("f", 1, 1))
    diagnostics.error("e", "worse", Position("f", 2, 1))
    assert len(diagnostics) == len(list(diagnostics)) == 2


def test_did_you_mean_is_quick_for_huge_names() -> None:
    # The distance is quadratic in the lengths: a 100,000-character name once took minutes.
    huge = "X" * 100_000
    started = time.perf_counter()
    assert did_you_mean(huge, ["Order", "Y" * 1000, huge + "Y", huge[:-1]]) is None
    assert did_you_mean("Ordr", ["Order", huge]) == "did you mean 'Order'?"
    assert time.perf_counter() - started < 1


def test_did_you_mean_still_suggests_long_names() -> None:
    name = "a_rather_long_but_real_field_name_of_sixty_characters_or_so"
    assert did_you_mean(name[:-1], [name, "other"]) == f"did you mean '{name}'?"
