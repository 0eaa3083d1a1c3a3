"""Comparison of components: services, objects and workflows, their handlers, state and promises.

Components are matched by name across all packages (Restate's names are global, whatever package
declares them), handlers by name within their component. A removed one may have been renamed:
the finding says so when exactly one added element looks the same.
"""

from __future__ import annotations

from restagen.compiler import ir
from restagen.compiler.evolution import flows
from restagen.compiler.evolution.collect import Findings
from restagen.compiler.evolution.located import Loc, SchemaSet, component_path, handler_path
from restagen.compiler.evolution.types import compare_fields, describe

__all__ = ["compare_components"]

_Owned = tuple[ir.Package, ir.Component]


def compare_components(found: Findings) -> None:
    _Components(found).components()


def _by_name(schemas: SchemaSet) -> dict[str, _Owned]:
    return {c.name: (p, c) for p in schemas.program.packages for c in p.components}


def _serde(package: ir.Package, component: ir.Component, handler: ir.Handler | None = None) -> str:
    """The codec of a handler's input and output (or, without a handler, of the state)."""
    chosen = handler.options.serde if handler is not None else None
    return chosen or component.options.serde or package.serde or "json"


def _private(component: ir.Component, handler: ir.Handler | None = None) -> bool:
    chosen = handler.options.ingress_private if handler is not None else None
    return bool(chosen if chosen is not None else component.options.ingress_private)


class _Components:
    def __init__(self, found: Findings) -> None:
        self.found = found
        self.old = found.old
        self.new = found.new
        self.add = found.add

    def components(self) -> None:
        before, after = _by_name(self.old), _by_name(self.new)
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
            self.found.value(was, now, flow, f"{path}.{side}", old_loc, new_loc, Loc(new_package.name, base))
        kept = {str(e) for e in after.subscribe}
        for index, event in enumerate(before.subscribe):
            if str(event) not in kept:
                eloc = Loc(old_package.name, (*old_base, "subscribe", index))
                why = (
                    f"the registry still delivers {event} to it, under the subscription made for the old code"
                )
                self.add("subscription-removed", eloc, path, why, old=True)

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
            self.found.changes(changes, flow, f"{after.name}.{section}.{fld.name}")


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
