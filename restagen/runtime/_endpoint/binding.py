"""Binding: an implementation object and its `ComponentSpec` become a restate-sdk component.

Each handler is registered with raw bytes in and out, so that restagen's codecs do the decoding:
a body that does not decode ends the invocation terminally with 400 and the failing fields, where
the SDK would answer 500; a declared error leaves as a TerminalError that carries its fields; any
other exception is left to Restate to retry. The JSON Schemas of the codecs go to discovery.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import restate
from restate.exceptions import TerminalError
from restate.handler import TypeHint
from restate.retry_policy import InvocationRetryPolicy
from restate.serde import BytesSerde

from restagen.runtime._core.codecs import Codec, CodecError
from restagen.runtime._core.errors import DeclaredError
from restagen.runtime._core.specs import ComponentSpec, HandlerSpec, Options
from restagen.runtime._endpoint.chain import Before, Chain
from restagen.runtime._endpoint.headers import HeaderPolicy
from restagen.runtime._endpoint.injection import Invocation
from restagen.runtime._record import Record
from restagen.runtime.events._spec import EVENT_HEADER, EVENT_VERSION_HEADER, SUBSCRIBES_METADATA

__all__ = ["Pipeline", "RestateComponent", "bind"]

RestateComponent = restate.Service | restate.VirtualObject | restate.Workflow

_BYTES = BytesSerde()


def _retry(options: Options) -> InvocationRetryPolicy | None:
    retry = options.retry
    if retry is None:
        return None
    return InvocationRetryPolicy(
        initial_interval=retry.initial_interval,
        exponentiation_factor=retry.factor,
        max_interval=retry.max_interval,
        max_attempts=retry.max_attempts,
        on_max_attempts=retry.on_max_attempts,
    )


def _component(spec: ComponentSpec) -> RestateComponent:
    options = spec.options
    common: dict[str, Any] = {
        "description": spec.description,
        "inactivity_timeout": options.inactivity_timeout,
        "abort_timeout": options.abort_timeout,
        "journal_retention": options.journal_retention,
        "idempotency_retention": options.idempotency_retention,
        "ingress_private": options.ingress_private,
        "invocation_retry_policy": _retry(options),
    }
    if spec.kind == "service":
        return restate.Service(spec.name, **common)
    if spec.kind == "object":
        return restate.VirtualObject(spec.name, enable_lazy_state=options.enable_lazy_state, **common)
    return restate.Workflow(spec.name, enable_lazy_state=options.enable_lazy_state, **common)


def _type_hint(codec: Codec[Any] | None) -> TypeHint[Any]:
    if codec is None:
        return TypeHint(is_void=True)
    return TypeHint(annotation=codec.type, generate_json_schema=codec.json_schema)


class Pipeline(Record):
    """What runs around one handler: its middleware chain, how to get the implementation, headers."""

    before: tuple[Before, ...] = ()
    """The middleware steps that run first, in turn, before anything runs around the handler."""
    chain: Chain | None = None
    """The rest of the chain, from its first around middleware on."""
    implementation: Callable[[Invocation], object] | None = None
    """Builds the implementation per invocation (None: the object given to `bind` serves them all)."""
    header_policy: HeaderPolicy | None = None


_PLAIN = Pipeline()


def _invoker(
    spec: HandlerSpec[Any, Any], implementation: object, pipeline: Pipeline
) -> Callable[..., Awaitable[bytes]]:
    make_context = spec.context
    output = spec.output
    declared = spec.errors
    label = f"{spec.component}/{spec.name}"
    name = spec.method_name
    before = pipeline.before
    per_invocation = pipeline.implementation
    policy = pipeline.header_policy
    method: Callable[..., Awaitable[Any]] | None = (
        getattr(implementation, name) if per_invocation is None else None
    )

    run = _runner(name, method, per_invocation, before, pipeline.chain)

    async def finish(ctx: Any, *args: Any) -> bytes:
        typed = make_context(ctx) if make_context is not None else ctx
        if policy is not None:
            typed.header_policy = policy
        try:
            result = await run(typed, args)
        except DeclaredError as error:
            if type(error) in declared:
                raise error.to_terminal() from error
            # Another handler's error, not declared here: terminal still, but not revived as a
            # class of this handler's callers, who never agreed on its fields.
            raise TerminalError(str(error), status_code=error.code) from error
        return output.encode(result) if output is not None else b""

    if spec.input is None:

        async def without_input(ctx: Any) -> bytes:
            return await finish(ctx)

        without_input.__name__ = spec.name
        return without_input

    read = _event_reader(spec) if spec.events else _reader(spec.input)

    async def with_input(ctx: Any, body: bytes) -> bytes:
        try:
            request = read(ctx, body)
        except CodecError as error:
            raise TerminalError(f"invalid request to {label}: {error}", status_code=400) from error
        return await finish(ctx, request)

    with_input.__name__ = spec.name
    return with_input


def _runner(
    name: str,
    method: Callable[..., Awaitable[Any]] | None,
    per_invocation: Callable[[Invocation], object] | None,
    before: tuple[Before, ...],
    chain: Chain | None,
) -> Callable[[Any, tuple[Any, ...]], Awaitable[Any]]:
    """What runs the handler method for one invocation, middleware included.

    Without middleware the method is awaited directly. The closures of the middleware path live in
    their own function: a function that defines closures makes its captured variables cells on
    every call, even on a path that never reaches them.
    """
    if method is not None and not before and chain is None:

        async def direct(typed: Any, args: tuple[Any, ...]) -> Any:
            return await method(typed, *args)

        return direct

    async def run(typed: Any, args: tuple[Any, ...]) -> Any:
        invocation = Invocation(typed)
        for step in before:
            await step(invocation)
        if chain is None:
            if method is not None:
                return await method(typed, *args)
            return await getattr(per_invocation(invocation), name)(typed, *args)  # type: ignore[misc]
        return await chain(invocation, _handle(name, method, per_invocation, invocation, typed, args))

    return run


def _handle(
    name: str,
    method: Callable[..., Awaitable[Any]] | None,
    per_invocation: Callable[[Invocation], object] | None,
    invocation: Invocation,
    typed: Any,
    args: tuple[Any, ...],
) -> Callable[[], Awaitable[Any]]:
    """The innermost step of a chain: the handler method of this invocation's implementation."""
    if method is not None:
        return lambda: method(typed, *args)

    def handle() -> Awaitable[Any]:
        implementation = per_invocation(invocation)  # type: ignore[misc]
        return getattr(implementation, name)(typed, *args)  # type: ignore[no-any-return]

    return handle


