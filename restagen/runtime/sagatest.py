"""A test kit for sagas: run one against mocked participants, without a Restate server.

The saga runs through the same engine as on Restate, with a stand-in for the workflow context:
participant calls go to the replies and errors you mocked per step (encoded and decoded with the
participants' codecs, declared errors revived as on the wire), sleeps return at once, and
awakeables complete with the outcomes you queued. Afterwards, `calls` lists what the saga asked
of whom, in order, and `states` every state it persisted.

    kit = SagaTestKit(CREATE_ORDER, CreateOrderSaga())
    kit.reply("create_ticket", TicketCreated(ticket_id="t-1", order_id="o-1"))
    kit.fail("authorize_card", CardDeclined(reason="limit"))
    state = await kit.run("o-1", data)
    assert kit.history == ["invoke create_pending_order", ..., "compensate create_pending_order"]
"""

from __future__ import annotations

import inspect
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from random import Random
from typing import Any, Generic, Literal, TypeVar, cast
from uuid import UUID

from pydantic import BaseModel
from restate.exceptions import TerminalError

from restagen.runtime.errors import DeclaredError
from restagen.runtime.saga import STATE_KEY, Saga, SagaContext, SagaSpec, SagaState, SagaStatus, run_saga

__all__ = ["SagaCall", "SagaTestError", "SagaTestKit"]

D = TypeVar("D", bound=BaseModel)


class SagaTestError(AssertionError):
    """The saga did something the test did not prepare for (a reply or an awakeable not mocked)."""


@dataclass(frozen=True)
class SagaCall:
    """One call the saga made: `phase` is `invoke` or `compensate`; `target` is `component/handler`."""

    phase: Literal["invoke", "compensate"]
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


class _Request:
    def __init__(self, key: str) -> None:
        self.id = f"inv_test_{key}"
        self.headers: dict[str, str] = {}


class _FakeWorkflowContext:
    """What the saga engine uses of `restate.WorkflowContext`, answered by the kit."""

    def __init__(self, kit: SagaTestKit[Any], key: str) -> None:
        self._kit = kit
        self._key = key
        self._state: dict[str, bytes] = {}
        self._awakeables = 0
        self._random = Random(key)

    def key(self) -> str:
        return self._key

    def request(self) -> _Request:
        return _Request(self._key)

    def set(self, name: str, value: Any, serde: Any, entry_name: str | None = None) -> None:
        self._state[name] = serde.serialize(value)
        if name == STATE_KEY:
            self._kit.states.append(cast(SagaState[Any], serde.deserialize(self._state[name])))

    async def get(self, name: str, serde: Any, type_hint: Any = None) -> Any:
        return serde.deserialize(self._state[name]) if name in self._state else None

    def clear(self, name: str) -> None:
        self._state.pop(name, None)

    def clear_all(self) -> None:
        self._state.clear()

    async def generic_call(
        self, service: str, handler: str, arg: bytes, key: str | None = None, **_: Any
    ) -> bytes:
        return await self._kit._call(service, handler, arg, key)

    async def sleep(self, delta: timedelta, name: str | None = None) -> None:
        self._kit.sleeps.append(delta)

    def awakeable(self, serde: Any = None) -> tuple[str, Any]:
        self._awakeables += 1
        awakeable_id = f"awk_test_{self._key}_{self._awakeables}"
        return awakeable_id, self._kit._awakeable(awakeable_id)

    async def run_typed(self, name: str, action: Callable[[], Any], options: Any = None) -> Any:
        result = action()
        return await result if inspect.isawaitable(result) else result

    def random(self) -> Random:
        return self._random

    def uuid(self) -> UUID:
        return UUID(int=self._random.getrandbits(128), version=4)

    async def time(self) -> float:
        return 0.0


