"""Loading YAML: plain data, positions of keys and values, and readable syntax errors."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from restagen.compiler.frontends import load
from restagen.compiler.frontends.load import MAX_DEPTH, MAX_REPEATED, load_file, load_text
from restagen.diagnostics import Diagnostics, Position

TEXT = """\
restagen: 1
package: shop.orders
types:
  Order:
    properties: {id: string, tags: 'list[string]'}
    list:
      - a
      - b
"""


def test_plain_data() -> None:
    diagnostics = Diagnostics()
    doc = load_text(TEXT, "o.yaml", diagnostics)
    assert doc is not None and not diagnostics.items
    assert doc.data == {
        "restagen": 1,
        "package": "shop.orders",
        "types": {"Order": {"properties": {"id": "string", "tags": "list[string]"}, "list": ["a", "b"]}},
    }
    assert type(doc.data["types"]) is dict


def test_positions_of_keys_values_and_items() -> None:
    doc = load_text(TEXT, "o.yaml", Diagnostics())
    assert doc is not None
    smap = doc.source_map
    assert smap.position(("package",)) == Position("o.yaml", 2, 10)
    assert smap.position(("package",), key=True) == Position("o.yaml", 2, 1)
    assert smap.position(("types", "Order"), key=True) == Position("o.yaml", 4, 3)
    assert smap.position(("types", "Order", "properties", "tags")) == Position("o.yaml", 5, 36)
    assert smap.position(("types", "Order", "list", 1)) == Position("o.yaml", 8, 9)


def test_unknown_path_falls_back_to_nearest_ancestor() -> None:
    doc = load_text(TEXT, "o.yaml", Diagnostics())
    assert doc is not None
    smap = doc.source_map
    assert smap.position(("types", "Order", "nope", "deeper")) == smap.position(("types", "Order"))
    assert doc.source_map.position(("nothing",)) == Position("o.yaml", 1, 1)


def test_dates_become_strings_and_empty_file_is_an_empty_mapping() -> None:
    doc = load_text("a: 2024-01-02\n", "d.yaml", Diagnostics())
    assert doc is not None and doc.data == {"a": "2024-01-02"}
    empty = load_text("# only a comment\n", "e.yaml", Diagnostics())
    assert empty is not None and empty.data == {}


def _error(text: str) -> str:
    diagnostics = Diagnostics()
    assert load_text(text, "f.yaml", diagnostics) is None
    (only,) = diagnostics.items
    return only.render()


def test_duplicate_key() -> None:
    assert _error("a: 1\nb:\n  c: 1\n  c: 2\n") == (
        'f.yaml:4:3: found duplicate key "c"\n    hint: each key may appear once'
    )


def test_unclosed_quote_points_at_the_opening_quote() -> None:
    assert _error('a: 1\nb: "never\nc: 2\n') == (
        "f.yaml:2:4: YAML syntax error: this quoted string is never closed\n    hint: add the closing quote"
    )


def test_inconsistent_indentation() -> None:
    assert _error("a:\n  b: 1\n c: 2\n").startswith("f.yaml:3:2: YAML syntax error: inconsistent indentation")


def test_unquoted_brackets_in_flow_mapping_get_a_hint() -> None:
    message = _error("a: {items: list[string]}\n")
    assert message.startswith("f.yaml:1:16: YAML syntax error:")
    assert "quote values that contain [ ] { } or commas" in message


def test_stray_colon_and_tabs() -> None:
    assert "unexpected ':'" in _error("a: b: c\n")
    assert "tab character" in _error("a:\n\t- x\n")


def test_unreadable_file(tmp_path: Path) -> None:
    diagnostics = Diagnostics()
    assert load_file(tmp_path, diagnostics, display="folder.restagen.yaml") is None
    assert diagnostics.items[0].render().startswith("folder.restagen.yaml: cannot read file: ")


def test_a_file_that_is_not_utf8_is_reported_at_the_first_bad_byte(tmp_path: Path) -> None:
    diagnostics = Diagnostics()
    path = tmp_path / "bad.restagen.yaml"
    path.write_bytes("a: 1\nb: café ".encode() + b"\xff\n")
    assert load_file(path, diagnostics, display="bad.restagen.yaml") is None
    assert [d.render() for d in diagnostics] == [
        "bad.restagen.yaml:2:9: not UTF-8: byte 0xff cannot be read as text\n    hint: save the file as UTF-8"
    ]


@pytest.mark.parametrize("breaks", ["\n", "\r", "\r\n"])
def test_a_bad_byte_counts_lines_as_every_other_position_does(tmp_path: Path, breaks: str) -> None:
    diagnostics = Diagnostics()
    path = tmp_path / "bad.restagen.yaml"
    path.write_bytes(breaks.join(["a: 1", "b: 2", "c: café "]).encode() + b"\xff\n")
    assert load_file(path, diagnostics, display="bad.restagen.yaml") is None
    assert [d.render().partition(" not")[0] for d in diagnostics] == ["bad.restagen.yaml:3:9:"]


def test_a_control_character_is_reported_at_its_line_and_column_on_one_line() -> None:
    assert _error('a: 1\nb: "x\x01"\n') == (
        "f.yaml:2:6: YAML syntax error: the character U+0001 cannot appear in YAML text\n"
        '    hint: write it as an escape in a double-quoted string, such as "\\t" or "\\x01"'
    )


def test_only_newline_and_carriage_return_break_lines() -> None:
    # libyaml also breaks at U+0085, U+2028 and U+2029; YAML 1.2 and editors do not.
    diagnostics = Diagnostics()
    text = "# a\u2028b\u0085c\u2029\na: 'x\u2028y'\nb\u0085: \ue000 z\u2029\nc: [1\r\n"
    doc = load_text(text[: text.index("c:")], "f.yaml", diagnostics)
    assert doc is not None and not diagnostics.items
    assert doc.data == {"a": "x\u2028y", "b\u0085": "\ue000 z\u2029"}
    assert doc.source_map.position(("b\u0085",)) == Position("f.yaml", 3, 5)
    assert _error(text).startswith("f.yaml:4:6: YAML syntax error: expected ',' or ']'")


def test_the_end_of_a_truncated_file_is_reported_inside_the_file() -> None:
    assert _error("a: [1, 2\n\n\n").startswith("f.yaml:1:9: ")
    assert _error("a: 1\nb: {c: d").startswith("f.yaml:2:9: ")


def test_scalars_resolve_as_yaml_1_2() -> None:
    """`yes`, `no`, `on` and `off` are strings (they make fine enum values); only true/false are booleans."""
    diagnostics = Diagnostics()
    text = "values: [YES, no, On, off, true, False, 010, 0o10, 0x1F, 1e3, -.inf, 1_000, ~, '7']\n"
    doc = load_text(text, "f.yaml", diagnostics)
    assert doc is not None and not diagnostics.items
    assert doc.data == {
        "values": [
            "YES",
            "no",
            "On",
            "off",
            True,
            False,
            10,
            8,
            31,
            1000.0,
            float("-inf"),
            "1_000",
            None,
            "7",
        ]
    }


def test_merge_keys_expand_and_explicit_keys_win() -> None:
    text = "base: &b {kind: shared, output: string}\nget:\n  <<: *b\n  output: int\n"
    diagnostics = Diagnostics()
    doc = load_text(text, "f.yaml", diagnostics)
    assert doc is not None and not diagnostics.items
    assert doc.data["get"] == {"kind": "shared", "output": "int"}
    assert doc.source_map.position(("get", "output")) == Position("f.yaml", 4, 11)


def test_an_earlier_merged_mapping_wins_over_a_later_one() -> None:
    text = "a: &a {x: 1, y: 2}\nb: &b {x: 3, z: 4}\nc: {<<: [*a, *b], y: 5}\n"
    diagnostics = Diagnostics()
    doc = load_text(text, "f.yaml", diagnostics)
    assert doc is not None and not diagnostics.items
    assert doc.data["c"] == {"x": 1, "z": 4, "y": 5}


def test_equals_and_merge_signs_as_values_are_text() -> None:
    doc = load_text("a: =\nb: <<\n", "f.yaml", Diagnostics())
    assert doc is not None and doc.data == {"a": "=", "b": "<<"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &x [1, *x]\n", "f.yaml:1:4: this alias refers to a value that contains it"),
        ("a: &x {b: {c: *x}}\n", "f.yaml:1:12: this alias refers to a value that contains it"),
        ("a: &x\n  b: 1\n  <<: *x\n", "f.yaml:3:3: this merge key refers to a mapping that contains it"),
        ("a: &x\n  b: {<<: [*x]}\n", "f.yaml:2:7: this merge key refers to a mapping that contains it"),
        ("a: " + "[" * 101 + "]" * 101 + "\n", f"f.yaml:1:104: values nest deeper than {MAX_DEPTH} levels"),
        (
            "a: " + "[" * 5000 + "]" * 5000 + "\n",
            f"f.yaml:1:1003: YAML syntax error: values nest deeper than {MAX_DEPTH} levels",
        ),
        ("a: !!bool maybe\n", "f.yaml:1:4: 'maybe' is not a valid !!bool"),
        ("a: !!timestamp soon\n", "f.yaml:1:4: 'soon' is not a valid !!timestamp"),
        ("a: !!int abc\n", "f.yaml:1:4: 'abc' is not a valid !!int"),
        ("a: !!float abc\n", "f.yaml:1:4: 'abc' is not a valid !!float"),
        ("a: !!binary aGk=\n", "f.yaml:1:4: the tag !!binary is not supported"),
        ("a: !!set {x}\n", "f.yaml:1:4: the tag !!set is not supported"),
        ("a: !!python/name:os.system x\n", "f.yaml:1:4: the tag !!python/name:os.system is not supported"),
        ("a: !local x\n", "f.yaml:1:4: the tag !local is not supported"),
        ("a: !!map x\n", "f.yaml:1:4: the tag !!map does not fit a single value"),
        ("a: !!seq {b: 1}\n", "f.yaml:1:4: the tag !!seq does not fit a mapping"),
        ("a: !!str [1]\n", "f.yaml:1:4: the tag !!str does not fit a list"),
        ("? [a, b]\n: 1\n", "f.yaml:1:3: a key must be a name, not a mapping or a list"),
        ("a: &x b\nc: *y\n", "f.yaml:2:4: YAML syntax error: unknown alias 'y'"),
    ],
)
def test_hostile_yaml_is_a_diagnostic(text: str, message: str) -> None:
    assert _error(text).split("\n")[0] == message


def test_an_alias_bomb_stops_quickly() -> None:
    lines = ["l0: &l0 [a, a, a, a, a, a, a, a, a, a]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 9)]
    started = time.perf_counter()
    assert f"aliases expand to more than {MAX_REPEATED} values" in _error("\n".join(lines))
    assert time.perf_counter() - started < 5


def test_a_merge_bomb_stops_quickly() -> None:
    lines = ["m0: &m0 {a: 1}"]
    lines += [f"m{i}: &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * 10)}]}}" for i in range(1, 12)]
    started = time.perf_counter()
    assert f"aliases expand to more than {MAX_REPEATED} values" in _error("\n".join(lines))
    assert time.perf_counter() - started < 5


def test_the_text_of_a_quoted_value_starts_after_its_quote() -> None:
    doc = load_text("a: list[\nb: 'list['\nc: \"list[\"\n", "f.yaml", Diagnostics())
    assert doc is not None
    smap = doc.source_map
    assert smap.text_position(("a",), 5) == Position("f.yaml", 1, 9)
    assert smap.text_position(("b",), 5) == Position("f.yaml", 2, 10)
    assert smap.text_position(("c",), 5) == Position("f.yaml", 3, 10)
    assert smap.position(("c",)) == Position("f.yaml", 3, 4)


def test_an_untagged_value_that_only_looks_like_a_date_is_text() -> None:
    doc = load_text("a: 2024-02-30\nb: 2024-1-1 25:00:00\nc: 2024-02-29\n", "f.yaml", Diagnostics())
    assert doc is not None and doc.data == {"a": "2024-02-30", "b": "2024-1-1 25:00:00", "c": "2024-02-29"}


def test_deep_nesting_without_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    class PurePython(yaml.SafeLoader):
        yaml_implicit_resolvers = load._Loader.yaml_implicit_resolvers

    monkeypatch.setattr(load, "_Loader", PurePython)
    message = _error("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert message.startswith("f.yaml:1:") and f"values nest deeper than {MAX_DEPTH} levels" in message
