"""Sagas: orchestrated transactions with compensation, run as Restate workflows keyed by saga id.

A generated saga module declares a `SagaSpec` (the ordered steps, their participants and the
methods that build their requests) and a base class deriving from `Saga`, which knows its spec.
An endpoint binds an implementation to `spec.component` (`bind_saga` does it without one): a
Restate workflow with two handlers, the base class's own `run`, which executes the steps, and
`state`, which reads the persisted `SagaState` at any time. Participant calls carry the step and
the phase in headers (`STEP_HEADER`, `PHASE_HEADER`).

How a run goes: each step's participant is called durably (the call and its result are in the
journal, so a replay after a crash never calls it again); a reply handler may update the data;
a local step runs user code (awakeables, sleeps, `run`). A declared error, a terminal error or a
`SagaRejected` switches to compensation: the compensations of the steps whose participant
answered run in reverse order. A compensation that fails terminally is called again after a
durable sleep, under `SagaSpec.retry`; when its attempts run out the saga stops as `FAILED`,
with the compensations that are left untouched, rather than skipping one. Any other exception is
left to Restate, which retries the run from its journal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from types import UnionType
from typing import Any, ClassVar, Generic, Literal, TypeVar, Union, cast, get_args, get_origin

import restate
from pydantic import BaseModel, RootModel
from restate.exceptions import TerminalError

from restagen.runtime._core.calls import ContextCaller
from restagen.runtime._core.codecs import JsonCodec
from restagen.runtime._core.context import WorkflowHandlerContext, WorkflowSharedHandlerContext
from restagen.runtime._core.errors import DeclaredError
from restagen.runtime._core.specs import ComponentSpec, HandlerSpec, Options, RetryPolicy
from restagen.runtime._endpoint.binding import RestateComponent, bind

__all__ = [
    "DEFAULT_COMPENSATION_RETRY",
    "PHASE_HEADER",
    "STATE_KEY",
    "STEP_HEADER",
    "ErrorAction",
    "Saga",
    "SagaContext",
    "SagaFailure",
    "SagaRejected",
    "SagaSpec",
    "SagaState",
    "SagaStatus",
    "SagaStep",
    "bind_saga",
    "run_saga",
]

D = TypeVar("D", bound=BaseModel)

ErrorAction = Literal["compensate", "fail"]

STATE_KEY = "saga"
"""The workflow state key holding the `SagaState`."""
STEP_HEADER = "x-restagen-saga-step"
PHASE_HEADER = "x-restagen-saga-phase"
"""Headers of every participant call: which step made it, and whether to `invoke` or `compensate`."""

DEFAULT_COMPENSATION_RETRY = RetryPolicy(
    max_attempts=None, initial_interval=timedelta(seconds=1), max_interval=timedelta(minutes=1), factor=2.0
)
"""Compensations are retried without limit by default: an undone step is never given up silently."""


class SagaStatus(StrEnum):
    RUNNING = "RUNNING"
    COMPENSATING = "COMPENSATING"
    SUCCEEDED = "SUCCEEDED"
    ROLLED_BACK = "ROLLED_BACK"
    FAILED = "FAILED"


class SagaFailure(BaseModel):
    """Why a step or a compensation failed."""

    step: str
    phase: Literal["invoke", "reply", "local", "compensate"]
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
    compensated_steps: list[str] = []
    last_error: SagaFailure | None = None
    """The latest failure: of a step, or of a compensation attempt."""
    cause: SagaFailure | None = None
    """The failure that made the saga compensate (or fail): kept while compensations fail."""
    data: D


class SagaRejected(Exception):
    """Raised by a reply handler or a local step: the saga cannot go on and compensates."""

    def __init__(self, message: str, code: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class SagaStep:
    """One step: a participant call (`invoke`, optionally `compensate`) or a `local` method.

    The string fields name methods of the saga implementation: `request` builds the participant
    request from the data, `compensation` the compensation request, `local` runs a local step,
    and each of `replies` handles replies of one type (a class, or a type form such as
    `list[Flight]` or `Flight | None`; the first that matches the reply is called). `key` names the data field holding an
    object participant's key.
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
    description: str | None = None

    def action(self, error: BaseException) -> ErrorAction:
        for declared, action in self.errors:
            if isinstance(error, declared):
                return action
        return "compensate"


class SagaContext(WorkflowHandlerContext):
    """The context of a saga's step methods: a workflow context keyed by the saga id."""

    def __init__(self, ctx: restate.WorkflowContext) -> None:
        super().__init__(ctx)
        self._save: Callable[[], None] | None = None
        self.failure: SagaFailure | None = None
        """While compensating: the failure that made the saga compensate."""

    @property
    def saga_id(self) -> str:
        return self.key

    def save(self) -> None:
        """Persist the saga data now, so that `state` shows it before the step ends.

        For instance the id of an awakeable a local step waits on, for whoever completes it.
        """
        if self._save is not None:
            self._save()