class SagaTestKit(Generic[D]):
    """Runs saga `spec` with the implementation `saga` against mocked participants."""

    def __init__(self, spec: SagaSpec[D], saga: Saga[D]) -> None:
        self.spec = spec
        self.saga = saga
        self._invoke: dict[str, _Outcome] = {}
        self._compensate: dict[str, deque[_Outcome]] = {}
        self._awakeable_outcomes: deque[_Outcome] = deque()
        self.calls: list[SagaCall] = []
        """Every participant call, in order."""
        self.states: list[SagaState[D]] = []
        """Every state the saga persisted, in order."""
        self.sleeps: list[timedelta] = []
        """Every durable sleep (compensation back-offs included)."""
        self.awakeables: list[str] = []
        """The ids of the awakeables the saga created."""
        self._current: SagaState[D] | None = None

    # -- preparing -------------------------------------------------------------------------

    def reply(self, step: str, value: Any) -> SagaTestKit[D]:
        """The participant of `step` answers `value` (replacing what was mocked for it)."""
        return self.answer(step, lambda request: value)

    def answer(self, step: str, function: Callable[[Any], Any]) -> SagaTestKit[D]:
        """The participant of `step` answers `function(request)`, which may raise."""
        self.spec.step(step)  # a KeyError for a step the saga does not have
        self._invoke[step] = function
        return self

    def fail(self, step: str, error: BaseException) -> SagaTestKit[D]:
        """The participant of `step` raises `error`: a declared error, or a `TerminalError`."""
        return self.answer(step, _raise(error))

    def fail_compensation(self, step: str, error: BaseException, *, times: int = 1) -> SagaTestKit[D]:
        """The compensation of `step` raises `error` on its next `times` attempts, then succeeds."""
        self.spec.step(step)
        self._compensate.setdefault(step, deque()).extend([_raise(error)] * times)
        return self

    def resolve_awakeable(self, value: Any) -> SagaTestKit[D]:
        """The next awakeable the saga waits on completes with `value`."""
        self._awakeable_outcomes.append(lambda awakeable_id: value)
        return self

    def reject_awakeable(self, message: str, code: int = 500) -> SagaTestKit[D]:
        """The next awakeable the saga waits on fails with a terminal error."""
        self._awakeable_outcomes.append(_raise(TerminalError(message, status_code=code)))
        return self

    # -- running ---------------------------------------------------------------------------

    async def run(self, saga_id: str, data: D) -> SagaState[D]:
        """Run the saga to its end and return its final state."""
        fake = _FakeWorkflowContext(self, saga_id)
        ctx = SagaContext(cast(Any, fake))
        return await run_saga(self.spec, self.saga, ctx, data)

    @property
    def history(self) -> list[str]:
        """The calls as `"invoke <step>"` / `"compensate <step>"`."""
        return [str(call) for call in self.calls]

    @property
    def statuses(self) -> list[SagaStatus]:
        """The statuses the saga went through, without repeats."""
        seen: list[SagaStatus] = []
        for state in self.states:
            if not seen or seen[-1] != state.status:
                seen.append(state.status)
        return seen

    async def _call(self, service: str, handler: str, body: bytes, key: str | None) -> bytes:
        state = self.states[-1]
        step_name = state.current_step
        assert step_name is not None, "a participant call outside a step"
        step = self.spec.step(step_name)
        compensating = state.status == SagaStatus.COMPENSATING
        spec = step.compensate if compensating else step.invoke
        assert spec is not None and (spec.component, spec.name) == (service, handler)
        request = spec.input.decode(body) if spec.input is not None else None
        phase: Literal["invoke", "compensate"] = "compensate" if compensating else "invoke"
        self.calls.append(SagaCall(phase, step_name, f"{service}/{handler}", key, request))
        failures = self._compensate.get(step_name) if compensating else None
        mocked = None if compensating else self._invoke.get(step_name)
        if failures:
            outcome = failures.popleft()
        elif mocked is not None:
            outcome = mocked
        elif compensating or spec.output is None:
            outcome = _no_reply
        else:
            raise SagaTestError(
                f"step {step_name!r} calls {service}/{handler}: mock its reply with kit.reply({step_name!r}, ...)"
            )
        try:
            reply = outcome(request)
        except DeclaredError as error:
            raise error.to_terminal() from None
        if spec.output is None:
            return b""
        return spec.output.encode(reply)

    async def _awakeable(self, awakeable_id: str) -> Any:
        self.awakeables.append(awakeable_id)
        if not self._awakeable_outcomes:
            raise SagaTestError(
                f"step {self.states[-1].current_step!r} waits on an awakeable: "
                "complete it with kit.resolve_awakeable(...) or kit.reject_awakeable(...)"
            )
        return self._awakeable_outcomes.popleft()(awakeable_id)


def _no_reply(request: Any) -> None:
    return None
