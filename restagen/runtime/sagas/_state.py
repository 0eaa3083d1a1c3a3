"""Where a saga is: its status, the steps done, skipped and undone, its failures and its data.

`SagaState` is persisted in the saga workflow's state after every transition and read by its
`state` handler; `SagaFailure` says what stopped a step, a compensation attempt, or the saga (a
cancellation is recorded as a failure of phase `cancel`). Fields added later have defaults, so
that the state of a saga persisted before still reads.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel

__all__ = ["ENDED", "Phase", "SagaFailure", "SagaState", "SagaStatus"]

D = TypeVar("D", bound=BaseModel)

Phase = Literal["cancel", "parent", "condition", "invoke", "reply", "local", "compensate"]
"""What a failure interrupted: the saga (cancelled, or undone with its parent saga), a step's
condition, its participant, its reply handler, a local step, or a compensation."""


class SagaStatus(StrEnum):
    RUNNING = "RUNNING"
    COMPENSATING = "COMPENSATING"
    SUCCEEDED = "SUCCEEDED"
    ROLLED_BACK = "ROLLED_BACK"
    CANCELLED = "CANCELLED"
    """Cancelled while running: the steps done were compensated."""
    FAILED = "FAILED"
    """Stopped by `on_error: fail`, or by a compensation out of attempts (then it can be resumed)."""


ENDED = frozenset({SagaStatus.SUCCEEDED, SagaStatus.ROLLED_BACK, SagaStatus.CANCELLED, SagaStatus.FAILED})
"""The statuses a saga stops in (a FAILED one may be resumed)."""


class SagaFailure(BaseModel):
    """Why a step or a compensation failed, or why the saga was cancelled."""

    step: str
    phase: Phase
    message: str
    code: int | None = None
    error: str | None = None
    """The class name of a declared error, when it was one."""
    attempt: int = 1
    """For a compensation: which attempt failed."""


class SagaState(BaseModel, Generic[D]):
    """Where a saga is: persisted after every transition, read by the `state` handler."""

    saga_id: str
    status: SagaStatus = SagaStatus.RUNNING
    current_step: str | None = None
    completed_steps: list[str] = []
    skipped_steps: list[str] = []
    """The steps whose condition was false: never run, never compensated."""
    compensated_steps: list[str] = []
    last_error: SagaFailure | None = None
    """The latest failure: of a step, or of a compensation attempt."""
    cause: SagaFailure | None = None
    """The failure that made the saga compensate (or fail): kept while compensations fail."""
    resumes: int = 0
    """How many times the saga was resumed after a compensation ran out of attempts."""
    stops: int = 0
    """How many times the saga stopped (ended, or stopped FAILED to be resumed)."""
    data: D

    @property
    def resumable(self) -> bool:
        """Whether `resume` applies: the saga stopped FAILED in a compensation out of attempts."""
        error = self.last_error
        return self.status == SagaStatus.FAILED and error is not None and error.phase == "compensate"
