"""Middleware: code that runs before a handler, or around it.

A before middleware is an async function `(ctx, component, handler) -> None`, an object with such
a `handle` method, or a class whose instances have one (built by the injector, so its constructor
parameters are injected); a raise aborts the invocation. An around middleware is an async function
`(ctx, component, handler, proceed)`, or an object or class with such an `around` method: it
awaits `proceed()` to run the rest of the chain and the handler, sees the result or the exception,
and returns the result. Each gets the handler's typed context, the metadata of the component
(`ComponentInfo`) and of the handler (`HandlerInfo`). Chains run global → component → handler,
each level in registration order; a declared error of the handler reaches the caller as itself.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, runtime_checkable

from restagen.runtime._core.context import HandlerContext
from restagen.runtime._core.specs import ComponentKind, ComponentSpec, HandlerKind, HandlerSpec, Options
from restagen.runtime._record import Record

__all__ = [
    "AroundFunction",
    "AroundMiddleware",
    "ComponentInfo",
    "HandlerInfo",
    "Middleware",
    "MiddlewareFunction",
    "MiddlewareLike",
    "Proceed",
    "is_around_function",
    "label",
]


class HandlerInfo(Record):
    """What a middleware knows of the handler it runs before."""

    name: str
    kind: HandlerKind | None
    input_type: Any
    """The request's type (None when the handler takes nothing)."""
    output_type: Any
    """The result's type (None when the handler returns nothing)."""
    options: Options
    middleware: tuple[str, ...]
    """The names of this handler's own middleware (schema names, then those given in code)."""
    spec: HandlerSpec[Any, Any]


class ComponentInfo(Record):
    """What a middleware knows of the service, object or workflow it runs in."""

    name: str
    kind: ComponentKind
    implementation: type
    handlers: tuple[str, ...]
    middleware: tuple[str, ...]
    """The names of the component's own middleware (schema names, then those given in code)."""
    spec: ComponentSpec


MiddlewareFunction = Callable[[HandlerContext[Any], ComponentInfo, HandlerInfo], Awaitable[None]]


@runtime_checkable
class Middleware(Protocol):
    """A middleware object: its `handle` runs before the handler."""

    async def handle(
        self, ctx: HandlerContext[Any], component: ComponentInfo, handler: HandlerInfo
    ) -> None: ...


Proceed = Callable[[], Awaitable[Any]]
"""Runs the rest of the chain and the handler (once); returns the handler's result or raises."""

AroundFunction = Callable[[HandlerContext[Any], ComponentInfo, HandlerInfo, Proceed], Awaitable[Any]]


@runtime_checkable
class AroundMiddleware(Protocol):
    """A middleware object whose `around` runs the handler by awaiting `proceed()`."""

    async def around(
        self, ctx: HandlerContext[Any], component: ComponentInfo, handler: HandlerInfo, proceed: Proceed
    ) -> Any: ...


MiddlewareLike = (
    MiddlewareFunction
    | AroundFunction
    | Middleware
    | AroundMiddleware
    | type[Middleware]
    | type[AroundMiddleware]
)
"""What can be registered as middleware: a function, an object, or a class to instantiate."""


def is_around_function(function: Callable[..., Any]) -> bool:
    """Whether `function` takes a `proceed` continuation: a fourth required positional parameter."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    required = [
        p
        for p in parameters
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    return len(required) >= 4


def label(middleware: MiddlewareLike | str) -> str:
    """The name a middleware goes by in metadata: its schema name, or its function or class name."""
    if isinstance(middleware, str):
        return middleware
    if isinstance(middleware, type) or inspect.isroutine(middleware):
        return str(middleware.__qualname__)
    return type(middleware).__qualname__
