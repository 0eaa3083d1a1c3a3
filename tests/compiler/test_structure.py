"""Structural checks: pydantic errors become positioned diagnostics with paths and suggestions."""

from __future__ import annotations

from restagen.compiler.frontends.load import load_text
from restagen.compiler.structure.check import check_structure, dotted
from restagen.diagnostics import Diagnostics


def _check(text: str) -> list[str]:
    diagnostics = Diagnostics()
    doc = load_text(text, "f.yaml", diagnostics)
    assert doc is not None
    assert check_structure(doc, diagnostics) is None
    return [d.render() for d in diagnostics]


def test_dotted() -> None:
    assert dotted(("services", "order", "handlers", "create")) == "services.order.handlers.create"
    assert dotted(("sagas", "s", "steps", 0, "name")) == "sagas.s.steps[0].name"
    assert dotted(()) == ""


def test_a_valid_document_passes() -> None:
    diagnostics = Diagnostics()
    doc = load_text("restagen: 1\npackage: a.b\ntypes: {A: {properties: {x: int}}}\n", "f.yaml", diagnostics)
    assert doc is not None
    document = check_structure(doc, diagnostics)
    assert document is not None and not diagnostics.items
    assert document.package == "a.b"


def test_unknown_key_with_suggestion_at_the_key() -> None:
    assert _check("restagen: 1\npackage: a\ntypes:\n  A:\n    propertys: {}\n") == [
        "f.yaml:5:5: types.A: unknown key 'propertys'\n    hint: did you mean 'properties'?"
    ]


def test_unknown_key_in_nested_optional_sections() -> None:
    text = (
        "restagen: 1\npackage: a\nservices:\n  s:\n    options: {retry: {max_atempts: 3}}\n"
        "    handlers:\n      h: {input: {properties: {}, descripton: x}}\n"
        "      g: {output: {type: int, minn: 1}}\n"
        "workflows:\n  w:\n    run: {outptu: int}\n"
    )
    assert _check(text) == [
        "f.yaml:5:23: services.s.options.retry: unknown key 'max_atempts'\n    hint: did you mean 'max_attempts'?",
        "f.yaml:7:35: services.s.handlers.h.input: unknown key 'descripton'\n"
        "    hint: did you mean 'description'?",
        "f.yaml:8:31: services.s.handlers.g.output: unknown key 'minn'\n    hint: did you mean 'min'?",
        "f.yaml:11:11: workflows.w.run: unknown key 'outptu'\n    hint: did you mean 'output'?",
    ]


def test_unknown_key_without_near_match_lists_allowed_keys() -> None:
    (message,) = _check("restagen: 1\npackage: a\nerrors:\n  E: {colour: red}\n")
    assert message == (
        "f.yaml:4:7: errors.E: unknown key 'colour'\n    hint: allowed keys: description, code, properties"
    )


def test_missing_keys_point_at_the_parent() -> None:
    assert _check("types: {}\n") == [
        "f.yaml:1:1: <document>: missing required key 'package'",
        "f.yaml:1:1: <document>: missing required key 'restagen'",
    ]
    assert _check(
        "restagen: 1\npackage: a\nsagas:\n  s:\n    data: D\n    steps:\n      - invoke: a.b\n"
    ) == ["f.yaml:7:9: sagas.s.steps[0]: missing required key 'name'"]


def test_wrong_values_read_as_sentences() -> None:
    assert _check(
        "restagen: 2\npackage: [a]\nerrors:\n  E: {code: 200}\nservices:\n  s:\n"
        "    handlers:\n      h: {kind: readonly, errors: E}\n"
    ) == [
        "f.yaml:1:11: restagen: must be 1, found 2",
        "f.yaml:2:10: package: must be a string, found a list",
        "f.yaml:4:13: errors.E.code: must be greater than or equal to 400, found 200",
        "f.yaml:8:17: services.s.handlers.h.kind: must be 'exclusive' or 'shared', found 'readonly'",
        "f.yaml:8:35: services.s.handlers.h.errors: must be a list, found 'E'",
    ]


def test_type_uses_must_be_expressions_or_mappings() -> None:
    assert _check("restagen: 1\npackage: a\ntypes:\n  A: string\n  B:\n    properties: {x: 3}\n") == [
        "f.yaml:4:6: types.A: expected a mapping, found 'string'",
        "f.yaml:6:21: types.B.properties.x: expected a type expression or a mapping with 'type', found 3",
    ]


def test_document_must_be_a_mapping() -> None:
    assert _check("- a\n- b\n") == [
        "f.yaml:1:1: a definition file must be a mapping, found a list\n"
        "    hint: start with 'restagen: 1' and 'package: <dotted.name>'"
    ]


def test_a_key_starting_with_a_tilde_is_a_key_like_any_other() -> None:
    # pydantic's locations carry the tags of tagged unions ("~spec"); a user's "~x" is not one.
    text = "restagen: 1\npackage: a\n~top: 1\ntypes:\n  A:\n    properties: {x: {type: int, ~min: 1}}\n"
    assert _check(text) == [
        "f.yaml:3:1: <document>: unknown key '~top'\n"
        "    hint: allowed keys: restagen, package, description, imports, types, errors, events, services, "
        "objects, workflows, sagas, serde, unknown_fields",
        "f.yaml:6:33: types.A.properties.x: unknown key '~min'\n    hint: did you mean 'min'?",
    ]
