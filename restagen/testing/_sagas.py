"""A test kit for sagas: run one against mocked participants, without a server or on a real one.

`SagaTestKit` runs the saga through the same engine as on Restate, with a stand-in for the
workflow context: participant calls go to the replies and errors you mocked per step (encoded and
decoded with the participants' codecs, declared errors revived as on the wire), sleeps return at
once, and awakeables complete with the outcomes you queued. It can cancel the saga (between steps,
or while a local step waits) and resume it once it stopped FAILED. Afterwards, `calls` lists what
the saga asked of whom, in order, and `states` every state it persisted.

    kit = SagaTestKit(CREATE_ORDER, CreateOrderSaga())
    kit.reply("create_ticket", TicketCreated(ticket_id="t-1", order_id="o-1"))
    kit.fail("authorize_card", CardDeclined(reason="limit"))
    state = await kit.run("o-1", data)
    assert kit.history == ["invoke create_pending_order", ..., "compensate create_pending_order"]

`SagaServerKit` takes the same mocks and serves them, with the saga, on a real Restate server
(from a thread of the test's process): the saga runs as in production, journal, retries and all.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from types import TracebackType
from typing import Any, Generic, Literal, Self, TypeVar, cast

import restate
from pydantic import BaseModel, ValidationError

from restagen.runtime._core.codecs import Codec
from restagen.runtime._core.ingress import Ingress
from restagen.runtime._core.specs import ComponentKind, ComponentSpec, HandlerSpec
from restagen.runtime._endpoint.admin import register_async
from restagen.runtime._endpoint.binding import bind
from restagen.runtime.sagas._clients import SagaClient
from restagen.runtime.sagas._context import CANCEL_PROMISE, REASON, SagaContext
from restagen.runtime.sagas._engine import (
    PHASE_HEADER,
    STATE_KEY,
    STEP_HEADER,
    Saga,
    resume_promise,
    run_saga,
    stopped_promise,
)
from restagen.runtime.sagas._spec import SagaSpec
from restagen.runtime.sagas._state import SagaState, SagaStatus
from restagen.testing._context import FakeCall, FakeContext
from restagen.testing._futures import FakeAwakeable
from restagen.testing._nested import NestedSagas
from restagen.testing._serve import AppThread

__all__ = ["SagaCall", "SagaServerKit", "SagaTestError", "SagaTestKit"]

D = TypeVar("D", bound=BaseModel)

Phase = Literal["invoke", "compensate"]


class SagaTestError(AssertionError):
    """The saga did something the test did not prepare for (a reply or an awakeable not mocked)."""


@dataclass(frozen=True)
class SagaCall:
    """One call the saga made: `phase` is `invoke` or `compensate`; `target` is `component/handler`."""

    phase: Phase
    step: str
    target: str
    key: str | None
    request: Any

    def __str__(self) -> str:
        return f"{self.phase} {self.step}"


_Outcome = Callable[[Any], Any]
"""Given the typed request, the reply (or raises the error)."""


def _raise(error: BaseException) -> _Outcome:
    def outcome(request: Any) -> Any:
        raise error

    return outcome


def _no_reply(request: Any) -> None:
    return None


_ZEROS = (b"null", b'""', b"[]", b"{}", b"0", b"false")
"""What an unmocked participant answers when unmocked steps succeed: the first its type accepts."""


def _zero(codec: Codec[Any]) -> Any:
    """The empty value of the type of `codec` (a model only when all of its fields have defaults)."""
    for body in _ZEROS:
        try:
            return codec.decode(body)
        except (ValidationError, ValueError):
            continue
    raise LookupError


class _Mocks(Generic[D]):
    """The mocked participants of one saga, and the calls they received.

    With `unmocked="succeed"`, a participant nobody mocked answers the empty value of its type
    (null, "", [], {}, 0 or false: the first it accepts) instead of failing the test.
    """

    def __init__(
        self, spec: SagaSpec[D], saga: Saga[D], *, unmocked: Literal["fail", "succeed"] = "fail"
    ) -> None:
        self.spec = spec
        self.saga = saga
        self.unmocked = unmocked
        self._invoke: dict[str, _Outcome] = {}
        self._compensate: dict[str, deque[_Outcome]] = {}
        self._used: set[str] = set()
        self.calls: list[SagaCall] = []
        """Every participant call, in order."""

    def reply(self, step: str, value: Any) -> Self:
        """The participant of `step` answers `value` (replacing what was mocked for it)."""
        return self.answer(step, lambda request: value)

    def answer(self, step: str, function: Callable[[Any], Any]) -> Self:
        """The participant of `step` answers `function(request)`, which may raise."""
        self.spec.step(step)  # a KeyError for a step the saga does not have
        self._invoke[step] = function
        return self

    def fail(self, step: str, error: BaseException) -> Self:
        """The participant of `step` raises `error`: a declared error, or a `TerminalError`."""
        return self.answer(step, _raise(error))

    def fail_compensation(self, step: str, error: BaseException, *, times: int = 1) -> Self:
        """The compensation of `step` raises `error` on its next `times` attempts, then succeeds."""
        self.spec.step(step)
        self._compensate.setdefault(step, deque()).extend([_raise(error)] * times)
        return self

    @property
    def history(self) -> list[str]:
        """The calls as `"invoke <step>"` / `"compensate <step>"`."""
        return [str(call) for call in self.calls]

    def assert_all_mocks_used(self) -> None:
        """Fail unless every step mocked with `reply`, `answer` or `fail` was called, and every
        compensation failure queued with `fail_compensation` happened."""
        unused = sorted(set(self._invoke) - self._used)
        unused += sorted(f"compensation of {step}" for step, left in self._compensate.items() if left)
        if unused:
            raise SagaTestError(f"mocked but never called: {', '.join(unused)}")

    async def wait_for_call(self, step: str, timeout: float = 10.0, *, phase: Phase = "invoke") -> SagaCall:
        """The first call of `step` (in `phase`), once the saga made it: for a saga running on
        its own (`start`), to act at a point of its course. Fails after `timeout` seconds."""
        self.spec.step(step)
        deadline = time.monotonic() + timeout
        while True:
            found = next((c for c in self.calls if c.step == step and c.phase == phase), None)
            if found is not None:
                return found
            if time.monotonic() > deadline:
                raise SagaTestError(
                    f"no {phase} call of step {step!r} within {timeout}s; calls: {self.history}"
                )
            await asyncio.sleep(0.01)

    def _answer(self, step_name: str, phase: Phase, target: str, key: str | None, request: Any) -> Any:
        """Record a participant call and return its mocked reply (or raise its mocked error)."""
        step = self.spec.step(step_name)
        spec: HandlerSpec[Any, Any] | None
        if step.saga is not None:  # a nested saga: started, then settled to compensate it
            spec = step.saga.settle if phase == "compensate" else step.saga.run
        else:
            spec = step.compensate if phase == "compensate" else step.invoke
        assert spec is not None and f"{spec.component}/{spec.name}" == target, (step_name, phase, target)
        self.calls.append(SagaCall(phase, step_name, target, key, request))
        failures = self._compensate.get(step_name) if phase == "compensate" else None
        mocked = None if phase == "compensate" else self._invoke.get(step_name)
        if failures:
            outcome = failures.popleft()
        elif mocked is not None:
            self._used.add(step_name)
            outcome = mocked
        elif phase == "compensate" or spec.output is None:
            outcome = _no_reply
        elif step.saga is not None and self.unmocked == "succeed":
            return request  # the nested saga succeeds with its data as it was given
        else:
            return self._unmocked(step_name, target, spec.output)
        return outcome(request)

    def _unmocked(self, step: str, target: str, output: Codec[Any]) -> Any:
        hint = f"mock its reply with kit.reply({step!r}, ...)"
        if self.unmocked == "succeed":
            try:
                return _zero(output)
            except LookupError:
                hint = f"its reply type has no empty value to answer with: {hint}"
        raise SagaTestError(f"step {step!r} calls {target}: {hint}")


class SagaTestKit(_Mocks[D]):
    """Runs saga `spec` with the implementation `saga` against mocked participants, no server."""

    def __init__(
        self,
        spec: SagaSpec[D],
        saga: Saga[D],
        *,
        unmocked: Literal["fail", "succeed"] = "fail",
        repeat_actions: int = 1,
    ) -> None:
        super().__init__(spec, saga, unmocked=unmocked)
        self.repeat_actions = repeat_actions
        """How many times each `ctx.run` action runs: 2 tests that its side effects are
        idempotent, since on Restate an action may run again in an aborted attempt."""
        self._awakeable_outcomes: deque[Callable[[FakeAwakeable], None]] = deque()
        self._writes: list[tuple[str, bytes | None]] = []
        self._fakes: list[FakeContext] = []
        self._task: asyncio.Future[SagaState[D]] | None = None
        self._cancel: str | None = None
        self.awakeables: list[str] = []
        """The ids of the awakeables the saga created."""

    @property
    def sleeps(self) -> list[timedelta]:
        """Every durable sleep (compensation back-offs included)."""
        return [delay for fake in self._fakes for delay in fake.sleeps]

    def resolve_awakeable(self, value: Any) -> Self:
        """The next awakeable the saga waits on completes with `value`."""
        self._awakeable_outcomes.append(lambda awakeable: awakeable.resolve(value))
        return self

    def reject_awakeable(self, message: str, code: int = 500) -> Self:
        """The next awakeable the saga waits on fails with a terminal error."""
        self._awakeable_outcomes.append(lambda awakeable: awakeable.reject(message, code))
        return self

    def cancel(self, reason: str = "cancelled") -> Self:
        """Cancel the saga, as its clients' `cancel` does: now, when it runs (from a mock's
        `answer`, say), else as soon as it starts. It stops at its next step boundary."""
        if self._task is not None and not self._task.done():
            self._fakes[-1].resolve_promise(CANCEL_PROMISE, reason, REASON)
        else:
            self._cancel = reason
        return self

    def cancel_awakeable(self, reason: str = "cancelled") -> Self:
        """The saga is cancelled while it waits on the next awakeable, which never completes."""

        def cancel(awakeable: FakeAwakeable) -> None:
            self.cancel(reason)

        self._awakeable_outcomes.append(cancel)
        return self

    async def run(self, saga_id: str, data: D) -> SagaState[D]:
        """Run the saga until it stops and return its state: at its end, or FAILED (a
        compensation out of attempts waits there for `resume`)."""
        fake = FakeContext(
            key=saga_id,
            invocation_id=f"inv_test_{saga_id}",
            on_awakeable=self._awakeable,
            repeat_actions=self.repeat_actions,
        )
        fake.writes = self._writes
        self._fakes.append(fake)
        for spec in self._participants():
            fake.answer(spec, self._participant(spec))
        NestedSagas(self, fake)
        if self._cancel is not None:
            fake.resolve_promise(CANCEL_PROMISE, self._cancel, REASON)
            self._cancel = None
        self._task = asyncio.ensure_future(run_saga(self.spec, self.saga, SagaContext(fake), data))
        return await self._stopped(0)

    async def resume(self) -> SagaState[D]:
        """Resume the saga stopped FAILED, as its clients' `resume` does: the compensation out of
        attempts is tried again, with fresh attempts. Returns the state where it stops next."""
        state = self.states[-1] if self.states else None
        if not self._fakes or state is None or not state.resumable:
            raise SagaTestError("only a saga stopped FAILED in a compensation can be resumed")
        self._fakes[-1].resolve_promise(resume_promise(state.resumes), True)
        return await self._stopped(state.resumes + 1)

    async def _stopped(self, resumes: int) -> SagaState[D]:
        """The state the saga publishes when it stops after `resumes` resumes (or its end)."""
        task = self._task
        assert task is not None
        codec = self.spec.result.output
        assert codec is not None
        stopped = asyncio.ensure_future(self._fakes[-1].promise(stopped_promise(resumes), codec).value())
        await asyncio.wait([task, stopped], return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            stopped.cancel()
            return task.result()
        return stopped.result()

    def _participants(self) -> list[HandlerSpec[Any, Any]]:
        """The participant handlers the steps call, each once."""
        specs: list[HandlerSpec[Any, Any]] = []
        for step in self.spec.steps:
            specs += [
                spec for spec in (step.invoke, step.compensate) if spec is not None and spec not in specs
            ]
        return specs

    def _participant(self, spec: HandlerSpec[Any, Any]) -> Callable[[FakeCall], Any]:
        """The fake's answer to calls of `spec`: the mock of the step and phase they carry."""
        target = f"{spec.component}/{spec.name}"

        def answer(call: FakeCall) -> Any:
            phase = cast(Phase, call.headers[PHASE_HEADER])
            return self._answer(call.headers[STEP_HEADER], phase, target, call.key, call.request)

        return answer

    @property
    def states(self) -> list[SagaState[D]]:
        """Every state the saga persisted, in order."""
        codec = self.spec.run.output
        assert codec is not None
        return [codec.decode(body) for name, body in self._writes if name == STATE_KEY and body is not None]

    @property
    def statuses(self) -> list[SagaStatus]:
        """The statuses the saga went through, without repeats."""
        seen: list[SagaStatus] = []
        for state in self.states:
            if not seen or seen[-1] != state.status:
                seen.append(state.status)
        return seen

    def _awakeable(self, awakeable: FakeAwakeable) -> None:
        self.awakeables.append(awakeable.id)
        if not self._awakeable_outcomes:
            raise SagaTestError(
                f"step {self.states[-1].current_step!r} waits on an awakeable: "
                "complete it with kit.resolve_awakeable(...) or kit.reject_awakeable(...)"
            )
        self._awakeable_outcomes.popleft()(awakeable)


