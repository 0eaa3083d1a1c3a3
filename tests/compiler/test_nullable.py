"""Absent versus null in the IR: `T?` on a field, `T | null` anywhere, and the package's
`unknown_fields`."""

from __future__ import annotations

from collections.abc import Callable

from restagen.compiler import ir
from restagen.compiler.pipeline import Compilation
from restagen.compiler.render.jsonschema import package_schema
from tests.compiler.conftest import HEADER, rendered

Compile = Callable[..., Compilation]

S = ir.Primitive("string")


def _package(result: Compilation) -> ir.Package:
    assert rendered(result) == [] and result.program is not None
    return result.program.packages[0]


def _fields(package: ir.Package, name: str) -> dict[str, ir.Field]:
    decl = package.type(name)
    assert isinstance(decl, ir.ObjectType)
    return {f.name: f for f in decl.fields}


def test_question_mark_on_a_field_means_absent_and_null_means_null(compile_text: Compile) -> None:
    package = _package(
        compile_text(
            HEADER + "types:\n  P:\n    properties: {x: int}\n  A:\n    properties:\n"
            "      absent: string?\n"
            "      nullable: string | null\n"
            "      nullable_first: null | string\n"
            "      optional: {type: string, optional: true}\n"
            "      items: 'list[string?]'\n"
            "      values: 'map[string | null]'\n"
            "      either: P | string | null\n"
            "      member: P? | string\n"
            "      bounded: {type: 'int | null', min: 1}\n"
        )
    )
    fields = _fields(package, "A")
    assert (fields["absent"].type, fields["absent"].optional) == (S, True)
    assert (fields["nullable"].type, fields["nullable"].optional) == (ir.Nullable(S), False)
    assert fields["nullable_first"].type == ir.Nullable(S)
    assert (fields["optional"].type, fields["optional"].optional) == (S, True)
    assert fields["items"].type == ir.ListOf(ir.Nullable(S))
    assert fields["values"].type == ir.MapOf(ir.Nullable(S))
    union = ir.Nullable(ir.UnionOf((ir.Named(package.name, "P"), S)))
    assert fields["either"].type == union and fields["member"].type == union
    assert fields["bounded"].constraints == (("min", 1),)
    assert str(fields["nullable"].type) == "string | null"
    schema = package_schema(package)["$defs"]["A"]
    assert schema["required"] == [
        "nullable",
        "nullable_first",
        "items",
        "values",
        "either",
        "member",
        "bounded",
    ]
    assert schema["properties"]["absent"] == {"type": "string"}
    assert schema["properties"]["bounded"] == {"type": ["integer", "null"], "minimum": 1}


def test_handler_values_may_be_null_either_way(compile_text: Compile) -> None:
    package = _package(
        compile_text(
            HEADER + "services:\n  s:\n    handlers:\n"
            "      a: {input: string?, output: 'string | null'}\n"
            "      b: {input: {type: string, optional: true}}\n"
        )
    )
    a, b = package.components[0].handlers
    assert a.input == a.output == b.input == ir.Nullable(S)


def test_unknown_fields_is_a_package_setting(compile_text: Compile) -> None:
    assert _package(compile_text(HEADER + "unknown_fields: reject\n")).unknown_fields == "reject"
    assert _package(compile_text(HEADER + "unknown_fields: ignore\n")).unknown_fields is None
    assert _package(compile_text(HEADER)).unknown_fields is None


def test_a_datetime_is_the_runtimes_utc_datetime_in_models(compile_text: Compile) -> None:
    package = _package(
        compile_text(HEADER + "types:\n  A:\n    properties: {at: datetime, maybe: datetime?}\n")
    )
    defs = package_schema(package)["$defs"]
    assert defs["A"]["properties"]["at"] == {"$ref": "#/$defs/restagen.runtime.UtcDatetime"}
    assert defs["restagen.runtime.UtcDatetime"] == {
        "x-python-import": {"module": "restagen.runtime", "name": "UtcDatetime"}
    }