class Saga(Generic[D]):
    """The base of every generated saga base class: the workflow's two handlers, and lifecycle
    hooks (all optional).

    Hooks run inside the workflow and are replayed after a crash like any step code: wrap side
    effects in `ctx.run`.
    """

    saga_spec: ClassVar[SagaSpec[Any]]
    """Set by the generated base class."""

    async def run(self, ctx: SagaContext, data: D) -> SagaState[D]:
        """The workflow's `run` handler: executes the saga (never override it)."""
        return await _Run(self.saga_spec, self, ctx, data).execute()

    async def state(self, ctx: WorkflowSharedHandlerContext) -> SagaState[D] | None:
        """The workflow's shared `state` handler: where the saga is (never override it)."""
        codec = self.saga_spec.state.output
        return await ctx.restate.get(STATE_KEY, serde=codec)  # type: ignore[arg-type]

    async def on_started(self, ctx: SagaContext, data: D) -> None:
        """Before the first step."""

    async def on_succeeded(self, ctx: SagaContext, data: D) -> None:
        """After the last step."""

    async def on_rolled_back(self, ctx: SagaContext, data: D, failure: SagaFailure) -> None:
        """After the last compensation; `failure` is what made the saga compensate."""

    async def on_failed(self, ctx: SagaContext, data: D, failure: SagaFailure) -> None:
        """When the saga stops as FAILED (an `on_error: fail`, or a compensation out of attempts)."""


def _state_model(data: type[D]) -> type[SagaState[D]]:
    return SagaState[data]  # type: ignore[valid-type]


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
    component: ComponentSpec = field(init=False)
    """The Restate workflow serving the saga: `run` and `state`, keyed by saga id."""

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
        state = HandlerSpec[None, SagaState[D] | None](
            component=self.name,
            name="state",
            kind="shared",
            input=None,
            output=JsonCodec[SagaState[D] | None](state_model | None),
            context=WorkflowSharedHandlerContext,
            description="Where the saga is: status, steps, last error and data (null before it starts).",
        )
        object.__setattr__(self, "state_model", state_model)
        object.__setattr__(self, "run", run)
        object.__setattr__(self, "state", state)
        component = ComponentSpec(
            kind="workflow",
            name=self.name,
            handlers=(run, state),
            options=self.options,
            description=self.description,
        )
        object.__setattr__(self, "component", component)

    def step(self, name: str) -> SagaStep:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"saga {self.name} has no step {name!r}")


def _failure(step: str, phase: Any, error: BaseException, attempt: int = 1) -> SagaFailure:
    if isinstance(error, DeclaredError):
        return SagaFailure(
            step=step,
            phase=phase,
            message=str(error),
            code=error.code,
            error=type(error).__name__,
            attempt=attempt,
        )
    if isinstance(error, SagaRejected):
        return SagaFailure(step=step, phase=phase, message=error.message, code=error.code, attempt=attempt)
    if isinstance(error, TerminalError):
        return SagaFailure(
            step=step, phase=phase, message=error.message, code=error.status_code, attempt=attempt
        )
    return SagaFailure(step=step, phase=phase, message=str(error), attempt=attempt)


def matches(value: Any, form: Any) -> bool:
    """Whether a decoded reply `value` is of the type `form`: a class, `Any`, `None`, a union, or
    `list[...]` / `dict[str, ...]` (checked item by item: an empty one matches any item type)."""
    if form is Any:
        return True
    if form is None or form is type(None):
        return value is None
    if isinstance(form, UnionType) or get_origin(form) is Union:
        return any(matches(value, member) for member in get_args(form))
    origin = get_origin(form)
    if origin is list:
        return isinstance(value, list) and all(matches(item, get_args(form)[0]) for item in value)
    if origin is dict:
        return isinstance(value, dict) and all(matches(item, get_args(form)[1]) for item in value.values())
    if isinstance(value, bool):  # JSON's true is no number, though Python's bool is an int
        return form is bool
    if form is float:  # a float field may arrive as a whole number
        return isinstance(value, int | float)
    return isinstance(value, form)


_STOPS = (TerminalError, DeclaredError, SagaRejected)
"""What ends a step or a compensation attempt; any other exception is retried by Restate."""


def _delay(policy: RetryPolicy, attempt: int) -> timedelta:
    initial = policy.initial_interval or timedelta(seconds=1)
    delay = initial * ((policy.factor or 2.0) ** (attempt - 1))
    if policy.max_interval is not None:
        delay = min(delay, policy.max_interval)
    return delay


