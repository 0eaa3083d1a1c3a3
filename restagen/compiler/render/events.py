"""The events module of a package: one `EventSpec` per declared event, and a typed publisher."""

from __future__ import annotations

import re
from dataclasses import dataclass

from restagen.compiler import ir
from restagen.compiler.render import expressions
from restagen.compiler.render.annotations import Imports
from restagen.compiler.render.header import header
from restagen.compiler.render.templates import render_template
from restagen.compiler.resolve.names import pascal

__all__ = ["event_constant", "events_module_alias", "publisher_class", "render_events"]


def event_constant(name: str) -> str:
    """`OrderCreated` → `ORDER_CREATED`: the spec's name in the events module."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


def events_module_alias(package: str) -> str:
    """How other packages' modules import an events module: `ftgo.kitchen` → `ftgo_kitchen_events`."""
    return f"{package.replace('.', '_')}_events"


def publisher_class(package: ir.Package) -> str:
    """`ftgo.orders` → `OrdersEvents`."""
    return f"{pascal(package.name.rsplit('.', 1)[-1])}Events"


@dataclass(frozen=True)
class _Event:
    decl: ir.EventDecl
    constant: str
    method: str
    codec: str


def _method(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def render_events(package: ir.Package) -> str:
    options = f", unknown_fields={package.unknown_fields!r}" if package.unknown_fields else ""
    events = [
        _Event(decl, event_constant(decl.name), _method(decl.name), f"JsonCodec({decl.name}{options})")
        for decl in package.events
    ]
    models = Imports({(".models", decl.name) for decl in package.events})
    return render_template(
        "events.py.jinja",
        header=header(package),
        package=package,
        events=events,
        specs=expressions.tuple_of(e.constant for e in events),
        model_imports=models.lines(),
        publisher=publisher_class(package),
    )
