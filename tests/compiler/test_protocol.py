"""The Protocol front end: Python modules give the same IR and the same generated files as their YAML twins.

Fixtures live in tests/fixtures/protocol/: `orders.py` and `orders.restagen.yaml` declare the same package
(objects, enums, a tagged union, errors, an event, a service, an object with state, a workflow with
promises); `imports/` holds two Protocol modules, one importing the other; `broken/` holds modules whose
diagnostics must name file and line. The code blocks of docs/protocol.md are compiled and run here too.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

import restagen
import restagen.runtime
from restagen import decorators
from restagen.cli import main
from restagen.compiler import ir
from restagen.compiler.frontends.export import export_yaml, to_yaml
from restagen.compiler.frontends.load import load_text
from restagen.compiler.pipeline import compile_paths, generate_files
from restagen.decorators import duration_text
from restagen.diagnostics import Diagnostics

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "protocol"
BROKEN = FIXTURES / "broken"


def _program(path: Path) -> ir.Program:
    result = compile_paths([path])
    assert result.program is not None, [d.render() for d in result.diagnostics]
    return result.program


def _packages(program: ir.Program) -> list[ir.Package]:
    return [replace(package, source="") for package in program.packages]


def _without_header(files: dict[str, str]) -> dict[str, str]:
    return {path: text.split("\n", 1)[1] for path, text in files.items()}


@pytest.mark.parametrize(
    ("module", "schema"),
    [
        ("orders.py", "orders.restagen.yaml"),
        ("imports/kitchen.py", "imports/kitchen.restagen.yaml"),
        ("trips.py", "trips.restagen.yaml"),
    ],
)
def test_protocol_module_and_yaml_give_the_same_ir(module: str, schema: str) -> None:
    from_python = _program(FIXTURES / module)
    from_yaml = _program(FIXTURES / schema)
    assert _packages(from_python) == _packages(from_yaml)
    assert from_python.packages[-1].source.endswith(Path(module).name)


def test_protocol_module_and_yaml_give_the_same_files() -> None:
    from_python = generate_files(_program(FIXTURES / "orders.py"))
    from_yaml = generate_files(_program(FIXTURES / "orders.restagen.yaml"))
    assert set(from_python) == set(from_yaml)
    assert _without_header(from_python) == _without_header(from_yaml)
    header = from_python["ftgo/orders/models.py"].splitlines()[0]
    assert "orders.py" in header, header


def test_fixture_covers_every_kind_of_declaration() -> None:
    package = _program(FIXTURES / "orders.py").package("ftgo.orders")
    kinds = {type(t).__name__ for t in package.types}
    assert kinds == {"ObjectType", "EnumType", "UnionType"}
    union = package.type("Payment")
    assert isinstance(union, ir.UnionType) and union.discriminator == "kind"
    card = package.type("CardPayment")
    assert isinstance(card, ir.ObjectType)
    assert card.tags == (("kind", "CardPayment"),)
    assert [f.name for f in card.fields] == ["card_token"]
    assert {c.kind for c in package.components} == {"service", "object", "workflow"}
    assert package.errors and package.events
    signup = next(c for c in package.components if c.name == "signup")
    assert [p.name for p in signup.promises] == ["email_clicked"]
    details = package.type("OrderDetails")
    assert isinstance(details, ir.ObjectType)
    keyword = next(f for f in details.fields if f.name == "from")
    assert keyword.py_name == "from_" and keyword.optional


def test_imported_protocol_module_becomes_its_own_package() -> None:
    program = _program(FIXTURES / "imports" / "kitchen.py")
    assert [p.name for p in program.packages] == ["ftgo.common", "ftgo.kitchen"]
    assert program.package("ftgo.kitchen").imports == (("common", "ftgo.common"),)


@pytest.mark.parametrize("module", ["orders.py", "imports/kitchen.py", "trips.py"])
def test_export_writes_yaml_that_compiles_to_the_same_ir(module: str, tmp_path: Path) -> None:
    diagnostics = Diagnostics()
    text = export_yaml(FIXTURES / module, diagnostics)
    assert text is not None, [d.render() for d in diagnostics]
    assert text.startswith("restagen: 1\npackage: ")
    exported = FIXTURES / module.replace(".py", ".exported.restagen.yaml")
    target = tmp_path / exported.name
    target.write_text(text.replace("./common.py", str(FIXTURES / "imports" / "common.py")))
    assert _packages(_program(target)) == _packages(_program(FIXTURES / module))


def test_export_of_a_broken_module_gives_diagnostics() -> None:
    diagnostics = Diagnostics()
    assert export_yaml(BROKEN / "bad_types.py", diagnostics) is None
    assert diagnostics.has_errors


BROKEN_CASES = {
    "bad_kafka.py": [
        "bad_kafka.py:19:5: services.billing.handlers.on_placed.kafka.topic: "
        "'orders placed' is not a Kafka topic name",
        "bad_kafka.py:22:5: services.billing.handlers.charge.kafka: "
        "'kafka' binds an event handler to a topic, and this handler subscribes to no event",
        "bad_kafka.py:22:5: services.billing.handlers.charge.kafka.cluster: 'my_kafka' is not a Kafka cluster name",
    ],
    "bad_saga.py": [
        "bad_saga.py:19:5: sagas.pay.steps[0].invoke: 'helper' is not a handler of a component of this module",
        "bad_saga.py:20:5: sagas.pay.steps[1].on_reply: "
        "the type frozenset[str] has no equivalent in the definition language",
    ],
    "bad_saga_step.py": [
        "bad_saga_step.py:22:5: sagas.pay.steps[1].key: "
        "'key' applies to object participants; this step calls services only",
        "bad_saga_step.py:22:5: sagas.pay.steps[1].when: saga data has no field 'paid'",
    ],
    "bad_state.py": [
        "bad_state.py:15:10: objects.cart.state.seen: "
        "the type frozenset[str] has no equivalent in the definition language",
    ],
    "raises.py": [
        "raises.py:9:12: cannot import the module: ZeroDivisionError: integer division or modulo by zero",
    ],
    "syntax.py": ["syntax.py:4:12: cannot import the module: SyntaxError: '(' was never closed"],
    "no_package.py": [
        "no_package.py:1:1: missing __restagen_package__: a Protocol module names the package it generates",
    ],
    "bad_types.py": [
        "bad_types.py:14:5: types.Card.properties.kind: "
        "the tag 'kind' of a tagged union member must be Literal['Card']",
        "bad_types.py:20:5: types.Cash.properties.amount: the constraint 'gt' has no equivalent",
        "bad_types.py:27:5: types.Basket.properties.items: "
        "the type set[str] has no equivalent in the definition language",
        "bad_types.py:28:5: types.Basket.properties.sizes: map keys are always strings, not int",
        "bad_types.py:32:28: services.order.options: unknown key 'retries'",
        "bad_types.py:34:15: services.order.handlers.place: a handler takes at most one input",
        "bad_types.py:36:15: services.order.handlers.status: a handler needs a return annotation",
        "bad_types.py:38:15: services.order.handlers.rate.input: "
        "fixed-length tuples have no equivalent: tuple[int, int]; use list[T]",
    ],
}


@pytest.mark.parametrize("case", sorted(BROKEN_CASES))
def test_broken_module_gives_diagnostics_with_file_and_line(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(BROKEN)
    result = compile_paths([Path(case)])
    assert result.program is None
    assert [d.render().split("\n")[0] for d in result.diagnostics] == BROKEN_CASES[case]


@pytest.mark.parametrize("case", sorted(BROKEN_CASES))
def test_cli_reports_a_broken_module_without_traceback(
    case: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(BROKEN)
    code = main(["validate", case])
    captured = capsys.readouterr()
    assert code == 1, captured.err
    assert "Traceback" not in captured.err
    assert f"{case}:" in captured.err


def test_a_module_is_forgotten_after_reading(tmp_path: Path) -> None:
    """A second read sees the edited module and its edited siblings (as `restagen dev` needs)."""
    (tmp_path / "shared.py").write_text(
        "from pydantic import BaseModel\n\nclass Item(BaseModel):\n    a: int\n"
    )
    module = tmp_path / "shop.py"
    module.write_text(
        "from typing import Protocol\nimport restagen\nfrom shared import Item\n"
        '__restagen_package__ = "shop"\n\n'
        '@restagen.service("shop")\nclass Shop(Protocol):\n    async def buy(self, item: Item) -> None: ...\n'
    )
    first = _program(module).package("shop").type("Item")
    (tmp_path / "shared.py").write_text(
        "from pydantic import BaseModel\n\nclass Item(BaseModel):\n    b: str\n"
    )
    second = _program(module).package("shop").type("Item")
    assert isinstance(first, ir.ObjectType) and isinstance(second, ir.ObjectType)
    assert [f.name for f in first.fields] == ["a"]
    assert [f.name for f in second.fields] == ["b"]
    assert not [name for name in sys.modules if name in ("shop", "shared")]


def test_decorators_only_attach_metadata() -> None:
    code = (
        "import sys, restagen\n"
        "assert not [m for m in sys.modules if m.startswith('restagen.compiler')], 'compiler imported'\n"
        "@restagen.service('x')\nclass X: pass\n"
        "assert X.__restagen_component__.name == 'x'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_decorator_metadata_is_named_apart_from_what_middleware_receives() -> None:
    assert isinstance(
        restagen.service("x")(type("X", (), {})).__restagen_component__, decorators.ProtocolComponent
    )
    assert not set(decorators.__all__) & set(restagen.runtime.__all__)


def test_public_surface() -> None:
    assert set(restagen.__all__) == {
        "Error",
        "__version__",
        "event",
        "handler",
        "object",
        "saga",
        "service",
        "step",
        "workflow",
    }
    for name in restagen.__all__:
        assert hasattr(restagen, name)


def test_declared_error_keeps_its_fields() -> None:
    class OrderNotFound(restagen.Error):
        code = 404
        order_id: str

    error = OrderNotFound(order_id="42")
    assert error.order_id == "42" and error.code == 404
    assert "order_id='42'" in str(error)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(milliseconds=100), "100ms"),
        (timedelta(seconds=10), "10s"),
        (timedelta(minutes=5), "5m"),
        (timedelta(hours=1), "1h"),
        (timedelta(days=2), "2d"),
        (timedelta(seconds=90), "90s"),
        ("PT5S", "PT5S"),
    ],
)
def test_duration_text(value: timedelta | str, text: str) -> None:
    assert duration_text(value) == text


# -- docs/protocol.md: every code block is compiled or run ------------------------------------------------


def _doc_blocks() -> list[tuple[str, str]]:
    text = (ROOT / "docs" / "protocol.md").read_text()
    return re.findall(r"^```(\w+)\n(.*?)^```$", text, flags=re.S | re.M)


def test_docs_blocks_are_python_or_yaml() -> None:
    blocks = _doc_blocks()
    assert [lang for lang, _ in blocks] == ["python", "yaml", "python", "python"]


def test_docs_saga_module_compiles_to_its_sagas(tmp_path: Path) -> None:
    (tmp_path / "trips.py").write_text(_doc_blocks()[2][1])
    package = _program(tmp_path / "trips.py").package("docs.protocol_trips")
    trip = next(saga for saga in package.sagas if saga.name == "book_trip")
    assert [step.name for step in trip.steps] == ["book_flight", "charge", "car", "confirm"]
    assert trip.steps[1].key == "customer" and trip.steps[2].saga == ("docs.protocol_trips", "rent_car")
    assert trip.steps[2].when_field == "with_car" and trip.steps[3].local
    assert trip.description == "Books a flight, charges the customer, rents a car when wanted."


def test_docs_module_and_yaml_are_twins(tmp_path: Path) -> None:
    (module, _), (schema, _) = ((b, 0) for _, b in _doc_blocks()[:2])
    (tmp_path / "orders.py").write_text(module)
    (tmp_path / "orders.restagen.yaml").write_text(schema)
    from_python = _program(tmp_path / "orders.py")
    assert _packages(from_python) == _packages(_program(tmp_path / "orders.restagen.yaml"))
    assert _without_header(generate_files(from_python)) == _without_header(
        generate_files(_program(tmp_path / "orders.restagen.yaml"))
    )


def test_docs_export_snippet_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = _doc_blocks()
    (tmp_path / "orders.py").write_text(blocks[0][1])
    monkeypatch.chdir(tmp_path)
    exec(compile(blocks[3][1], "docs/protocol.md", "exec"), {})
    assert _packages(_program(tmp_path / "orders.restagen.yaml")) == _packages(
        _program(tmp_path / "orders.py")
    )


@pytest.mark.parametrize(
    "text",
    ["a\u2028b", "one\ntwo\u2029three", "next\x85line", "nul \x00, form feed \x0c", "café \"q\" \\ 'x'"],
)
def test_exported_yaml_reads_back_every_character(text: str) -> None:
    data = {"restagen": 1, "package": "a.b", "description": text, "types": {"A": {"description": text}}}
    diagnostics = Diagnostics()
    document = load_text(to_yaml(data), "f.yaml", diagnostics)
    assert document is not None and not diagnostics.items
    assert document.data == data
