"""The comparison of two schema sets, element kind by element kind.

Components and sagas are matched by name (Restate's names are global, whatever package declares
them), handlers by name within their component, events and errors by their qualified name. Each
`_Comparison` method compares one kind of element and adds findings; the types they carry are
compared structurally (`types`) and judged by the way their values travel (`flows`).
"""

from __future__ import annotations

from restagen.compiler import ir
from restagen.compiler.evolution import flows
from restagen.compiler.evolution.findings import Finding, sorted_findings
from restagen.compiler.evolution.located import Loc, SchemaSet, component_path, handler_path
from restagen.compiler.evolution.types import Change, Kind, compare_fields, compare_types, describe

__all__ = ["compare"]

_Owned = tuple[ir.Package, ir.Component]


def compare(old: SchemaSet, new: SchemaSet) -> list[Finding]:
    """Every finding between the old schema set and the new one, sorted."""
    comparison = _Comparison(old, new)
    comparison.components()
    comparison.sagas()
    comparison.events()
    comparison.errors()
    return sorted_findings(comparison.findings)


def _components(schemas: SchemaSet) -> dict[str, _Owned]:
    return {c.name: (p, c) for p in schemas.program.packages for c in p.components}


def _serde(package: ir.Package, component: ir.Component, handler: ir.Handler | None = None) -> str:
    """The codec of a handler's input and output (or, without a handler, of the state)."""
    chosen = handler.options.serde if handler is not None else None
    return chosen or component.options.serde or package.serde or "json"


def _private(component: ir.Component, handler: ir.Handler | None = None) -> bool:
    chosen = handler.options.ingress_private if handler is not None else None
    return bool(chosen if chosen is not None else component.options.ingress_private)