def _reader(codec: Codec[Any]) -> Callable[[Any, bytes], Any]:
    decode = codec.decode

    def read(ctx: Any, body: bytes) -> Any:
        return decode(body)

    return read


def _event_reader(spec: HandlerSpec[Any, Any]) -> Callable[[Any, bytes], Any]:
    """Decodes an event by the type its delivery names, refusing versions the handler was not made for.

    A call without the event headers is not a delivery: a Kafka record, named by the header or the
    field the handler's schema gives (`event_type_header`, `event_discriminator`; the event's name,
    or its qualified name), or a direct call, decoded as the handler's input.
    """
    by_name = {event.name: event for event in spec.events}
    by_name.update({event.name.rsplit(".", 1)[-1]: event for event in spec.events})
    assert spec.input is not None
    fallback = spec.input.decode
    label = f"{spec.component}/{spec.name}"

    def named(name: str | None, where: str) -> Any:
        event = by_name.get(name) if isinstance(name, str) else None
        if event is None:
            raise TerminalError(
                f"{label}: {where} names no event this handler takes ({name!r}; it takes "
                f"{', '.join(e.name for e in spec.events)})",
                status_code=400,
            )
        return event

    def read(ctx: Any, body: bytes) -> Any:
        headers: Mapping[str, str] = ctx.request().headers
        name = headers.get(EVENT_HEADER)
        if name is None:
            if spec.event_type_header is not None:
                header = spec.event_type_header
                found = next((v for k, v in headers.items() if k.lower() == header.lower()), None)
                return named(found, f"the header {header}").codec.decode(body)
            if spec.event_discriminator is not None:
                try:
                    value = json.loads(body).get(spec.event_discriminator)
                except (ValueError, AttributeError):
                    value = None
                return named(value, f"the field {spec.event_discriminator}").codec.decode(body)
            return fallback(body)
        event = by_name.get(name)
        if event is None or event.name != name:
            raise TerminalError(f"{label} does not subscribe to {name}", status_code=409)
        version = headers.get(EVENT_VERSION_HEADER)
        if version != event.version:
            raise TerminalError(
                f"{label} takes version {event.version} of {name}, not {version}",
                status_code=409,
            )
        return event.codec.decode(body)

    return read


