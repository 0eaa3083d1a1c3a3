"""One Restate service, as the admin API describes it, written as one definition file.

The file is a package of its own (`<prefix>.<service in snake_case>`), declaring the component
under its Restate name, its handlers with their kinds, documentation, options and the types their
input and output schemas describe. Everything is sorted, so the same service always gives the same
text. A handler without a schema takes or returns nothing: the admin API does not tell "no input"
from "any JSON", and a client sending nothing is what both accept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from restagen.compiler.frontends.export import to_yaml
from restagen.compiler.pull.jsonschema import Translator, Types
from restagen.compiler.pull.options import component_options, handler_options
from restagen.compiler.resolve.binder import WORKFLOW_CLIENT_METHODS
from restagen.compiler.resolve.names import APP_NAMES, TAKEN_TOP_LEVEL, check_snake, pascal, snake
from restagen.diagnostics import Diagnostic, Position, Severity

__all__ = ["PulledFile", "service_file"]

_KINDS = {"Service": "service", "VirtualObject": "object", "Workflow": "workflow"}
_SECTIONS = {"service": "services", "object": "objects", "workflow": "workflows"}


@dataclass
class PulledFile:
    name: str
    """The file name, `<service in snake_case>.restagen.yaml`."""
    text: str | None
    """The YAML text; None when the service cannot be written (see the diagnostics)."""
    diagnostics: list[Diagnostic] = field(default_factory=list)


def module_name(service: str) -> str:
    """The last part of the package, the file's stem and the component's Python name, for a
    Restate service name."""
    name = snake(service)
    if not name[:1].isalpha():
        name = f"service_{name}".rstrip("_")
    if check_snake(name) or name in TAKEN_TOP_LEVEL or name in APP_NAMES:
        name = f"{name}_service"
    return name


def service_file(service: dict[str, Any], prefix: str, source: str) -> PulledFile:
    """The definition file of `service` (one entry of the admin API), in package `prefix.<name>`."""
    name = str(service.get("name", ""))
    stem = module_name(name)
    pulled = PulledFile(f"{stem}.restagen.yaml", None)

    def report(message: str, path: str = "", severity: Severity = Severity.WARNING) -> None:
        code = "pull" if severity is Severity.WARNING else "pull-error"
        pulled.diagnostics.append(Diagnostic(code, message, Position(source), path, severity=severity))

    kind = _KINDS.get(str(service.get("ty")))
    if kind is None:
        report(f"unknown service type {service.get('ty')!r}", name, Severity.ERROR)
        return pulled
    types = Types()
    component = _component(service, name, kind, stem, types, report)
    if component is None:
        return pulled
    document: dict[str, Any] = {
        "restagen": 1,
        "package": f"{prefix}.{stem}",
        "description": f"The Restate {kind} {name}, as its admin API describes it (written by restagen pull).",
    }
    declared = types.sorted()
    if declared:
        document["types"] = declared
    document[_SECTIONS[kind]] = {name: component}
    pulled.text = to_yaml(document)
    return pulled


def _component(
    service: dict[str, Any], name: str, kind: str, stem: str, types: Types, report: Any
) -> dict[str, Any] | None:
    """The component's definition, its types added to `types`; None when it cannot be written."""
    handlers: dict[str, Any] = {}
    run: dict[str, Any] | None = None
    entries = sorted(
        (h for h in service.get("handlers", []) if isinstance(h, dict)), key=lambda h: str(h.get("name"))
    )
    methods = _methods([str(h.get("name")) for h in entries], kind)
    for handler in entries:
        hname = str(handler.get("name"))
        where = f"{name}/{hname}"
        body = _handler(handler, kind, types, hname, report, where)
        if methods[hname] != snake(hname):
            body["python_name"] = methods[hname]
        if kind == "workflow" and handler.get("ty") == "Workflow":
            if hname != "run":
                message = f"the workflow's main handler is '{hname}'; restagen's workflows run 'run'"
                report(message, where, Severity.ERROR)
                return None
            run = body
        else:
            handlers[hname] = body
    component: dict[str, Any] = _described(service)
    if stem != snake(name):
        component["python_name"] = stem
    component.update({"run": run} if run is not None else {})
    component.update({"handlers": handlers} if handlers else {})
    options, unread = component_options(service, kind)
    for item in unread:
        report(f"option {item} is no duration the definition language has: not kept", name)
    if options:
        component["options"] = options
    return component


def _handler(
    handler: dict[str, Any], kind: str, types: Types, hname: str, report: Any, where: str
) -> dict[str, Any]:
    body: dict[str, Any] = _described(handler)
    if kind == "object" and handler.get("ty") == "Shared":
        body["kind"] = "shared"
    base = pascal(snake(hname)) or "Handler"
    for key, schema_key, suffix in (
        ("input", "input_json_schema", "Request"),
        ("output", "output_json_schema", "Response"),
    ):
        if schema_key in handler:

            def at(pointer: str, message: str, key: str = key) -> None:
                report(message, f"{where} {key}{pointer}")

            body[key] = Translator(types, handler[schema_key], at).use(handler[schema_key], f"{base}{suffix}")
    options, unread = handler_options(handler, kind)
    for item in unread:
        report(f"option {item} is no duration the definition language has: not kept", where)
    if options:
        body["options"] = options
    return body


def _described(entry: dict[str, Any]) -> dict[str, Any]:
    """`{"description": ...}` from the admin API's documentation of a service or handler, if any."""
    text = entry.get("documentation")
    return {"description": text} if isinstance(text, str) and text.strip() else {}


def _methods(names: list[str], kind: str) -> dict[str, str]:
    """The Python method of each handler: its snake_case name, or a numbered one where two meet
    or the name is not usable (a keyword, a workflow client's own method)."""
    taken: set[str] = set()
    result: dict[str, str] = {}
    derived = {snake(name) for name in names}
    for name in names:
        method = snake(name)
        if not method[:1].isalpha():
            method = f"handler_{method}".rstrip("_")
        if check_snake(method) or (
            kind == "workflow" and method in WORKFLOW_CLIENT_METHODS and name != "run"
        ):
            method = f"{method}_handler".lstrip("_")
        base, number = method, 1
        while method in taken or (method.startswith("send_") and method.removeprefix("send_") in derived):
            number += 1
            method = f"{base}_{number}"
        taken.add(method)
        result[name] = method
    return result