class _Comparison:
    def __init__(self, old: SchemaSet, new: SchemaSet) -> None:
        self.old = old
        self.new = new
        self.findings: list[Finding] = []

    def add(self, rule_id: str, loc: Loc, path: str, message: str, *, old: bool = False) -> None:
        position = (self.old if old else self.new).position(loc)
        self.findings.append(Finding(rule_id, position, path, message))

    def changes(self, changes: list[Change], flow: flows.Flow, path: str) -> None:
        """A finding per change: under the rule it breaks, else as compatible."""
        for change in changes:
            where = f"{path}{change.path}"
            verdict = flow.rule(change.kind)
            if verdict is None:
                rule_id, message = "compatible", change.detail
            else:
                rule_id, whom = verdict
                message = f"{change.detail}; breaks {whom}"
            if change.new is not None:
                self.add(rule_id, change.new, where, message)
            else:
                assert change.old is not None
                self.add(rule_id, change.old, where, message, old=True)

    # Components and handlers.

    def components(self) -> None:
        before, after = _components(self.old), _components(self.new)
        for name, (package, component) in before.items():
            if name not in after:
                loc = Loc(package.name, component_path(component))
                why = f"callers of {component.kind} {name} get 'not found'"
                self.add("component-removed", loc, name, why + _renamed(component, before, after), old=True)
                continue
            new_package, new_component = after[name]
            loc = Loc(new_package.name, component_path(new_component))
            if component.kind != new_component.kind:
                why = (
                    f"{component.kind} -> {new_component.kind}: old callers address it as a {component.kind}"
                )
                self.add("component-kind", loc, name, why)
                continue
            self.component((package, component), after[name])
        for name, (package, component) in after.items():
            if name not in before:
                self.add(
                    "component-added",
                    Loc(package.name, component_path(component)),
                    name,
                    f"new {component.kind}",
                )

    def component(self, old: _Owned, new: _Owned) -> None:
        (old_package, before), (new_package, after) = old, new
        loc = Loc(new_package.name, component_path(after))
        if _private(after) and not _private(before):
            self.add("ingress-private", loc, after.name, "callers through the ingress are refused now")
        if (before.state or before.promises) and _serde(old_package, before) != _serde(new_package, after):
            codecs = f"{_serde(old_package, before)} -> {_serde(new_package, after)}"
            self.add("codec-changed", loc, f"{after.name}.state", f"{codecs}: stored values no longer decode")
        old_handlers = {h.name: h for h in before.handlers}
        new_handlers = {h.name: h for h in after.handlers}
        for name, handler in old_handlers.items():
            if name not in new_handlers:
                hloc = Loc(old_package.name, handler_path(before, handler))
                why = "calls of old clients, and invocations queued for it, fail" + _renamed_handler(
                    handler, old_handlers, new_handlers
                )
                self.add("handler-removed", hloc, f"{before.name}.{name}", why, old=True)
            else:
                self.handler(old, new, handler, new_handlers[name])
        for name, handler in new_handlers.items():
            if name not in old_handlers:
                hloc = Loc(new_package.name, handler_path(after, handler))
                self.add("handler-added", hloc, f"{after.name}.{name}", "new handler")
        self.keyed(old, new, "state", flows.STATE)
        self.keyed(old, new, "promises", flows.PROMISE)

    def handler(self, old: _Owned, new: _Owned, before: ir.Handler, after: ir.Handler) -> None:
        (old_package, old_component), (new_package, new_component) = old, new
        base = handler_path(new_component, after)
        old_base = handler_path(old_component, before)
        path = f"{new_component.name}.{after.name}"
        loc = Loc(new_package.name, base)
        if _private(new_component, after) and not _private(old_component, before):
            self.add("ingress-private", loc, path, "callers through the ingress are refused now")
        old_serde, new_serde = (
            _serde(old_package, old_component, before),
            _serde(new_package, new_component, after),
        )
        if old_serde != new_serde and (before.input or before.output):
            self.add(
                "codec-changed",
                loc,
                path,
                f"{old_serde} -> {new_serde}: old callers' values no longer decode",
            )
        run = new_component.kind == "workflow" and after.kind == "workflow"
        for side, flow in (("input", flows.INPUT), ("output", flows.RUN_OUTPUT if run else flows.OUTPUT)):
            was, now = getattr(before, side), getattr(after, side)
            old_loc = Loc(old_package.name, (*old_base, side))
            new_loc = Loc(new_package.name, (*base, side))
            self.value(was, now, flow, f"{path}.{side}", old_loc, new_loc, Loc(new_package.name, base))
        kept = {str(e) for e in after.subscribe}
        for index, event in enumerate(before.subscribe):
            if str(event) not in kept:
                eloc = Loc(old_package.name, (*old_base, "subscribe", index))
                why = (
                    f"the registry still delivers {event} to it, under the subscription made for the old code"
                )
                self.add("subscription-removed", eloc, path, why, old=True)

    def value(
        self,
        was: ir.TypeRef | None,
        now: ir.TypeRef | None,
        flow: flows.Flow,
        path: str,
        old_loc: Loc,
        new_loc: Loc,
        handler_loc: Loc,
    ) -> None:
        """A handler's input or output, either of which may be none (no body at all)."""
        if was is not None and now is not None:
            self.changes(compare_types(self.old, self.new, was, now, old_loc, new_loc), flow, path)
            return
        if was is None and now is not None:
            detail = f"none -> {describe(now)}"
            rules, whom = (
                (None if isinstance(now, ir.Nullable) else flow.new_reads_old),
                f"{flow.why_new}, which carry none",
            )
        elif was is not None and now is None:
            detail = f"{describe(was)} -> none"
            if flow.new_reads_old is not None:  # Restate refuses a body for a handler that takes none
                rules, whom = flow.new_reads_old, f"{flow.why_new}, which carry one"
            else:
                rules, whom = flow.old_reads_new, f"{flow.why_old}, which expect one"
        else:
            return
        loc = new_loc if now is not None else handler_loc
        if rules is None:
            self.add("compatible", loc, path, detail)
        else:
            self.add(rules[Kind.REPLACED], loc, path, f"{detail}; breaks {whom}")

    def keyed(self, old: _Owned, new: _Owned, section: str, flow: flows.Flow) -> None:
        """State keys or promises present on both sides; a key may come and go freely."""
        (old_package, before), (new_package, after) = old, new
        old_fields = {f.name: f for f in getattr(before, section)}
        for fld in getattr(after, section):
            was = old_fields.get(fld.name)
            if was is None:
                continue
            old_loc = Loc(old_package.name, (*component_path(before), section, fld.name))
            new_loc = Loc(new_package.name, (*component_path(after), section, fld.name))
            changes = compare_fields(self.old, self.new, was, fld, "", old_loc, new_loc)
            self.changes(changes, flow, f"{after.name}.{section}.{fld.name}")

    # Sagas, events and errors.

    def sagas(self) -> None:
        before = {s.name: (p, s) for p in self.old.program.packages for s in p.sagas}
        after = {s.name: (p, s) for p in self.new.program.packages for s in p.sagas}
        for name, (package, saga) in before.items():
            if name not in after:
                loc = Loc(package.name, ("sagas", name))
                why = "running sagas of it have no workflow left to read their state"
                self.add("saga-removed", loc, name, why, old=True)
                continue
            new_package, new_saga = after[name]
            old_loc = Loc(package.name, ("sagas", name, "data"), key=False)
            new_loc = Loc(new_package.name, ("sagas", name, "data"), key=False)
            changes = compare_types(self.old, self.new, saga.data, new_saga.data, old_loc, new_loc)
            self.changes(changes, flows.SAGA_DATA, f"{name}.data")
        for name, (package, _) in after.items():
            if name not in before:
                self.add("saga-added", Loc(package.name, ("sagas", name)), name, "new saga")

    def events(self) -> None:
        subscribers = _subscribers(self.old) | _subscribers(self.new)
        after = {f"{p.name}.{e.name}": (p, e) for p in self.new.program.packages for e in p.events}
        for package in self.old.program.packages:
            for event in package.events:
                name = f"{package.name}.{event.name}"
                readers = sorted(subscribers.get(name, ()))
                handlers = ", ".join(readers)
                if name not in after:
                    if readers:
                        why = f"subscribed by {handlers}: old publishers' events of it find no handler"
                        self.add(
                            "event-removed", Loc(package.name, ("events", event.name)), name, why, old=True
                        )
                    continue
                new_package, new_event = after[name]
                if new_event.version == event.version:
                    continue
                loc = Loc(new_package.name, ("events", event.name))
                change = f"version {event.version} -> {new_event.version}"
                if readers:
                    why = (
                        f"subscribed by {handlers}: events of the other version go to the registry's "
                        f"undelivered list while publishers and subscribers differ ({change})"
                    )
                    self.add("event-changed", loc, name, why)
                else:
                    self.add("event-changed-unsubscribed", loc, name, change)

    def errors(self) -> None:
        after = {f"{p.name}.{e.name}": e for p in self.new.program.packages for e in p.errors}
        for package in self.old.program.packages:
            for error in package.errors:
                name = f"{package.name}.{error.name}"
                if name in after:
                    new_details = after[name].details
                    changes = compare_types(
                        self.old,
                        self.new,
                        error.details,
                        new_details,
                        self.old.decl(error.details),
                        self.new.decl(new_details),
                    )
                    self.changes(changes, flows.ERROR, name)


