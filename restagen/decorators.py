"""The Protocol-style front end, user side: decorators that attach restagen metadata to Python classes.

A module of `typing.Protocol` classes decorated `@service("order")`, `@object("consumer", state=...)` or
`@workflow("signup", promises=...)`, classes decorated `@saga("book_trip", data=...)` whose attributes are
`step(...)`s, with pydantic models, dataclasses and enums as types, declares the same definitions as a
`.restagen.yaml` file; `restagen.compiler.frontends.protocol` reads it. Nothing here imports the
compiler: the decorators only record what they were given, so user code stays light and importable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar, Literal, TypeVar

__all__ = [
    "COMPONENT_ATTR",
    "EVENT_ATTR",
    "HANDLER_ATTR",
    "SAGA_ATTR",
    "Error",
    "ProtocolComponent",
    "ProtocolHandler",
    "ProtocolSaga",
    "ProtocolStep",
    "duration_text",
    "event",
    "handler",
    "object",
    "saga",
    "service",
    "step",
    "workflow",
]

COMPONENT_ATTR = "__restagen_component__"
HANDLER_ATTR = "__restagen_handler__"
EVENT_ATTR = "__restagen_event__"
SAGA_ATTR = "__restagen_saga__"

C = TypeVar("C", bound=type)
F = TypeVar("F", bound=Callable[..., Any])

Options = Mapping[str, Any]
"""Restate options as in the definition language; durations may be `timedelta`s or texts like `"1m"`."""


@dataclass(frozen=True)
class ProtocolComponent:
    """What `@service`, `@object` or `@workflow` recorded on a class."""

    kind: Literal["service", "object", "workflow"]
    name: str
    state: Mapping[str, Any] = field(default_factory=dict)
    promises: Mapping[str, Any] = field(default_factory=dict)
    options: Options | None = None
    middleware: tuple[str, ...] = ()
    description: str | None = None


@dataclass(frozen=True)
class ProtocolHandler:
    """What `@handler` recorded on a method."""

    kind: Literal["exclusive", "shared"] | None = None
    errors: tuple[type[Error] | str, ...] = ()
    subscribe: tuple[Any, ...] = ()
    options: Options | None = None
    middleware: tuple[str, ...] = ()
    description: str | None = None
    kafka: Mapping[str, Any] | None = None


def _component(info: ProtocolComponent) -> Callable[[C], C]:
    def mark(cls: C) -> C:
        setattr(cls, COMPONENT_ATTR, info)
        return cls

    return mark


def service(
    name: str,
    *,
    options: Options | None = None,
    middleware: Sequence[str] = (),
    description: str | None = None,
) -> Callable[[C], C]:
    """Declare a stateless Restate service; its methods are the handlers."""
    return _component(ProtocolComponent("service", name, {}, {}, options, tuple(middleware), description))


# Named after the Restate concept users write as `restagen.object`, shadowing the builtin on purpose.
def object(
    name: str,
    *,
    state: Mapping[str, Any] | None = None,
    options: Options | None = None,
    middleware: Sequence[str] = (),
    description: str | None = None,
) -> Callable[[C], C]:
    """Declare a Restate virtual object with typed state keys (`state={"orders": list[str]}`)."""
    return _component(
        ProtocolComponent("object", name, dict(state or {}), {}, options, tuple(middleware), description)
    )


def workflow(
    name: str,
    *,
    state: Mapping[str, Any] | None = None,
    promises: Mapping[str, Any] | None = None,
    options: Options | None = None,
    middleware: Sequence[str] = (),
    description: str | None = None,
) -> Callable[[C], C]:
    """Declare a Restate workflow: its `run` method is the workflow, other methods are shared handlers."""
    return _component(
        ProtocolComponent(
            "workflow",
            name,
            dict(state or {}),
            dict(promises or {}),
            options,
            tuple(middleware),
            description,
        )
    )


def handler(
    *,
    kind: Literal["exclusive", "shared"] | None = None,
    errors: Sequence[type[Error] | str] = (),
    subscribe: Sequence[Any] = (),
    options: Options | None = None,
    middleware: Sequence[str] = (),
    description: str | None = None,
    kafka: Mapping[str, Any] | None = None,
) -> Callable[[F], F]:
    """Per-handler metadata: kind, declared errors, subscribed events, options and middleware.

    `kafka={"topic": ..., "cluster": ..., "options": {...}}` binds an event handler to a Kafka topic,
    as the `kafka` key of the definition language does.
    """
    info = ProtocolHandler(
        kind, tuple(errors), tuple(subscribe), options, tuple(middleware), description, kafka
    )

    def mark(func: F) -> F:
        setattr(func, HANDLER_ATTR, info)
        return func

    return mark


def event(cls: C) -> C:
    """Declare a pydantic model or dataclass as a pub/sub event type."""
    setattr(cls, EVENT_ATTR, True)
    return cls


class Error(Exception):
    """Base of declared errors: subclass it, set `code` and annotate the fields.

    ```
    class OrderNotFound(restagen.Error):
        code = 404
        order_id: str
    ```
    """

    code: ClassVar[int] = 500

    def __init__(self, **fields: Any) -> None:
        super().__init__(", ".join(f"{k}={v!r}" for k, v in fields.items()))
        for key, value in fields.items():
            setattr(self, key, value)


def duration_text(value: timedelta | str) -> str:
    """A duration as the definition language writes it: `100ms`, `10s`, `5m`, `1h`, `1d`."""
    if isinstance(value, str):
        return value
    millis = round(value.total_seconds() * 1000)
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if millis and millis % size == 0:
            return f"{millis // size}{unit}"
    return f"{millis}ms"


@dataclass(frozen=True)
class ProtocolSaga:
    """What `@saga` recorded on a class."""

    name: str
    data: Any
    options: Options | None = None
    description: str | None = None


@dataclass(frozen=True)
class ProtocolStep:
    """One step of a saga, as `step(...)` recorded it; its name is the attribute it is assigned to.

    Participants are `"component.handler"` texts or handler methods of decorated component classes
    (`Airline.book`); reply types are classes or type expression texts; errors are classes or names.
    """

    invoke: Any = None
    compensate: Any = None
    key: str | None = None
    on_reply: Mapping[Any, str] = field(default_factory=dict)
    on_error: Mapping[Any, str] = field(default_factory=dict)
    local: bool = False
    saga: Any = None
    when: str | None = None
    description: str | None = None


def saga(
    name: str, *, data: Any, options: Options | None = None, description: str | None = None
) -> Callable[[C], C]:
    """Declare a saga: `data` is its persisted data type, the class's `step(...)` attributes its steps."""
    info = ProtocolSaga(name, data, options, description)

    def mark(cls: C) -> C:
        setattr(cls, SAGA_ATTR, info)
        return cls

    return mark


def step(
    *,
    invoke: Any = None,
    compensate: Any = None,
    key: str | None = None,
    on_reply: Mapping[Any, str] | None = None,
    on_error: Mapping[Any, str] | None = None,
    local: bool = False,
    saga: Any = None,
    when: str | None = None,
    description: str | None = None,
) -> ProtocolStep:
    """One step of a saga, with the keys of a step in the definition language; `saga` is another
    saga's class or name, `compensate=True` gives a local step a compensation of its own."""
    return ProtocolStep(
        invoke, compensate, key, dict(on_reply or {}), dict(on_error or {}), local, saga, when, description
    )
