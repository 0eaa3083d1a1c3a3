"""Typed contexts: what a handler receives instead of the SDK's untyped context.

Each generated component has its own context classes (with typed `state` and `promises`); they
subclass these bases, which offer what every handler needs: typed `run`, `sleep`, awakeables,
deterministic random and time, the invocation id and the request headers. The SDK context stays
reachable as `.restate` for anything not covered here.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any, Generic, TypeVar
from uuid import UUID

import restate
from restate.context import RunOptions
from restate.exceptions import TerminalError

from restagen.runtime._core.codecs import Codec, JsonCodec
from restagen.runtime._core.errors import DeclaredError, reraisable
from restagen.runtime._core.outgoing import OutgoingHook, OutgoingKind
from restagen.runtime._core.specs import HandlerSpec
from restagen.runtime._endpoint.headers import HeaderPolicy, merge_headers

__all__ = [
    "HandlerContext",
    "ObjectHandlerContext",
    "ObjectSharedHandlerContext",
    "ReadOnlyStateKey",
    "ServiceHandlerContext",
    "StateKey",
    "WorkflowHandlerContext",
    "WorkflowPromise",
    "WorkflowSharedHandlerContext",
]

T = TypeVar("T")
C = TypeVar("C", bound=restate.Context)


_CODECS: dict[Any, Codec[Any]] = {}


def _codec(type_or_codec: Codec[T] | type[T]) -> Codec[T]:
    """The codec given, or the JSON codec of the type given (built once per type)."""
    if isinstance(type_or_codec, Codec):
        return type_or_codec
    codec = _CODECS.get(type_or_codec)
    if codec is None:
        codec = _CODECS[type_or_codec] = JsonCodec(type_or_codec)
    return codec


class HandlerContext(Generic[C]):
    """What every handler can do, whatever its kind."""

    # Set by the binding when the endpoint propagates incoming headers; read by context clients.
    header_policy: HeaderPolicy | None = None
    _forwarded: dict[str, str] | None = None
    # Set per invocation by a middleware that follows outgoing calls (restagen.runtime.tracing).
    outgoing_hook: OutgoingHook | None = None

    def __init__(self, ctx: C) -> None:
        self.restate = ctx

    def outgoing_headers(
        self,
        explicit: Mapping[str, str] | None,
        kind: OutgoingKind | None = None,
        spec: HandlerSpec[Any, Any] | None = None,
        key: str | None = None,
    ) -> dict[str, str] | None:
        """The headers of a downstream call: the propagated incoming ones, then `explicit`; with an
        outgoing hook, and `kind` and `spec` naming the call, what the hook makes of them."""
        hook = self.outgoing_hook
        if hook is not None and kind is not None and spec is not None:
            return hook(kind, spec, key, self._propagated(explicit))
        return self._propagated(explicit)

    def _propagated(self, explicit: Mapping[str, str] | None) -> dict[str, str] | None:
        policy = self.header_policy
        if policy is None:
            return dict(explicit) if explicit else None
        forwarded = self._forwarded
        if forwarded is None:
            forwarded = self._forwarded = policy.select(self.restate.request().headers)
        if not explicit:
            return forwarded or None  # computed once per invocation, never changed
        return merge_headers(forwarded, explicit)

    @property
    def invocation_id(self) -> str:
        return self.restate.request().id

    @property
    def headers(self) -> Mapping[str, str]:
        """The headers of the request that started this invocation."""
        return self.restate.request().headers

    async def run(
        self,
        name: str,
        action: Callable[[], Coroutine[Any, Any, T]] | Callable[[], T],
        result: Codec[T] | type[T],
        *,
        max_attempts: int | None = None,
        max_duration: timedelta | None = None,
    ) -> T:
        """Run `action` once, journal its typed result, and replay that result on retries."""
        options: RunOptions[T] = RunOptions(
            serde=_codec(result), max_attempts=max_attempts, max_duration=max_duration
        )
        future: Awaitable[T] = self.restate.run_typed(name, _terminal_when_declared(action), options)
        try:
            return await future
        except TerminalError as error:
            raise reraisable(error) from None

    async def sleep(self, delay: timedelta) -> None:
        """A durable sleep: survives restarts of the endpoint and of Restate."""
        await self.restate.sleep(delay)

    def random(self) -> Random:
        """A random generator seeded by the invocation: the same values on every replay."""
        return self.restate.random()

    def uuid(self) -> UUID:
        return self.restate.uuid()

    async def now(self) -> datetime:
        """The current time, journaled so that replays see the same value."""
        return datetime.fromtimestamp(await self.restate.time(), tz=UTC)

    def awakeable(self, value: Codec[T] | type[T]) -> tuple[str, Awaitable[T]]:
        """A new awakeable: its id (to hand to whoever completes it) and the typed value to await."""
        awakeable_id, future = self.restate.awakeable(serde=_codec(value))
        return awakeable_id, future

    def resolve_awakeable(self, awakeable_id: str, value: T, codec: Codec[T] | type[T]) -> None:
        self.restate.resolve_awakeable(awakeable_id, value, serde=_codec(codec))

    def reject_awakeable(self, awakeable_id: str, message: str, code: int = 500) -> None:
        self.restate.reject_awakeable(awakeable_id, message, code)


def _terminal_when_declared(action: Callable[[], Any]) -> Callable[[], Any]:
    """`action`, raising a declared error as terminal: journaled once, never retried.

    The SDK awaits coroutine functions and runs other callables in a thread; the wrapper keeps
    the kind of `action`.
    """
    if inspect.iscoroutinefunction(action):

        async def awaited() -> Any:
            try:
                return await action()
            except DeclaredError as error:
                raise error.to_terminal() from error

        return awaited

    def called() -> Any:
        try:
            return action()
        except DeclaredError as error:
            raise error.to_terminal() from error

    return called


class ServiceHandlerContext(HandlerContext[restate.Context]):
    """The context of a service handler."""


class ReadOnlyStateKey(Generic[T]):
    """A declared state key of an object or workflow, as seen by a shared (read-only) handler."""

    def __init__(self, ctx: restate.ObjectSharedContext, name: str, codec: Codec[T]) -> None:
        self._ctx = ctx
        self.name = name
        self._codec = codec

    async def get(self) -> T | None:
        """The value, or None when the key was never set or was cleared."""
        return await self._ctx.get(self.name, serde=self._codec)


class StateKey(ReadOnlyStateKey[T]):
    """A declared state key, readable and writable by an exclusive handler."""

    def __init__(self, ctx: restate.ObjectContext, name: str, codec: Codec[T]) -> None:
        super().__init__(ctx, name, codec)  # type: ignore[arg-type]
        self._writable = ctx

    def set(self, value: T) -> None:
        self._writable.set(self.name, value, serde=self._codec)

    def clear(self) -> None:
        self._writable.clear(self.name)


class ObjectSharedHandlerContext(HandlerContext[restate.ObjectSharedContext]):
    """The context of a shared object handler: the key, read-only state."""

    @property
    def key(self) -> str:
        return self.restate.key()


class ObjectHandlerContext(HandlerContext[restate.ObjectContext]):
    """The context of an exclusive object handler: the key, state to read and write."""

    @property
    def key(self) -> str:
        return self.restate.key()

    def clear_all_state(self) -> None:
        self.restate.clear_all()


class WorkflowPromise(Generic[T]):
    """A typed durable promise of a workflow run."""

    def __init__(self, promise: restate.DurablePromise[T]) -> None:
        self._promise = promise

    async def value(self) -> T:
        """Wait until the promise is resolved (durably), and return its value."""
        return await self._promise.value()

    async def peek(self) -> T | None:
        return await self._promise.peek()

    async def resolve(self, value: T) -> None:
        await self._promise.resolve(value)

    async def reject(self, message: str, code: int = 500) -> None:
        await self._promise.reject(message, code)


class WorkflowSharedHandlerContext(HandlerContext[restate.WorkflowSharedContext]):
    """The context of a workflow's shared handler: the key, read-only state, promises."""

    @property
    def key(self) -> str:
        return self.restate.key()

    def promise(self, name: str, codec: Codec[T]) -> WorkflowPromise[T]:
        return WorkflowPromise(self.restate.promise(name, serde=codec))


class WorkflowHandlerContext(HandlerContext[restate.WorkflowContext]):
    """The context of a workflow's `run`: the key, state to read and write, promises."""

    @property
    def key(self) -> str:
        return self.restate.key()

    def promise(self, name: str, codec: Codec[T]) -> WorkflowPromise[T]:
        return WorkflowPromise(self.restate.promise(name, serde=codec))

    def clear_all_state(self) -> None:
        self.restate.clear_all()


def read_only(ctx: Any) -> restate.ObjectSharedContext:
    """The SDK context as the read-only state interface (exclusive contexts are a superset)."""
    return ctx  # type: ignore[no-any-return]
