"""A fake of restate-sdk's invocation context: unit-test a handler without a server.

`FakeContext` stands in for every kind of SDK context (service, object, workflow, shared or
exclusive), so a handler runs by giving it a typed context built on the fake:

    fake = FakeContext(key="ann", headers={"x-user": "ann"})
    fake.reply(definitions.BILLING__CHARGE, Receipt(id="r-1"))
    receipt = await AccountObject().pay(AccountContext(fake), Charge(amount=3))
    assert [call.target for call in fake.calls] == ["billing/charge"]

What it does, as Restate would, but at once and in memory:

- state is kept encoded, with the codec the handler reads and writes it with;
- `run` runs its action once and hands back its result through the codec (as the journal would);
- sleeps return at once and move the fake's clock on; `time()` reads that clock;
- calls and sends go to the replies mocked per handler (`reply`, `answer`, `fail`), encoded and
  decoded as on the wire, declared errors revived at the caller; every one is recorded in `calls`
  (the SDK's own typed calls too, mocked by `"component/handler"` with bytes);
- awakeables and promises complete when the test (or the handler) resolves or rejects them;
- random values and uuids are seeded by the invocation id: the same on every run.

Every method that Restate journals returns a plain awaitable (an asyncio future), so the handler
may await it at once or combine it with others, as it would the SDK's durable futures.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from random import Random
from typing import Any, TypeVar
from uuid import UUID

from restate.context import (
    DurablePromise,
    Request,
    SendHandle,
    WorkflowContext,
    WorkflowSharedContext,
)
from restate.exceptions import TerminalError
from restate.handler import handler_from_callable
from restate.serde import BytesSerde, DefaultSerde, Serde

from restagen.runtime._core.codecs import JsonCodec
from restagen.runtime._core.specs import HandlerSpec
from restagen.testing._futures import (
    CallFuture,
    FakeAwakeable,
    FakeContextError,
    FakePromise,
    FakeSendHandle,
    NeverFinished,
    Promises,
    attempt,
    completed,
    failed,
)

__all__ = ["FakeCall", "FakeContext"]

_SUBSCRIPTIONS = "restagen_events/snapshot"
"""What a publish inside a handler calls when its process has no copy of the subscriptions."""

T = TypeVar("T")

Target = HandlerSpec[Any, Any] | str
"""A handler: its spec (from a generated `definitions` module), or `"component/handler"`."""

EPOCH = 1_767_225_600.0
"""Where the fake's clock starts by default: 2026-01-01T00:00:00Z."""


_DEFAULT: Serde[Any] = DefaultSerde()
"""The SDK's default serde: JSON, or per the type hint given alongside it."""


@dataclass(frozen=True)
class FakeCall:
    """One call or send the handler made.

    `request` is decoded with the callee's input codec when it was mocked by spec, else the raw
    bytes; `delay` is the delay of a send; `kind` is `call` or `send`.
    """

    kind: str
    target: str
    key: str | None
    request: Any
    body: bytes
    headers: Mapping[str, str]
    idempotency_key: str | None = None
    delay: timedelta | None = None


def _encode(value: Any) -> bytes:
    """`value` as restagen's JSON codec of its type writes it (models by their schema names)."""
    return JsonCodec(type(value)).encode(value)


def _serde(serde: Serde[Any], type_hint: Any) -> Serde[Any]:
    return serde.with_maybe_type(type_hint) if isinstance(serde, DefaultSerde) and type_hint else serde


_Answer = Callable[[FakeCall], Any]


