"""Typed contexts: what a handler receives instead of the SDK's untyped context.

Each generated component has its own context classes (with typed `state` and `promises`); they
subclass these bases, which offer what every handler needs: typed `run`, `sleep`, awakeables,
deterministic random and time, the invocation id and the request headers. The SDK context stays
reachable as `.restate` for anything not covered here.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any, Generic, TypeVar, overload
from uuid import UUID

import restate
from restate.context import RunOptions
from typing_extensions import TypeVar as TypeVarDefault

from restagen.runtime._core.codecs import Codec, JsonCodec
from restagen.runtime._core.errors import DeclaredError
from restagen.runtime._core.futures import DurableFuture
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
D = TypeVarDefault("D", default=None)


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

    @property
    def attempt_headers(self) -> Mapping[str, str]:
        """The headers of this attempt's request from Restate to the endpoint (they change per attempt)."""
        return self.restate.request().attempt_headers

    @property
    def idempotency_key(self) -> str | None:
        """The idempotency key the invocation was started with, if any.

        None also when the server does not pass it to endpoints: restate-server 1.7 does not (nor
        the `idempotency-key` header of the ingress request, which it consumes).
        """
        return self.restate.request().idempotency_key

    def action_key(self, name: str) -> str:
        """An idempotency key for the external effect of the action `name` of this invocation.

        The same on every attempt and replay of the invocation, different for every other
        invocation. `run` journals an action's result once, but an attempt that Restate aborts
        (a node lost, a leader moved) may have run the action already: its side effects happen at
        least once. Hand this key to the external system (a payment API's idempotency key) so that
        they take effect once. Name each action of an invocation differently.
        """
        return f"{self.invocation_id}/{name}"

    @overload
    def run(
        self,
        name: str,
        action: Callable[[], Coroutine[Any, Any, T]] | Callable[[], T],
        result: Codec[T] | type[T],
        *,
        max_attempts: int | None = None,
        max_duration: timedelta | None = None,
        initial_retry_interval: timedelta | None = None,
        max_retry_interval: timedelta | None = None,
        retry_interval_factor: float | None = None,
    ) -> DurableFuture[T]: ...
    @overload
    def run(
        self,
        name: str,
        action: Callable[[], Coroutine[Any, Any, None]] | Callable[[], None],
        result: None = None,
        *,
        max_attempts: int | None = None,
        max_duration: timedelta | None = None,
        initial_retry_interval: timedelta | None = None,
        max_retry_interval: timedelta | None = None,
        retry_interval_factor: float | None = None,
    ) -> DurableFuture[None]: ...
    def run(
        self,
        name: str,
        action: Callable[[], Any],
        result: Codec[Any] | type[Any] | None = None,
        *,
        max_attempts: int | None = None,
        max_duration: timedelta | None = None,
        initial_retry_interval: timedelta | None = None,
        max_retry_interval: timedelta | None = None,
        retry_interval_factor: float | None = None,
    ) -> DurableFuture[Any]:
        """Run `action` once, journal its typed result, and replay that result on retries.

        Without `result`, the action runs for its effect and its future's value is None. The
        retry options are the SDK's (`restate.RunOptions`): without any, the invocation's retry
        policy applies; a declared error raised by `action` is terminal, never retried.
        """
        options: RunOptions[Any] = RunOptions(
            serde=_codec(type(None) if result is None else result),
            max_attempts=max_attempts,
            max_duration=max_duration,
            initial_retry_interval=initial_retry_interval,
            max_retry_interval=max_retry_interval,
            retry_interval_factor=retry_interval_factor,
        )
        return DurableFuture(
            self.restate.run_typed(name, _terminal_when_declared(action), options), None, self.restate
        )

    def sleep(self, delay: timedelta, name: str | None = None) -> DurableFuture[None]:
        """A durable sleep: survives restarts of the endpoint and of Restate."""
        return DurableFuture(self.restate.sleep(delay, name), None, self.restate)

    def cancel(self, invocation_id: str) -> None:
        """Cancel the invocation `invocation_id` (a call's or a send's, or any other)."""
        self.restate.cancel_invocation(invocation_id)

    def random(self) -> Random:
        """A random generator seeded by the invocation: the same values on every replay."""
        return self.restate.random()

    def uuid(self) -> UUID:
        return self.restate.uuid()

    def now(self) -> DurableFuture[datetime]:
        """The current time, journaled so that replays see the same value."""
        return _TimeFuture(self.restate.time(), None, self.restate)

    def awakeable(self, value: Codec[T] | type[T]) -> tuple[str, DurableFuture[T]]:
        """A new awakeable: its id (to hand to whoever completes it) and the typed value to await."""
        awakeable_id, future = self.restate.awakeable(serde=_codec(value))
        return awakeable_id, DurableFuture(future, None, self.restate)

    def resolve_awakeable(self, awakeable_id: str, value: T, codec: Codec[T] | type[T]) -> None:
        self.restate.resolve_awakeable(awakeable_id, value, serde=_codec(codec))

    def reject_awakeable(self, awakeable_id: str, message: str, code: int = 500) -> None:
        self.restate.reject_awakeable(awakeable_id, message, code)


