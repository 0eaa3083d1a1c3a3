"""What generated code declares about a saga: its steps (`SagaStep`) and the workflow serving it.

A `SagaSpec` builds the specs of the saga workflow's handlers: `run` (executes the saga, once per
saga id), and the shared `state`, `result`, `cancel` and `resume`. Methods are named by string:
the generated base class declares them, the engine looks them up on the implementation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel

from restagen.runtime._core.codecs import JsonCodec
from restagen.runtime._core.context import WorkflowSharedHandlerContext
from restagen.runtime._core.errors import DeclaredError
from restagen.runtime._core.specs import ComponentSpec, HandlerSpec, Options, RetryPolicy
from restagen.runtime.sagas._context import SagaContext
from restagen.runtime.sagas._state import SagaState

__all__ = ["DEFAULT_COMPENSATION_RETRY", "ErrorAction", "SagaSpec", "SagaStep"]

D = TypeVar("D", bound=BaseModel)

ErrorAction = Literal["compensate", "fail"]

DEFAULT_COMPENSATION_RETRY = RetryPolicy(
    max_attempts=None, initial_interval=timedelta(seconds=1), max_interval=timedelta(minutes=1), factor=2.0
)
"""Compensations are retried without limit by default: an undone step is never given up silently."""


@dataclass(frozen=True)
class SagaStep:
    """One step: a participant call (`invoke`, optionally `compensate`) or a `local` method.

    The string fields name methods of the saga implementation: `request` builds the participant
    request from the data, `compensation` the compensation request, `local` runs a local step and
    `undo` compensates it; `predicate` decides whether the step runs (as does the data attribute
    `when`), and each of `replies` handles replies of one type (a class, or a type form such as
    `list[Flight]` or `Flight | None`; the first that matches the reply is called). `key` names
    the data field holding an object participant's key.
    """

    name: str
    invoke: HandlerSpec[Any, Any] | None = None
    request: str | None = None
    compensate: HandlerSpec[Any, Any] | None = None
    compensation: str | None = None
    key: str | None = None
    replies: tuple[tuple[Any, str], ...] = ()
    errors: tuple[tuple[type[DeclaredError], ErrorAction], ...] = ()
    local: str | None = None
    saga: SagaSpec[Any] | None = None
    """For a nested step: the saga it runs, with the id `<saga id>/<step>`; `request` builds its data."""
    undo: str | None = None
    """For a local step: the method `(ctx, data) -> None` that compensates it."""
    description: str | None = None
    when: str | None = None
    """The bool attribute of the data that must be true for the step to run."""
    predicate: str | None = None
    """The method `(ctx, data) -> bool` that must return true for the step to run."""

    def action(self, error: BaseException) -> ErrorAction:
        for declared, action in self.errors:
            if isinstance(error, declared):
                return action
        return "compensate"

    @property
    def compensable(self) -> bool:
        return self.compensate is not None or self.undo is not None or self.saga is not None


def _state_model(data: type[D]) -> type[SagaState[D]]:
    return SagaState[data]  # type: ignore[valid-type]


def _shared(
    saga: str, name: str, input: JsonCodec[Any] | None, output: JsonCodec[Any] | None, text: str
) -> HandlerSpec[Any, Any]:
    return HandlerSpec(
        component=saga,
        name=name,
        kind="shared",
        input=input,
        output=output,
        context=WorkflowSharedHandlerContext,
        description=text,
    )


@dataclass(frozen=True)
class SagaSpec(Generic[D]):
    """What generated code declares about one saga; builds the workflow's handler specs."""

    name: str
    data: type[D]
    steps: tuple[SagaStep, ...]
    retry: RetryPolicy | None = None
    """How failing compensations are retried (default: `DEFAULT_COMPENSATION_RETRY`)."""
    options: Options = field(default_factory=Options)
    description: str | None = None
    state_model: type[SagaState[D]] = field(init=False)
    run: HandlerSpec[D, SagaState[D]] = field(init=False)
    state: HandlerSpec[None, SagaState[D] | None] = field(init=False)
    result: HandlerSpec[None, SagaState[D]] = field(init=False)
    cancel: HandlerSpec[str, bool] = field(init=False)
    resume: HandlerSpec[None, None] = field(init=False)
    settle: HandlerSpec[bool, None] = field(init=False)
    component: ComponentSpec = field(init=False)
    """The Restate workflow serving the saga, keyed by saga id."""

    def __post_init__(self) -> None:
        state_model = _state_model(self.data)
        state_codec = JsonCodec[SagaState[D]](state_model)
        run = HandlerSpec[D, SagaState[D]](
            component=self.name,
            name="run",
            kind="workflow",
            input=JsonCodec(self.data),
            output=state_codec,
            context=SagaContext,
            description="Runs the saga: its steps, or their compensations.",
        )
        handlers = {
            "run": run,
            "state": _shared(
                self.name,
                "state",
                None,
                JsonCodec[SagaState[D] | None](state_model | None),
                "Where the saga is: status, steps, last error and data (null before it starts).",
            ),
            "result": _shared(
                self.name,
                "result",
                None,
                state_codec,
                "Waits until the saga stops (ended, or FAILED in a compensation) and returns its state.",
            ),
            "cancel": _shared(
                self.name,
                "cancel",
                JsonCodec(str),
                JsonCodec(bool),
                "Cancels the saga at its next step boundary, with a reason; false when it no longer runs.",
            ),
            "resume": _shared(
                self.name,
                "resume",
                None,
                None,
                "Resumes a saga FAILED in a compensation out of attempts: it retries that compensation.",
            ),
            "settle": _shared(
                self.name,
                "settle",
                JsonCodec(bool),
                None,
                "For the saga that runs this one as a step: true compensates it once it succeeded, false lets it end.",
            ),
        }
        object.__setattr__(self, "state_model", state_model)
        for name, spec in handlers.items():
            object.__setattr__(self, name, spec)
        component = ComponentSpec(
            kind="workflow",
            name=self.name,
            handlers=tuple(handlers.values()),
            options=self.options,
            description=self.description,
        )
        object.__setattr__(self, "component", component)

    def step(self, name: str) -> SagaStep:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"saga {self.name} has no step {name!r}")
