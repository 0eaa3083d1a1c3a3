"""`restagen pull` on recorded admin-API answers: the files it writes, that they compile, that they
do not depend on the order the API lists things in, and what becomes of schemas the language
cannot say.

tests/fixtures/pull/typescript.json holds `GET /services/{name}` of the three services of
tests/e2e/typescript/services.ts, registered on restate-server 1.7.12 (deployment ids left out).
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from restagen.cli import main
from restagen.compiler.pipeline import compile_paths, generate_files
from restagen.compiler.pull import AdminError, pull
from restagen.compiler.pull.document import service_file
from restagen.compiler.pull.options import component_options, duration, handler_options
from restagen.diagnostics import Severity

RECORDED = json.loads((Path(__file__).parents[1] / "fixtures" / "pull" / "typescript.json").read_text())
SERVICES: list[dict[str, Any]] = RECORDED["services"]
ADMIN = "http://admin.test"


def _transport(services: list[dict[str, Any]]) -> httpx.MockTransport:
    by_name = {s["name"]: s for s in services}

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/services":
            return httpx.Response(200, json={"services": [{"name": n, "handlers": []} for n in by_name]})
        name = path.removeprefix("/services/")
        if name in by_name:
            return httpx.Response(200, json=by_name[name])
        return httpx.Response(404, json={"message": "not found"})

    return httpx.MockTransport(answer)


def _compiles(folder: Path) -> None:
    result = compile_paths([folder])
    assert result.program is not None, "\n".join(d.render() for d in result.diagnostics)
    assert generate_files(result.program)


def test_pull_writes_a_file_per_service_that_compiles(tmp_path: Path, snapshot: Any) -> None:
    result = pull(ADMIN, tmp_path, [], "pulled", transport=_transport(SERVICES))
    assert [p.name for p in result.written] == [
        "counter.restagen.yaml",
        "onboarding.restagen.yaml",
        "subscription_service.restagen.yaml",
    ]
    assert [d.render() for d in result.diagnostics] == []
    for path in result.written:
        assert path.read_text() == snapshot(name=path.name)
    _compiles(tmp_path)


def test_pull_keeps_kinds_descriptions_defaults_constraints_and_options(tmp_path: Path) -> None:
    pull(
        ADMIN, tmp_path, ["SubscriptionService", "Counter", "Onboarding"], "p", transport=_transport(SERVICES)
    )
    program = compile_paths([tmp_path]).program
    assert program is not None
    service = program.package("p.subscription_service")
    (component,) = service.components
    assert component.name == "SubscriptionService" and component.description == "Plans and what they cost."
    assert component.options.idempotency_retention is not None
    assert component.options.journal_retention is None  # the server's default
    add_plan = next(h for h in component.handlers if h.name == "addPlan")
    assert (add_plan.py_name, add_plan.description) == ("add_plan", "Adds a plan and returns it as stored.")
    plan = service.type(add_plan.input.name)  # type: ignore[union-attr]
    fields = {f.name: f for f in plan.fields}  # type: ignore[union-attr]
    assert fields["active"].has_default and fields["active"].default is True
    assert dict(fields["seats"].constraints) == {"min": 1, "max": 1000}
    assert dict(fields["planId"].constraints) == {"min_length": 1, "max_length": 40}
    assert fields["billing"].optional and not fields["tags"].optional
    (counter,) = program.package("p.counter").components
    assert {h.name: h.kind for h in counter.handlers} == {"add": "exclusive", "current": "shared"}
    (workflow,) = program.package("p.onboarding").components
    assert {h.name: h.kind for h in workflow.handlers} == {"run": "workflow", "confirm": "shared"}
    assert workflow.options.workflow_retention is None


def _shuffled(value: Any, rng: random.Random) -> Any:
    """`value` with every mapping's keys and every `required` list in another order; other lists
    (enum values, union members) keep theirs, which means something."""
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        shuffled = {k: _shuffled(v, rng) for k, v in items}
        if isinstance(shuffled.get("required"), list):
            shuffled["required"] = rng.sample(shuffled["required"], len(shuffled["required"]))
        return shuffled
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


@pytest.mark.parametrize("seed", range(5))
def test_the_order_the_api_answers_in_changes_nothing(seed: int) -> None:
    rng = random.Random(seed)
    for service in SERVICES:
        expected = service_file(service, "p", "x").text
        shuffled = _shuffled(copy.deepcopy(service), rng)
        rng.shuffle(shuffled["handlers"])
        assert service_file(shuffled, "p", "x").text == expected


def test_pulling_again_rewrites_nothing(tmp_path: Path) -> None:
    first = pull(ADMIN, tmp_path, [], "p", transport=_transport(SERVICES))
    stamps = {p: p.stat().st_mtime_ns for p in first.written}
    second = pull(ADMIN, tmp_path, [], "p", transport=_transport(SERVICES))
    assert (second.written, sorted(second.unchanged)) == ([], sorted(first.written))
    assert {p: p.stat().st_mtime_ns for p in second.unchanged} == stamps


def _service(input_schema: Any, kind: str = "Service", **handler: Any) -> dict[str, Any]:
    return {
        "name": "Odd",
        "ty": kind,
        "handlers": [{"name": "take", "input_json_schema": input_schema, **handler}],
    }


@pytest.mark.parametrize(
    ("schema", "pointer", "message"),
    [
        ({"allOf": [{"type": "string"}, {"minLength": 1}]}, "#", "'allOf' of several schemas"),
        ({"not": {"type": "string"}}, "#", "'not' cannot be expressed"),
        ({"type": "array", "prefixItems": [{"type": "string"}]}, "#/prefixItems", "a tuple"),
        ({"type": "object", "patternProperties": {"^x": {}}}, "#/patternProperties", "'patternProperties'"),
        ({"enum": [1, 2]}, "#", "an enum of values other than strings"),
        ({"$ref": "https://example.com/a.json"}, "#", "outside the schema"),
        (
            {"type": "object", "properties": {"first-name": {"type": "string"}}},
            "#/properties/first-name",
            "not a valid field name",
        ),
        (
            {"type": "object", "properties": {"n": {"type": "number", "multipleOf": 2}}},
            "#/properties/n/multipleOf",
            "not kept",
        ),
        ({"type": "number", "exclusiveMinimum": 0}, "#/exclusiveMinimum", "not kept"),
    ],
)
def test_what_the_language_cannot_say_is_a_warning_naming_service_handler_and_pointer(
    tmp_path: Path, schema: Any, pointer: str, message: str
) -> None:
    pulled = service_file(_service(schema), "p", f"{ADMIN}/services/Odd")
    assert pulled.text is not None
    (diagnostic,) = pulled.diagnostics
    assert diagnostic.severity is Severity.WARNING
    assert diagnostic.position.file == f"{ADMIN}/services/Odd"
    assert diagnostic.path == f"Odd/take input{pointer}"
    assert message in diagnostic.message
    (tmp_path / pulled.name).write_text(pulled.text)
    _compiles(tmp_path)


def test_an_inexpressible_schema_becomes_any_json(tmp_path: Path) -> None:
    pulled = service_file(_service({"not": {"type": "string"}}), "p", "x")
    assert pulled.text is not None and "input: any" in pulled.text


def test_names_that_meet_in_python_get_a_python_name(tmp_path: Path) -> None:
    service = {
        "name": "class",
        "ty": "Workflow",
        "handlers": [
            {"name": "run", "ty": "Workflow"},
            {"name": "getCount", "ty": "Shared"},
            {"name": "get_count", "ty": "Shared"},
            {"name": "output", "ty": "Shared"},
            {"name": "import", "ty": "Shared"},
        ],
    }
    pulled = service_file(service, "p", "x")
    assert pulled.text is not None and pulled.name == "class_service.restagen.yaml"
    (tmp_path / pulled.name).write_text(pulled.text)
    program = compile_paths([tmp_path]).program
    assert program is not None
    (component,) = program.packages[0].components
    assert component.py_name == "class_service"
    assert {h.name: h.py_name for h in component.handlers} == {
        "run": "run",
        "getCount": "get_count",
        "get_count": "get_count_2",
        "import": "import_handler",
        "output": "output_handler",
    }


@pytest.mark.parametrize(
    ("service", "handler", "module", "method"),
    [
        ("_1", "_2a", "service_1", "handler_2a"),
        ("Endpoint", "bind", "endpoint_service", "bind"),
        ("json", "x", "json_service", "x"),
    ],
)
def test_names_python_cannot_take_become_usable_ones(
    tmp_path: Path, service: str, handler: str, module: str, method: str
) -> None:
    pulled = service_file({"name": service, "ty": "Service", "handlers": [{"name": handler}]}, "p", "x")
    assert pulled.text is not None and pulled.name == f"{module}.restagen.yaml"
    (tmp_path / pulled.name).write_text(pulled.text)
    program = compile_paths([tmp_path]).program
    assert program is not None
    (component,) = program.packages[0].components
    assert (component.name, component.py_name, program.packages[0].name) == (service, module, f"p.{module}")
    assert [(h.name, h.py_name) for h in component.handlers] == [(handler, method)]


def test_a_workflow_whose_main_handler_is_not_run_is_an_error() -> None:
    pulled = service_file(
        {"name": "W", "ty": "Workflow", "handlers": [{"name": "main", "ty": "Workflow"}]}, "p", "x"
    )
    assert pulled.text is None
    assert [d.severity for d in pulled.diagnostics] == [Severity.ERROR]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1d", "1d"),
        ("1day 2h", "26h"),
        ("500ms", "500ms"),
        ("90s", "90s"),
        ("2 hours", "2h"),
        ("1w", "7d"),
        ("10us", None),
        ("soon", None),
        ("", None),
    ],
)
def test_durations_of_the_admin_api(text: str, expected: str | None) -> None:
    assert duration(text) == expected


def test_options_keep_what_differs_from_the_server_defaults() -> None:
    service = {
        "idempotency_retention": "2h",
        "journal_retention": "1d",
        "inactivity_timeout": "1m",
        "workflow_completion_retention": "3d",
        "public": False,
        "retry_policy": {"initial_interval": "500ms", "max_attempts": 5, "on_max_attempts": "Kill"},
    }
    assert component_options(service, "workflow") == (
        {
            "idempotency_retention": "2h",
            "workflow_retention": "3d",
            "ingress_private": True,
            "retry": {"max_attempts": 5, "on_max_attempts": "kill"},
        },
        [],
    )
    handler = {"name": "h", "public": True, "retry_policy": {"max_attempts": None}, "abort_timeout": "1h 30m"}
    assert handler_options(handler, "service") == ({"abort_timeout": "90m"}, [])
    assert handler_options({"inactivity_timeout": "1.5h"}, "service") == ({}, ["inactivity_timeout '1.5h'"])


def test_an_unreachable_or_unknown_service_is_an_admin_error(tmp_path: Path) -> None:
    with pytest.raises(AdminError, match="no such service"):
        pull(ADMIN, tmp_path, ["Nope"], "p", transport=_transport(SERVICES))

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(AdminError, match="cannot reach"):
        pull(ADMIN, tmp_path, [], "p", transport=httpx.MockTransport(refuse))


def test_the_cli_reports_an_unreachable_admin_api_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["pull", "--admin", "http://127.0.0.1:9", "-o", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "cannot reach" in captured.err and "Traceback" not in captured.err
    assert main(["pull", "--package", "json.x", "-o", str(tmp_path)]) == 1
    assert "--package" in capsys.readouterr().err


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from(["string", "object", "array", "x", "#/$defs/A"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "properties",
                    "items",
                    "enum",
                    "const",
                    "$ref",
                    "anyOf",
                    "oneOf",
                    "required",
                    "$defs",
                    "A",
                    "additionalProperties",
                    "format",
                    "minimum",
                    "pattern",
                    "description",
                    "default",
                    "a",
                    "null",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(schema=_JSON)
def test_any_schema_pulls_without_raising_and_compiles(
    tmp_path_factory: pytest.TempPathFactory, schema: Any
) -> None:
    pulled = service_file(_service(schema, output_json_schema=schema), "p", "x")
    assert pulled.text is not None
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / pulled.name).write_text(pulled.text)
    _compiles(folder)


def test_a_type_that_refers_to_itself_is_one_type_in_every_handler(tmp_path: Path) -> None:
    node = {
        "type": "object",
        "properties": {
            "value": {"type": "integer"},
            "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
            "meta": {"type": "object", "properties": {"parent": {"$ref": "#/$defs/Node"}}},
        },
        "required": ["value", "children"],
    }
    schema = {"$defs": {"Node": node}, "$ref": "#/$defs/Node"}
    handlers = [{"name": n, "input_json_schema": schema, "output_json_schema": schema} for n in ("a", "b")]
    pulled = service_file({"name": "Tree", "ty": "Service", "handlers": handlers}, "p", "x")
    assert pulled.text is not None
    assert "Node2" not in pulled.text and "input: Node\n" in pulled.text
    (tmp_path / pulled.name).write_text(pulled.text)
    _compiles(tmp_path)
