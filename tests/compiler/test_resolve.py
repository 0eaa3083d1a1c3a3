"""Resolution: the IR of valid files, and the semantic checks with their positions and hints."""

from __future__ import annotations

from collections.abc import Callable

from restagen.compiler import ir
from restagen.compiler.pipeline import Compilation
from tests.compiler.conftest import HEADER, rendered

Compile = Callable[..., Compilation]


def _types(program: ir.Program | None) -> dict[str, ir.TypeDecl]:
    assert program is not None
    return {t.name: t for p in program.packages for t in p.types}


def test_keyword_field_names_are_allowed_with_an_alias(compile_text: Compile) -> None:
    result = compile_text(
        HEADER + "types:\n  Move:\n    properties: {from: string, class: int, type: string?}\n"
    )
    assert rendered(result) == []
    fields = {f.name: f for f in _types(result.program)["Move"].fields}  # type: ignore[union-attr]
    assert (fields["from"].py_name, fields["class"].py_name, fields["type"].py_name) == (
        "from_",
        "class_",
        "type",
    )
    assert fields["type"].optional and fields["type"].type == ir.Primitive("string")


def test_ir_binds_names_across_packages(compile_text: Compile) -> None:
    result = compile_text(
        **{
            "orders.restagen.yaml": HEADER + "imports: {common: ./common.restagen.yaml}\n"
            "types:\n  Order:\n    properties: {total: common.Money, lines: 'list[Line]', tags: 'map[string]'}\n"
            "  Line:\n    properties: {qty: {type: int, min: 1, default: 1}}\n"
            "services:\n  order:\n    handlers:\n      reject: {input: {properties: {reason: string}}}\n",
            "common.restagen.yaml": "restagen: 1\npackage: shop.common\ntypes:\n  Money:\n    properties: {a: decimal}\n",
        }
    )
    assert rendered(result) == []
    types = _types(result.program)
    order = types["Order"]
    assert isinstance(order, ir.ObjectType)
    assert [f.type for f in order.fields] == [
        ir.Named("shop.common", "Money"),
        ir.ListOf(ir.Named("shop.orders", "Line")),
        ir.MapOf(ir.Primitive("string")),
    ]
    qty = types["Line"].fields[0]  # type: ignore[union-attr]
    assert qty.constraints == (("min", 1.0),) and qty.has_default and qty.default == 1
    assert isinstance(types["OrderRejectRequest"], ir.ObjectType)
    assert types["OrderRejectRequest"].origin == "inline"


def test_object_and_workflow_handler_kinds(compile_text: Compile) -> None:
    result = compile_text(
        HEADER + "objects:\n  cart:\n    handlers: {add: {}, get: {kind: shared}}\n"
        "workflows:\n  signup:\n    run: {output: bool}\n    handlers: {click: {}}\n"
    )
    assert rendered(result) == []
    assert result.program is not None
    kinds = {
        (c.name, h.name): h.kind for p in result.program.packages for c in p.components for h in c.handlers
    }
    assert kinds == {
        ("cart", "add"): "exclusive",
        ("cart", "get"): "shared",
        ("signup", "run"): "workflow",
        ("signup", "click"): "shared",
    }


def test_unknown_type_position_and_suggestion(compile_text: Compile) -> None:
    result = compile_text(
        HEADER + "types:\n  Order:\n    properties: {id: string}\nservices:\n  order:\n"
        "    handlers:\n      create: {input: Order, output: Ordr}\n"
    )
    assert result.program is None
    assert rendered(result) == [
        "orders.restagen.yaml:9:38: services.order.handlers.create.output: unknown type 'Ordr'\n"
        "    hint: did you mean 'Order'?"
    ]


def test_type_syntax_error_points_into_the_expression(compile_text: Compile) -> None:
    result = compile_text(HEADER + "types:\n  A:\n    properties:\n      x: 'list[int]]'\n")
    # The value starts at the quote (col 10), its text at col 11; the offending ']' is 9 characters in.
    assert rendered(result) == [
        "orders.restagen.yaml:6:20: types.A.properties.x: unexpected ']' in type 'list[int]]'"
    ]


def test_missing_import_reports_once(compile_text: Compile) -> None:
    result = compile_text(
        HEADER + "imports: {common: ./nope.restagen.yaml}\ntypes:\n  A:\n    properties: {m: common.M}\n"
    )
    assert rendered(result) == [
        "orders.restagen.yaml:3:19: imports.common: imported file './nope.restagen.yaml' does not exist\n"
        "    hint: import paths are relative to the importing file"
    ]


def test_duplicate_component_keeps_the_first_for_references(compile_text: Compile) -> None:
    result = compile_text(
        HEADER + "types:\n  D:\n    properties: {id: string}\n"
        "services:\n  order:\n    handlers: {create: {}}\nworkflows:\n  order: {}\n"
        "sagas:\n  s:\n    data: D\n    steps: [{name: a, invoke: order.create}]\n"
    )
    messages = rendered(result)
    assert len(messages) == 1
    assert messages[0].startswith(
        "orders.restagen.yaml:10:3: workflows.order: 'order' is already the name of services.order in"
    )


def test_error_details_clash(compile_text: Compile) -> None:
    result = compile_text(
        HEADER + "types:\n  GoneDetails:\n    properties: {}\nerrors:\n  Gone: {code: 410}\n"
    )
    assert rendered(result) == [
        "orders.restagen.yaml:7:3: errors.Gone: error details type 'GoneDetails' clashes with types.GoneDetails\n"
        "    hint: both would be the same class in the generated models; rename one of them"
    ]


def test_workflow_run_kind_and_saga_checks(compile_text: Compile) -> None:
    result = compile_text(
        HEADER + "types:\n  D:\n    properties: {id: string}\n"
        "workflows:\n  w:\n    run: {kind: shared}\n"
        "sagas:\n  s:\n    data: D\n    steps: []\n  t:\n    data: D\n    steps: [{name: a, invoke: w.run}]\n"
    )
    assert rendered(result) == [
        "orders.restagen.yaml:8:17: workflows.w.run.kind: a workflow's 'run' handler has no 'kind'\n"
        "    hint: it runs once per workflow key; its other handlers are shared",
        "orders.restagen.yaml:12:12: sagas.s.steps: a saga needs at least one step",
        "orders.restagen.yaml:15:31: sagas.t.steps[0].invoke: 'w' is a workflow; "
        "saga steps invoke handlers of services and objects",
    ]


def test_defaults_are_checked_against_the_type(compile_text: Compile) -> None:
    result = compile_text(
        HEADER + "types:\n  A:\n    properties:\n"
        "      n: {type: int, default: true}\n      s: {type: string?, default: null}\n"
    )
    assert rendered(result) == [
        "orders.restagen.yaml:6:31: types.A.properties.n.default: default true is not an integer"
    ]