class _Run(Generic[D]):
    """One execution (or replay) of a saga's `run` handler."""

    def __init__(self, spec: SagaSpec[D], saga: Saga[D], ctx: SagaContext, data: D) -> None:
        self.spec = spec
        self.saga = saga
        self.ctx = ctx
        self.sdk = ctx.restate
        self.codec = spec.run.output
        self.state = spec.state_model(saga_id=ctx.key, data=data)
        self.caller = ContextCaller(ctx)
        ctx._save = self.save

    def save(self) -> None:
        self.sdk.set(STATE_KEY, self.state, serde=self.codec)  # type: ignore[arg-type]  # never None

    def method(self, name: str) -> Callable[..., Awaitable[Any]]:
        return cast(Callable[..., Awaitable[Any]], getattr(self.saga, name))

    async def call(self, spec: HandlerSpec[Any, Any], request: Any, step: SagaStep) -> Any:
        phase = "compensate" if self.state.status == SagaStatus.COMPENSATING else "invoke"
        headers = {STEP_HEADER: step.name, PHASE_HEADER: phase}
        key = self.key(step) if spec.kind is not None else None  # objects only: a step may mix
        return await self.caller.call(spec, request, key=key, headers=headers)

    def key(self, step: SagaStep) -> str | None:
        return None if step.key is None else str(getattr(self.state.data, step.key))

    async def request(self, method: str | None, spec: HandlerSpec[Any, Any]) -> Any:
        if method is None or spec.input is None:
            return None
        return await self.method(method)(self.ctx, self.state.data)

    async def reply(self, step: SagaStep, reply: Any) -> None:
        # A named union arrives wrapped: its handler takes it whole, a member's handler the member.
        candidates = (reply, reply.root) if isinstance(reply, RootModel) else (reply,)
        for reply_type, method in step.replies:
            for candidate in candidates:
                if matches(candidate, reply_type):
                    await self.method(method)(self.ctx, self.state.data, candidate)
                    return

    async def execute(self) -> SagaState[D]:
        state, data = self.state, self.state.data
        self.save()
        await self.saga.on_started(self.ctx, data)
        for step in self.spec.steps:
            state.current_step = step.name
            self.save()
            phase = "local" if step.local else "invoke"
            try:
                if step.local is not None:
                    await self.method(step.local)(self.ctx, data)
                elif step.invoke is not None:
                    reply = await self.call(step.invoke, await self.request(step.request, step.invoke), step)
                    # The participant answered: from here on its compensation is owed.
                    state.completed_steps.append(step.name)
                    phase = "reply"
                    await self.reply(step, reply)
            except _STOPS as error:
                state.last_error = state.cause = _failure(step.name, phase, error)
                if phase == "invoke" and step.action(error) == "fail":
                    return await self.fail()
                return await self.compensate()
            if step.local is not None:
                state.completed_steps.append(step.name)
        state.status = SagaStatus.SUCCEEDED
        state.current_step = None
        self.save()
        await self.saga.on_succeeded(self.ctx, data)
        return state

    async def compensate(self) -> SagaState[D]:
        state = self.state
        state.status = SagaStatus.COMPENSATING
        self.save()
        cause = self.ctx.failure = state.cause
        for name in reversed(state.completed_steps):
            step = self.spec.step(name)
            if step.compensate is None:
                continue
            state.current_step = name
            self.save()
            if not await self.compensate_step(step, step.compensate):
                return await self.fail()
            state.compensated_steps.append(name)
        state.status = SagaStatus.ROLLED_BACK
        state.current_step = None
        self.save()
        assert cause is not None
        await self.saga.on_rolled_back(self.ctx, state.data, cause)
        return state

    async def compensate_step(self, step: SagaStep, spec: HandlerSpec[Any, Any]) -> bool:
        policy = self.spec.retry or DEFAULT_COMPENSATION_RETRY
        attempt = 0
        while True:
            attempt += 1
            try:
                await self.call(spec, await self.request(step.compensation, spec), step)
                return True
            except _STOPS as error:
                self.state.last_error = _failure(step.name, "compensate", error, attempt)
                self.save()
                if policy.max_attempts is not None and attempt >= policy.max_attempts:
                    return False
            await self.sdk.sleep(_delay(policy, attempt))

    async def fail(self) -> SagaState[D]:
        state = self.state
        state.status = SagaStatus.FAILED
        self.save()
        assert state.last_error is not None
        await self.saga.on_failed(self.ctx, state.data, state.last_error)
        return state


def run_saga(spec: SagaSpec[D], saga: Saga[D], ctx: SagaContext, data: D) -> Awaitable[SagaState[D]]:
    """Execute the saga in the workflow context `ctx`, as the workflow's `run` handler does."""
    return _Run(spec, saga, ctx, data).execute()


def bind_saga(saga: Saga[Any]) -> RestateComponent:
    """The Restate workflow running `saga` (an endpoint binds `saga.saga_spec.component` itself)."""
    return bind(saga.saga_spec.component, saga)