def _accepted(function: Callable[..., Any], kwargs: dict[str, Any], label: str) -> dict[str, Any]:
    """The options the SDK accepts for this kind of handler; an unsupported one that is set is an error."""
    parameters = inspect.signature(function).parameters
    accepted = {}
    for name, value in kwargs.items():
        if name in parameters:
            accepted[name] = value
        elif value is not None:
            raise TypeError(f"{label}: option {name!r} is not supported for this kind of handler")
    return accepted


def _register(
    component: RestateComponent, spec: ComponentSpec, handler: HandlerSpec[Any, Any], fn: Any
) -> None:
    options = handler.options
    kwargs: dict[str, Any] = {
        "name": handler.name,
        "input_serde": _BYTES,
        "output_serde": _BYTES,
        "accept": handler.input.media_type if handler.input is not None else "application/json",
        "content_type": handler.output.media_type if handler.output is not None else "application/json",
        "inactivity_timeout": options.inactivity_timeout,
        "abort_timeout": options.abort_timeout,
        "journal_retention": options.journal_retention,
        "idempotency_retention": options.idempotency_retention,
        "ingress_private": options.ingress_private,
        "invocation_retry_policy": _retry(options),
    }
    decorator: Callable[..., Callable[[Any], Any]]
    if isinstance(component, restate.Workflow):
        if handler.kind == "workflow":
            kwargs["workflow_retention"] = options.workflow_retention or spec.options.workflow_retention
            decorator = component.main
        else:
            decorator = component.handler  # shared
        kwargs["enable_lazy_state"] = options.enable_lazy_state
    elif isinstance(component, restate.VirtualObject):
        kwargs["kind"] = "shared" if handler.kind == "shared" else "exclusive"
        kwargs["enable_lazy_state"] = options.enable_lazy_state
        decorator = component.handler
    else:
        decorator = component.handler
    decorator(**_accepted(decorator, kwargs, f"{spec.name}/{handler.name}"))(fn)
    registered = component.handlers[handler.name]
    registered.handler_io.input_type = _type_hint(handler.input)
    registered.handler_io.output_type = _type_hint(handler.output)
    registered.description = handler.description
    if handler.events:
        # In discovery, so that anyone reading the deployment sees what the handler subscribes to.
        registered.metadata = {SUBSCRIBES_METADATA: " ".join(f"{e.name}@{e.version}" for e in handler.events)}


def bind(
    spec: ComponentSpec, implementation: object, pipelines: Mapping[str, Pipeline] | None = None
) -> RestateComponent:
    """The restate-sdk component serving `spec` with the methods of `implementation`.

    `implementation` is an instance, or (when `pipelines` build it per invocation) its class;
    `pipelines` gives, per handler name, what runs around it (default: nothing).
    """
    component = _component(spec)
    cls = implementation if isinstance(implementation, type) else type(implementation)
    for handler in spec.handlers:
        if not callable(getattr(cls, handler.method_name, None)):
            method = f" (method {handler.method!r})" if handler.method else ""
            raise TypeError(f"{cls.__name__} does not implement handler {handler.name!r}{method}")
        pipeline = pipelines.get(handler.name, _PLAIN) if pipelines is not None else _PLAIN
        if pipeline.implementation is None and isinstance(implementation, type):
            raise TypeError(f"{cls.__name__} is a class: bind an instance, or build it per invocation")
        _register(component, spec, handler, _invoker(handler, implementation, pipeline))
    return component