class FakeContext(WorkflowContext, WorkflowSharedContext):
    """A fake of the SDK context of one invocation; see the module's text.

    It is each kind of SDK context at once, so that any typed context can be built on it. Where
    the SDK returns its own durable futures, the fake returns asyncio futures (hence the
    `type: ignore[override]` of those methods): awaitable and combinable alike.

    `key` is the object or workflow key, `headers` the request's headers, `state` the initial
    state (values, written with the JSON codec of their type, or bytes as they are), `invocation_id` the invocation's id (it seeds
    `random` and `uuid`), `now` the clock's start in seconds since the epoch. `on_awakeable` is
    called with each awakeable the handler creates (after a queued outcome completed it, if any):
    it may complete it, or raise to fail the handler where it created it.
    """

    def __init__(
        self,
        *,
        key: str = "key",
        headers: Mapping[str, str] | None = None,
        state: Mapping[str, Any] | None = None,
        invocation_id: str = "inv_fake",
        now: float = EPOCH,
        on_awakeable: Callable[[FakeAwakeable], None] | None = None,
        repeat_actions: int = 1,
    ) -> None:
        self._key = key
        self.repeat_actions = repeat_actions
        """How many times each `run` action runs (the last result is kept): 2 or more, as an
        aborted attempt may on Restate, to test that its effects are idempotent."""
        self.headers = dict(headers or {})
        self.invocation_id = invocation_id
        self.state: dict[str, bytes] = {
            name: value if isinstance(value, bytes) else _encode(value)
            for name, value in (state or {}).items()
        }
        """The state, encoded: what a handler set, with the codec it set it with."""
        self.writes: list[tuple[str, bytes | None]] = []
        """Every change of the state, in order: a name and the value set (None: cleared)."""
        self.now = now
        self.calls: list[FakeCall] = []
        """Every call and send the handler made, in order."""
        self.runs: list[str] = []
        """The names of the `run` blocks, in order."""
        self.sleeps: list[timedelta] = []
        self.awakeables: list[FakeAwakeable] = []
        """The awakeables the handler created, in order."""
        self.resolved_awakeables: dict[str, bytes] = {}
        """Awakeables of others that the handler resolved, with the value (encoded)."""
        self.rejected_awakeables: dict[str, str] = {}
        self.cancelled: list[str] = []
        """The invocation ids the handler cancelled."""
        self._answers: dict[str, tuple[HandlerSpec[Any, Any] | None, _Answer]] = {}
        self._queued: deque[Callable[[FakeAwakeable], None]] = deque()
        self._promises = Promises()
        self.promises = self._promises.outcomes
        """The completed durable promises: the value (encoded), or the rejection."""
        self._on_awakeable = on_awakeable
        self._sent: dict[str, FakeCall] = {}
        self._random = Random(invocation_id)

    # -- preparing: what the handler's calls answer ---------------------------------------------

    def answer(self, target: Target, function: Callable[[FakeCall], Any]) -> FakeContext:
        """Calls of `target` answer `function(call)` (typed, when `target` is a spec), which may
        raise a declared error or a `TerminalError`."""
        spec = target if isinstance(target, HandlerSpec) else None
        name = f"{target.component}/{target.name}" if isinstance(target, HandlerSpec) else target
        self._answers[name] = (spec, function)
        return self

    def reply(self, target: Target, value: Any) -> FakeContext:
        """Calls of `target` answer `value`."""
        return self.answer(target, lambda call: value)

    def fail(self, target: Target, error: BaseException) -> FakeContext:
        """Calls of `target` raise `error`."""

        def raising(call: FakeCall) -> Any:
            raise error

        return self.answer(target, raising)

    def resolve_next_awakeable(self, value: Any, serde: Serde[Any] | None = None) -> FakeContext:
        """The next awakeable the handler creates completes at once with `value`."""
        self._queued.append(lambda awakeable: awakeable.resolve(value, serde))
        return self

    def reject_next_awakeable(self, message: str, code: int = 500) -> FakeContext:
        self._queued.append(lambda awakeable: awakeable.reject(message, code))
        return self

    def resolve_promise(self, name: str, value: Any, serde: Serde[Any] | None = None) -> None:
        """Resolve the workflow's durable promise `name` with `value` (encoded with `serde`, default
        the JSON codec of its type); a second completion is a TerminalError."""
        self._promises.complete(name, serde.serialize(value) if serde is not None else _encode(value))

    def reject_promise(self, name: str, message: str, code: int = 500) -> None:
        self._promises.complete(name, TerminalError(message, status_code=code))

    def get_state(self, name: str, serde: Serde[T] | type[T]) -> T | None:
        """The state value `name` decoded with `serde` (a codec or serde, or a type), or None."""
        if name not in self.state:
            return None
        codec = serde if isinstance(serde, Serde) else JsonCodec(serde)
        return codec.deserialize(self.state[name])

    # -- the SDK context ------------------------------------------------------------------------

    def key(self) -> str:
        return self._key

    def request(self) -> Request:
        return Request(
            id=self.invocation_id,
            headers=dict(self.headers),
            attempt_headers=dict(self.headers),
            body=b"",
            attempt_finished_event=NeverFinished(),
        )

    def get(  # type: ignore[override]
        self,
        name: str,
        serde: Serde[T] = _DEFAULT,
        type_hint: type[T] | None = None,
        entry_name: str | None = None,
    ) -> asyncio.Future[T | None]:
        body = self.state.get(name)
        return completed(None if body is None else _serde(serde, type_hint).deserialize(body))

    def state_keys(self, entry_name: str | None = None) -> asyncio.Future[list[str]]:
        return completed(sorted(self.state))

    def set(self, name: str, value: T, serde: Serde[T] = _DEFAULT, entry_name: str | None = None) -> None:
        self.state[name] = _serde(serde, type(value)).serialize(value)
        self.writes.append((name, self.state[name]))

    def clear(self, name: str, entry_name: str | None = None) -> None:
        self.state.pop(name, None)
        self.writes.append((name, None))

    def clear_all(self, entry_name: str | None = None) -> None:
        self.writes.extend((name, None) for name in sorted(self.state))
        self.state.clear()

    def run_typed(  # type: ignore[override]
        self, name: str, action: Callable[..., Any], options: Any = None, /, **kwargs: Any
    ) -> Any:
        """Run `action` (`repeat_actions` times); its result goes through the options' serde, as
        through the journal."""
        serde = getattr(options, "serde", None) or DefaultSerde()
        self.runs.append(name)

        async def once() -> Any:
            for _ in range(self.repeat_actions):
                result = action(**kwargs)
                if inspect.isawaitable(result):
                    result = await result
            return serde.deserialize(serde.serialize(result))

        return asyncio.ensure_future(once())

    def run(  # type: ignore[override]
        self, name: str, action: Callable[..., Any], serde: Serde[Any] = _DEFAULT, **options: Any
    ) -> Any:
        from restate.context import RunOptions

        return self.run_typed(name, action, RunOptions(serde=serde))

    def sleep(self, delta: timedelta, name: str | None = None) -> asyncio.Future[None]:  # type: ignore[override]
        """Returns at once; the clock moves on by `delta`."""
        self.sleeps.append(delta)
        self.now += delta.total_seconds()
        return completed(None)

    def time(self) -> asyncio.Future[float]:  # type: ignore[override]
        return completed(self.now)

    def random(self) -> Random:
        return self._random

    def uuid(self) -> UUID:
        return UUID(int=self._random.getrandbits(128), version=4)

    def awakeable(  # type: ignore[override]
        self, serde: Serde[T] = _DEFAULT, type_hint: type[T] | None = None
    ) -> tuple[str, asyncio.Future[T]]:
        awakeable = FakeAwakeable(f"awk_fake_{len(self.awakeables) + 1}", _serde(serde, type_hint))
        self.awakeables.append(awakeable)
        if self._queued:
            self._queued.popleft()(awakeable)
        if self._on_awakeable is not None:
            self._on_awakeable(awakeable)
        return awakeable.id, awakeable.future

    def resolve_awakeable(self, name: str, value: Any, serde: Serde[Any] = _DEFAULT) -> None:
        """Resolves one of this fake's awakeables, or records the resolution of another's."""
        own = [awakeable for awakeable in self.awakeables if awakeable.id == name]
        if own:
            own[0].resolve(value, serde)
        else:
            self.resolved_awakeables[name] = serde.serialize(value)

    def reject_awakeable(self, name: str, failure_message: str, failure_code: int = 500) -> None:
        own = [awakeable for awakeable in self.awakeables if awakeable.id == name]
        if own:
            own[0].reject(failure_message, failure_code)
        else:
            self.rejected_awakeables[name] = failure_message

    def promise(
        self, name: str, serde: Serde[T] = _DEFAULT, type_hint: type[T] | None = None
    ) -> DurablePromise[T]:
        return FakePromise(self._promises, name, _serde(serde, type_hint))

    def generic_call(  # type: ignore[override]
        self,
        service: str,
        handler: str,
        arg: bytes,
        key: str | None = None,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
        scope: str | None = None,
        limit_key: str | None = None,
    ) -> asyncio.Future[bytes]:
        call = self._record("call", f"{service}/{handler}", arg, key, idempotency_key, headers, None)
        return attempt(
            lambda: self._answer(call), CallFuture(f"inv_fake_call_{len(self.calls)}", self.cancelled)
        )

    def generic_send(
        self,
        service: str,
        handler: str,
        arg: bytes,
        key: str | None = None,
        send_delay: timedelta | None = None,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
        scope: str | None = None,
        limit_key: str | None = None,
    ) -> FakeSendHandle:
        """Recorded; the mocked answer is computed when the handler attaches to the invocation."""
        call = self._record("send", f"{service}/{handler}", arg, key, idempotency_key, headers, send_delay)
        invocation_id = f"inv_fake_send_{len(self.calls)}"
        self._sent[invocation_id] = call
        return FakeSendHandle(invocation_id, self.cancelled)

    def attach_invocation(  # type: ignore[override]
        self, invocation_id: str, serde: Serde[Any] = _DEFAULT, type_hint: Any = None
    ) -> asyncio.Future[Any]:
        call = self._sent.get(invocation_id)
        if call is None:
            return failed(FakeContextError(f"attach to {invocation_id}: not an invocation this handler sent"))
        decoder = _serde(serde, type_hint)
        return attempt(lambda: decoder.deserialize(self._answer(call)))

    def cancel_invocation(self, invocation_id: str) -> None:
        self.cancelled.append(invocation_id)

    # The SDK's typed calls: to handlers of restate-sdk components, by their decorated functions.

    def service_call(  # type: ignore[override]
        self, tpe: Any, arg: Any, idempotency_key: str | None = None, headers: dict[str, str] | None = None
    ) -> asyncio.Future[Any]:
        return self._typed_call(tpe, arg, None, idempotency_key, headers)

    def object_call(  # type: ignore[override]
        self,
        tpe: Any,
        key: str,
        arg: Any,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> asyncio.Future[Any]:
        return self._typed_call(tpe, arg, key, idempotency_key, headers)

    def workflow_call(  # type: ignore[override]
        self,
        tpe: Any,
        key: str,
        arg: Any,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> asyncio.Future[Any]:
        return self._typed_call(tpe, arg, key, idempotency_key, headers)

    def service_send(
        self,
        tpe: Any,
        arg: Any,
        send_delay: timedelta | None = None,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> SendHandle:
        return self._typed_send(tpe, arg, None, send_delay, idempotency_key, headers)

    def object_send(
        self,
        tpe: Any,
        key: str,
        arg: Any,
        send_delay: timedelta | None = None,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> SendHandle:
        return self._typed_send(tpe, arg, key, send_delay, idempotency_key, headers)

    def workflow_send(
        self,
        tpe: Any,
        key: str,
        arg: Any,
        send_delay: timedelta | None = None,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> SendHandle:
        return self._typed_send(tpe, arg, key, send_delay, idempotency_key, headers)

    # Preview features of restate-server 1.7, not faked.

    def scope(self, scope: str) -> Any:
        raise NotImplementedError("FakeContext does not fake scopes")

    def signal(self, name: str, serde: Serde[T] = _DEFAULT, type_hint: type[T] | None = None) -> Any:
        raise NotImplementedError("FakeContext does not fake signals")

    def resolve_signal(self, invocation_id: str, name: str, value: Any, serde: Serde[Any] = _DEFAULT) -> None:
        raise NotImplementedError("FakeContext does not fake signals")

    def reject_signal(
        self, invocation_id: str, name: str, failure_message: str, failure_code: int = 500
    ) -> None:
        raise NotImplementedError("FakeContext does not fake signals")

    # -- inside ---------------------------------------------------------------------------------

    def _record(
        self,
        kind: str,
        target: str,
        body: bytes,
        key: str | None,
        idempotency_key: str | None,
        headers: Mapping[str, str] | None,
        delay: timedelta | None,
    ) -> FakeCall:
        spec = self._answers.get(target, (None, None))[0]
        request = spec.input.decode(body) if spec is not None and spec.input is not None else body
        if spec is not None and spec.input is None:
            request = None
        call = FakeCall(kind, target, key, request, body, dict(headers or {}), idempotency_key, delay)
        self.calls.append(call)
        return call

    def _typed_call(
        self, tpe: Any, arg: Any, key: str | None, idempotency_key: str | None, headers: dict[str, str] | None
    ) -> asyncio.Future[Any]:
        target: Any = handler_from_callable(tpe)
        io = target.handler_io
        body = io.input_serde.serialize(arg)
        raw = self.generic_call(target.service_tag.name, target.name, body, key, idempotency_key, headers)
        typed: CallFuture[Any] = CallFuture(f"inv_fake_call_{len(self.calls)}", self.cancelled)
        return attempt(lambda: io.output_serde.deserialize(raw.result()), typed)

    def _typed_send(
        self,
        tpe: Any,
        arg: Any,
        key: str | None,
        delay: timedelta | None,
        idempotency_key: str | None,
        headers: dict[str, str] | None,
    ) -> SendHandle:
        target: Any = handler_from_callable(tpe)
        body = target.handler_io.input_serde.serialize(arg)
        return self.generic_send(
            target.service_tag.name, target.name, body, key, delay, idempotency_key, headers
        )

    def _answer(self, call: FakeCall) -> bytes:
        if call.target == _SUBSCRIPTIONS and call.target not in self._answers:
            # A publish asks for the cluster's subscriptions: none, unless the test says otherwise
            # (then its only send is the one to the registry, which delivers).
            return b'{"version":"","subscriptions":[]}'
        if call.target not in self._answers:
            raise FakeContextError(
                f"the handler calls {call.target}: mock it with fake.reply({call.target!r}, ...), "
                "answer(...) or fail(...)"
            )
        spec, function = self._answers[call.target]
        reply = function(call)
        if spec is None:
            return BytesSerde().serialize(reply)
        return spec.output.encode(reply) if spec.output is not None else b""
