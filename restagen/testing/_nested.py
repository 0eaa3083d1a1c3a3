"""Nested sagas in `SagaTestKit`: the sagas a saga runs as steps, mocked like participants.

A step that runs a saga talks to that saga's workflow: it starts `run`, waits on `result`, and
later `settle`s it (true to compensate it) or `resume`s it. Here each child's workflow is played
from the step's mocks: `reply(step, data)` makes the child succeed with that data, `fail(step,
error)` makes it roll back with that cause, and `fail_compensation(step, error, times=n)` makes its
compensation stop FAILED `n` times. Starting it is recorded as `invoke <step>`, each compensation
attempt as `compensate <step>`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from restate.exceptions import TerminalError

from restagen.runtime._core.errors import DeclaredError
from restagen.runtime.sagas._engine import SagaRejected
from restagen.runtime.sagas._spec import SagaStep
from restagen.runtime.sagas._state import Phase, SagaFailure, SagaState, SagaStatus
from restagen.testing._context import FakeCall, FakeContext

if TYPE_CHECKING:
    from restagen.testing._sagas import _Mocks

__all__ = ["NestedSagas"]

_STOPS = (TerminalError, DeclaredError, SagaRejected)


def _failure(step: str, phase: Phase, error: BaseException) -> SagaFailure:
    code = getattr(error, "code", None) or getattr(error, "status_code", None)
    return SagaFailure(step=step, phase=phase, message=str(error), code=code)


class NestedSagas:
    """The child workflows of one saga run in the kit, answered from the kit's mocks."""

    def __init__(self, mocks: _Mocks[Any], fake: FakeContext) -> None:
        self._mocks = mocks
        self._fake = fake
        self._states: dict[str, SagaState[Any]] = {}
        self._undoing: set[str] = set()
        answered: set[str] = set()
        for step in mocks.spec.steps:
            child = step.saga
            if child is None or child.name in answered:
                continue
            answered.add(child.name)
            fake.answer(child.run, lambda call: None)  # a send, never answered: this decodes it
            for spec, answer in (
                (child.result, self._result),
                (child.state, self._state),
                (child.settle, self._settle),
                (child.resume, self._resume),
            ):
                fake.answer(spec, self._for_step(answer))

    def _for_step(self, answer: Callable[[SagaStep, FakeCall], Any]) -> Callable[[FakeCall], Any]:
        """An answer given the step, read from the child's id (`<saga id>/<step>`)."""

        def for_step(call: FakeCall) -> Any:
            assert call.key is not None
            return answer(self._mocks.spec.step(call.key.rsplit("/", 1)[-1]), call)

        return for_step

    def _child(
        self, step: SagaStep, key: str, data: Any, status: SagaStatus, **fields: Any
    ) -> SagaState[Any]:
        child = step.saga
        assert child is not None
        return child.state_model(saga_id=key, status=status, data=data, **fields)

    def _result(self, step: SagaStep, call: FakeCall) -> SagaState[Any]:
        assert call.key is not None and step.saga is not None
        state = self._states.get(step.name)
        if state is None:
            started = [
                c for c in self._fake.calls if c.target == f"{step.saga.name}/run" and c.key == call.key
            ]
            data = started[-1].request
            try:
                ended = self._mocks._answer(step.name, "invoke", f"{step.saga.name}/run", call.key, data)
            except _STOPS as error:
                cause = _failure(step.name, "invoke", error)
                state = self._child(
                    step, call.key, data, SagaStatus.ROLLED_BACK, cause=cause, last_error=cause
                )
            else:
                state = self._child(step, call.key, ended, SagaStatus.SUCCEEDED)
        elif step.name in self._undoing:
            self._undoing.discard(step.name)
            try:
                self._mocks._answer(step.name, "compensate", f"{step.saga.name}/settle", call.key, True)
            except _STOPS as error:
                failure = _failure(step.name, "compensate", error)
                state = state.model_copy(update={"status": SagaStatus.FAILED, "last_error": failure})
            else:
                state = state.model_copy(update={"status": SagaStatus.ROLLED_BACK})
        self._states[step.name] = state
        return state

    def _state(self, step: SagaStep, call: FakeCall) -> SagaState[Any] | None:
        return self._states.get(step.name)

    def _settle(self, step: SagaStep, call: FakeCall) -> None:
        if call.request:
            self._undoing.add(step.name)

    def _resume(self, step: SagaStep, call: FakeCall) -> None:
        self._undoing.add(step.name)