class _TimeFuture(DurableFuture[datetime]):
    """The journaled timestamp of `now`, as an aware datetime."""

    __slots__ = ()

    def _finish(self, value: Any) -> datetime:
        return datetime.fromtimestamp(value, tz=UTC)


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


K = TypeVar("K", bound=restate.ObjectContext | restate.ObjectSharedContext)


class _KeyedContext(HandlerContext[K]):
    """What the contexts of objects and workflows add: the key and the names of the state set."""

    @property
    def key(self) -> str:
        return self.restate.key()

    def state_keys(self) -> DurableFuture[list[str]]:
        """The names of the state keys this object or workflow instance has a value for."""
        return DurableFuture(self.restate.state_keys(), None, self.restate)


class ServiceHandlerContext(HandlerContext[restate.Context]):
    """The context of a service handler."""


class ReadOnlyStateKey(Generic[T, D]):
    """A declared state key of an object or workflow, as seen by a shared (read-only) handler.

    `D` is what `get` gives when the key has no value: None, or `T` for a key declared with a
    `default` (the schema's value, a fresh copy each time for a list or a map).
    """

    @overload
    def __init__(self: ReadOnlyStateKey[T, None], ctx: Any, name: str, codec: Codec[T]) -> None: ...
    @overload
    def __init__(self: ReadOnlyStateKey[T, T], ctx: Any, name: str, codec: Codec[T], default: T) -> None: ...
    def __init__(self, ctx: Any, name: str, codec: Codec[T], default: Any = None) -> None:
        self._ctx: restate.ObjectSharedContext = ctx
        self.name = name
        self._codec = codec
        self._default = default
        self._copy_default = isinstance(default, list | dict)

    async def get(self) -> T | D:
        """The value; when the key was never set or was cleared, the default (else None)."""
        value = await self._ctx.get(self.name, serde=self._codec)
        if value is None:
            default = self._default
            return copy.deepcopy(default) if self._copy_default else default  # type: ignore[no-any-return]
        return value


class StateKey(ReadOnlyStateKey[T, D]):
    """A declared state key, readable and writable by an exclusive handler."""

    @overload
    def __init__(self: StateKey[T, None], ctx: Any, name: str, codec: Codec[T]) -> None: ...
    @overload
    def __init__(self: StateKey[T, T], ctx: Any, name: str, codec: Codec[T], default: T) -> None: ...
    def __init__(self, ctx: Any, name: str, codec: Codec[T], default: Any = None) -> None:
        super().__init__(ctx, name, codec, default)
        self._writable: restate.ObjectContext = ctx

    def set(self, value: T) -> None:
        self._writable.set(self.name, value, serde=self._codec)

    def clear(self) -> None:
        self._writable.clear(self.name)


class ObjectSharedHandlerContext(_KeyedContext[restate.ObjectSharedContext]):
    """The context of a shared object handler: the key, read-only state."""


class ObjectHandlerContext(_KeyedContext[restate.ObjectContext]):
    """The context of an exclusive object handler: the key, state to read and write."""

    def clear_all_state(self) -> None:
        self.restate.clear_all()


class WorkflowPromise(Generic[T]):
    """A typed durable promise of a workflow run."""

    def __init__(self, promise: restate.DurablePromise[T], ctx: Any = None) -> None:
        self._promise = promise
        self._ctx = ctx  # what a timeout on the value sleeps on (see DurableFuture)

    def value(self) -> DurableFuture[T]:
        """The promise's value once resolved: await it, put a timeout on it, or select over it."""
        return DurableFuture(self._promise.value(), None, self._ctx)

    async def peek(self) -> T | None:
        return await self._promise.peek()

    async def resolve(self, value: T) -> None:
        await self._promise.resolve(value)

    async def reject(self, message: str, code: int = 500) -> None:
        await self._promise.reject(message, code)


class WorkflowSharedHandlerContext(_KeyedContext[restate.WorkflowSharedContext]):
    """The context of a workflow's shared handler: the key, read-only state, promises."""

    def promise(self, name: str, codec: Codec[T]) -> WorkflowPromise[T]:
        return WorkflowPromise(self.restate.promise(name, serde=codec), self.restate)


class WorkflowHandlerContext(_KeyedContext[restate.WorkflowContext]):
    """The context of a workflow's `run`: the key, state to read and write, promises."""

    def promise(self, name: str, codec: Codec[T]) -> WorkflowPromise[T]:
        return WorkflowPromise(self.restate.promise(name, serde=codec), self.restate)

    def clear_all_state(self) -> None:
        self.restate.clear_all()


def read_only(ctx: Any) -> restate.ObjectSharedContext:
    """The SDK context as the read-only state interface (exclusive contexts are a superset)."""
    return ctx  # type: ignore[no-any-return]