def _mock(kit: SagaServerKit[Any], component: str, specs: list[HandlerSpec[Any, Any]]) -> object:
    """An object whose class has one handler method per spec, answering from the kit's mocks."""

    def handler(spec: HandlerSpec[Any, Any]) -> Callable[..., Any]:
        target = f"{spec.component}/{spec.name}"

        async def handle(self: object, ctx: Any, *request: Any) -> Any:
            headers = {name.lower(): value for name, value in ctx.headers.items()}
            key = ctx.key if spec.kind is not None else None
            phase = cast(Phase, headers[PHASE_HEADER])
            return kit._answer(headers[STEP_HEADER], phase, target, key, request[0] if request else None)

        return handle

    cls = type(f"Mock_{component}", (), {spec.name: handler(spec) for spec in specs})
    return cls()


class SagaServerKit(_Mocks[D]):
    """Runs saga `spec` with `saga` on a real Restate server, against mocked participants.

    `async with kit:` serves the saga and the mocks from a thread of this process and registers
    them with the server at `admin_url` (use a server of the test's own: the mocks take the
    participants' names); `run` starts a saga through `ingress_url` and waits for its end. Local
    steps run for real: complete their awakeables through the ingress.
    """

    def __init__(
        self,
        spec: SagaSpec[D],
        saga: Saga[D],
        *,
        ingress_url: str,
        admin_url: str,
        unmocked: Literal["fail", "succeed"] = "fail",
    ) -> None:
        super().__init__(spec, saga, unmocked=unmocked)
        nested = [step.name for step in spec.steps if step.saga is not None]
        if nested:
            raise SagaTestError(
                f"steps {nested} run sagas, which SagaServerKit does not mock: test the saga with "
                "SagaTestKit, or serve it with the sagas it runs (restagen.testing.serve)"
            )
        self.ingress_url = ingress_url
        self.admin_url = admin_url
        self._thread: AppThread | None = None

    def app(self) -> Any:
        """The ASGI app: the saga's workflow and one mock per participant component."""
        by_component: dict[str, list[HandlerSpec[Any, Any]]] = {}
        for step in self.spec.steps:
            for spec in (step.invoke, step.compensate):
                if spec is not None and spec not in by_component.setdefault(spec.component, []):
                    by_component[spec.component].append(spec)
        components = [bind(self.spec.component, self.saga)]
        for name, specs in sorted(by_component.items()):
            kind: ComponentKind = "service" if specs[0].kind is None else "object"
            component = ComponentSpec(kind=kind, name=name, handlers=tuple(specs))
            components.append(bind(component, _mock(self, name, specs)))
        return restate.app(components)

    async def __aenter__(self) -> Self:
        thread = self._thread = AppThread(self.app())
        thread.start()
        try:
            await register_async(self.admin_url, thread.url)
        except BaseException:
            self._stop()
            raise
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop()

    def _stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.stop()

    async def run(self, saga_id: str, data: D) -> SagaState[D]:
        """Start saga `saga_id` with `data` through the ingress and wait until it stops."""
        await self.start(saga_id, data)
        return await self.result(saga_id)

    async def start(self, saga_id: str, data: D) -> None:
        """Start saga `saga_id` with `data` through the ingress, without waiting."""
        async with Ingress(self.ingress_url) as ingress:
            await SagaClient(ingress, self.spec).start(saga_id, data)

    async def result(self, saga_id: str) -> SagaState[D]:
        """Wait until saga `saga_id` stops; its state."""
        async with Ingress(self.ingress_url) as ingress:
            return await SagaClient(ingress, self.spec).result(saga_id)

    async def cancel(self, saga_id: str, reason: str = "cancelled") -> bool:
        """Cancel saga `saga_id` through the ingress; false when it was not running."""
        async with Ingress(self.ingress_url) as ingress:
            return await SagaClient(ingress, self.spec).cancel(saga_id, reason)

    async def resume(self, saga_id: str) -> SagaState[D]:
        """Resume saga `saga_id`, stopped FAILED, through the ingress; the state where it stops next."""
        async with Ingress(self.ingress_url) as ingress:
            client = SagaClient(ingress, self.spec)
            await client.resume(saga_id)
            return await client.result(saga_id)  # the next stop: `result` sees the resume