def _subscribers(schemas: SchemaSet) -> dict[str, set[str]]:
    """Qualified event name -> the handlers subscribed to it, as `component.handler`."""
    found: dict[str, set[str]] = {}
    for package in schemas.program.packages:
        for component in package.components:
            for handler in component.handlers:
                for event in handler.subscribe:
                    found.setdefault(str(event), set()).add(f"{component.name}.{handler.name}")
    return found


def _renamed(component: ir.Component, before: dict[str, _Owned], after: dict[str, _Owned]) -> str:
    """A hint when one new component of the same kind has the same handlers: a rename, likely."""
    handlers = sorted(h.name for h in component.handlers)
    candidates = [
        name
        for name, (_, c) in after.items()
        if name not in before and c.kind == component.kind and sorted(h.name for h in c.handlers) == handlers
    ]
    return f" (renamed to {candidates[0]}? the name is the address)" if len(candidates) == 1 else ""


def _renamed_handler(handler: ir.Handler, before: dict[str, ir.Handler], after: dict[str, ir.Handler]) -> str:
    def shape(h: ir.Handler) -> tuple[str, str]:
        return (describe(h.input) if h.input else "", describe(h.output) if h.output else "")

    candidates = [n for n, h in after.items() if n not in before and shape(h) == shape(handler)]
    return f" (renamed to {candidates[0]}? the name is the address)" if len(candidates) == 1 else ""
