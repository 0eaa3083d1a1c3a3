"""Comparison of sagas, events and declared errors.

Sagas are matched by name (each runs as the Restate workflow of that name); events and errors by
their qualified names (`package.Name`), which is what travels with them. An event's subscribers
are those of the old and of the new definitions: the registry holds the subscriptions of both.
"""

from __future__ import annotations

from restagen.compiler.evolution import flows
from restagen.compiler.evolution.collect import Findings
from restagen.compiler.evolution.located import Loc, SchemaSet
from restagen.compiler.evolution.types import compare_types

__all__ = ["compare_errors", "compare_events", "compare_sagas"]


def compare_sagas(found: Findings) -> None:
    before = {s.name: (p, s) for p in found.old.program.packages for s in p.sagas}
    after = {s.name: (p, s) for p in found.new.program.packages for s in p.sagas}
    for name, (package, saga) in before.items():
        if name not in after:
            loc = Loc(package.name, ("sagas", name))
            why = "running sagas of it have no workflow left to read their state"
            found.add("saga-removed", loc, name, why, old=True)
            continue
        new_package, new_saga = after[name]
        old_loc = Loc(package.name, ("sagas", name, "data"), key=False)
        new_loc = Loc(new_package.name, ("sagas", name, "data"), key=False)
        changes = compare_types(found.old, found.new, saga.data, new_saga.data, old_loc, new_loc)
        found.changes(changes, flows.SAGA_DATA, f"{name}.data")
    for name, (package, _) in after.items():
        if name not in before:
            found.add("saga-added", Loc(package.name, ("sagas", name)), name, "new saga")


def compare_events(found: Findings) -> None:
    subscribers = _subscribers(found.old, found.new)
    after = {f"{p.name}.{e.name}": (p, e) for p in found.new.program.packages for e in p.events}
    for package in found.old.program.packages:
        for event in package.events:
            name = f"{package.name}.{event.name}"
            readers = sorted(subscribers.get(name, ()))
            handlers = ", ".join(readers)
            if name not in after:
                if readers:
                    why = f"subscribed by {handlers}: old publishers' events of it find no handler"
                    found.add("event-removed", Loc(package.name, ("events", event.name)), name, why, old=True)
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
                found.add("event-changed", loc, name, why)
            else:
                found.add("event-changed-unsubscribed", loc, name, change)


def compare_errors(found: Findings) -> None:
    after = {f"{p.name}.{e.name}": e for p in found.new.program.packages for e in p.errors}
    for package in found.old.program.packages:
        for error in package.errors:
            name = f"{package.name}.{error.name}"
            if name in after:
                new_details = after[name].details
                changes = compare_types(
                    found.old,
                    found.new,
                    error.details,
                    new_details,
                    found.old.decl(error.details),
                    found.new.decl(new_details),
                )
                found.changes(changes, flows.ERROR, name)


def _subscribers(*schema_sets: SchemaSet) -> dict[str, set[str]]:
    """Qualified event name -> the handlers subscribed to it in any of the sets, as `component.handler`."""
    found: dict[str, set[str]] = {}
    for schemas in schema_sets:
        for package in schemas.program.packages:
            for component in package.components:
                for handler in component.handlers:
                    for event in handler.subscribe:
                        found.setdefault(str(event), set()).add(f"{component.name}.{handler.name}")
    return found
