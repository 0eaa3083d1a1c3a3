"""Sagas: orchestrated transactions with compensation, run as Restate workflows keyed by saga id.

A generated saga module declares a `SagaSpec` and a base class deriving from `Saga`, which knows
its spec. An endpoint binds an implementation to `spec.component` (`bind_saga` does it without
one): a Restate workflow whose `run` executes the steps, with shared handlers beside it to read
the `SagaState` (`state`), wait for the saga to stop (`result`), `cancel` and `resume` it, and,
for a parent saga running it as a step, `settle` it. Participant calls carry the step and the
phase in headers (`STEP_HEADER`, `PHASE_HEADER`).

How a run goes: before each step the engine looks for a cancellation; a step whose condition is
false is skipped; each step's participant is called durably (the call and its result are in the
journal, so a replay after a crash never calls it again); a reply handler may update the data; a
local step runs user code (awakeables, sleeps, `run`). A declared error, a terminal error, a
`SagaRejected` or a cancellation switches to compensation: the compensations of the steps done
run in reverse order. A compensation that fails terminally is called again after a durable sleep,
under `SagaSpec.retry`; when its attempts run out the saga stops as `FAILED` at that step, rather
than skipping one, and waits: `resume` retries it with fresh attempts and goes on. Each stop is
published on a workflow promise (`saga-stopped-<n>`), which `result` waits on. A step may run
another saga, started with a derived id (`<id>/<step>`); that child, once succeeded, waits for its
parent to settle it: compensated with the parent, or let end. Any other exception is left to
Restate, which retries the run from its journal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import timedelta
from types import UnionType
from typing import Any, ClassVar, Generic, TypeVar, Union, cast, get_args, get_origin

from pydantic import BaseModel, RootModel
from restate.exceptions import TerminalError

from restagen.runtime._core.calls import ContextCaller
from restagen.runtime._core.codecs import Codec, JsonCodec
from restagen.runtime._core.context import WorkflowSharedHandlerContext
from restagen.runtime._core.errors import DeclaredError
from restagen.runtime._core.specs import HandlerSpec, RetryPolicy
from restagen.runtime._endpoint.binding import RestateComponent, bind
from restagen.runtime.sagas._context import CANCEL_PROMISE, REASON, SagaCancelled, SagaContext
from restagen.runtime.sagas._spec import DEFAULT_COMPENSATION_RETRY, ErrorAction, SagaSpec, SagaStep
from restagen.runtime.sagas._state import ENDED, Phase, SagaFailure, SagaState, SagaStatus

__all__ = [
    "PARENT_HEADER",
    "PHASE_HEADER",
    "STATE_KEY",
    "STEP_HEADER",
    "Saga",
    "SagaRejected",
    "bind_saga",
    "matches",
    "resume_promise",
    "run_saga",
    "stopped_promise",
]

D = TypeVar("D", bound=BaseModel)

STATE_KEY = "saga"
"""The workflow state key holding the `SagaState`."""
STEP_HEADER = "x-restagen-saga-step"
PHASE_HEADER = "x-restagen-saga-phase"
"""Headers of every participant call: which step made it, and whether to `invoke` or `compensate`."""
PARENT_HEADER = "x-restagen-saga-parent"
"""Starts a saga as a step of another (`<saga>/<id>`): once succeeded, it waits to be settled."""

_RESUME: Codec[bool] = JsonCodec(bool)
_SETTLE_PROMISE = "saga-settle"
"""Resolved by the parent saga: true to compensate this one, false to let it end."""


def stopped_promise(stop: int) -> str:
    """The promise on which the run publishes its state when it stops for the `stop`-th time
    (from 0): `SagaState.stops` counts them."""
    return f"saga-stopped-{stop}"


def resume_promise(resumes: int) -> str:
    """The promise that resumes a saga stopped FAILED after `resumes` resumes."""
    return f"saga-resume-{resumes}"


class SagaRejected(Exception):  # the saga's own verb, as in "the hotel was rejected"
    """Raised by a reply handler or a local step: the saga cannot go on and compensates."""

    def __init__(self, message: str, code: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class Saga(Generic[D]):
    """The base of every generated saga base class: the workflow's handlers, and lifecycle
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
        return await _read(self.saga_spec, ctx)

    async def result(self, ctx: WorkflowSharedHandlerContext) -> SagaState[D]:
        """The shared `result` handler: waits for the saga to stop (never override it)."""
        state = await _read(self.saga_spec, ctx)
        if state is not None and _earlier(state):
            return await _polled(self.saga_spec, ctx, state)
        stop = 0 if state is None else state.stops
        if state is not None and state.status in ENDED and not await _going_on(ctx, state):
            stop -= 1  # it stopped there: that stop's promise is resolved
        return await ctx.promise(stopped_promise(stop), self.saga_spec.result.output).value()  # type: ignore[arg-type]

    async def cancel(self, ctx: WorkflowSharedHandlerContext, reason: str) -> bool:
        """The shared `cancel` handler (never override it): false when the saga is not running."""
        state = await _read(self.saga_spec, ctx)
        if state is None or state.status != SagaStatus.RUNNING or _earlier(state):
            return False
        with suppress(TerminalError):  # cancelled before: the first reason stands
            await ctx.promise(CANCEL_PROMISE, REASON).resolve(reason)
        return True

    async def resume(self, ctx: WorkflowSharedHandlerContext) -> None:
        """The shared `resume` handler (never override it)."""
        state = await _read(self.saga_spec, ctx)
        if state is None or not state.resumable or _earlier(state):
            found = "not started" if state is None else state.status.value
            raise TerminalError(
                f"saga {ctx.key} is {found}: only a saga FAILED in a compensation can be resumed",
                status_code=409,
            )
        with suppress(TerminalError):  # resumed twice before the run went on: once is what was asked
            await ctx.promise(resume_promise(state.resumes), _RESUME).resolve(True)

    async def settle(self, ctx: WorkflowSharedHandlerContext, compensate: bool) -> None:
        """The shared `settle` handler, for a parent saga (never override it)."""
        with suppress(TerminalError):  # settled before: the first answer stands
            await ctx.promise(_SETTLE_PROMISE, _RESUME).resolve(compensate)

    async def on_started(self, ctx: SagaContext, data: D) -> None:
        """Before the first step."""

    async def on_succeeded(self, ctx: SagaContext, data: D) -> None:
        """After the last step."""

    async def on_rolled_back(self, ctx: SagaContext, data: D, failure: SagaFailure) -> None:
        """After the last compensation; `failure` is what made the saga compensate."""

    async def on_cancelled(self, ctx: SagaContext, data: D, failure: SagaFailure) -> None:
        """After the last compensation of a cancelled saga; `failure.message` is the reason."""

    async def on_failed(self, ctx: SagaContext, data: D, failure: SagaFailure) -> None:
        """When the saga stops as FAILED (an `on_error: fail`, or a compensation out of attempts)."""


async def _read(spec: SagaSpec[D], ctx: WorkflowSharedHandlerContext) -> SagaState[D] | None:
    return await ctx.restate.get(STATE_KEY, serde=spec.state.output)  # type: ignore[arg-type]


_POLL = timedelta(seconds=1)


def _earlier(state: SagaState[Any]) -> bool:
    """Whether the saga's run began under an earlier restagen: it saves no `stops`, publishes no
    stops, and watches for no cancellation or resumption."""
    return "stops" not in state.model_fields_set


async def _polled(spec: SagaSpec[D], ctx: WorkflowSharedHandlerContext, state: SagaState[D]) -> SagaState[D]:
    """The end of a saga whose run began under an earlier restagen, which published no stops (it
    saved no `stops`): read its state until it ended, sleeping durably in between."""
    while state.status not in ENDED:
        await ctx.sleep(_POLL)
        found = await _read(spec, ctx)
        assert found is not None  # it was there before
        state = found
    return state


async def _going_on(ctx: WorkflowSharedHandlerContext, state: SagaState[Any]) -> bool:
    """Whether a stopped saga was told to go on (resumed, or to compensate for its parent),
    though its run has not said so yet."""
    if state.resumable:
        return await ctx.promise(resume_promise(state.resumes), _RESUME).peek() is not None
    if state.status == SagaStatus.SUCCEEDED:
        return bool(await ctx.promise(_SETTLE_PROMISE, _RESUME).peek())
    return False


def _failure(step: str, phase: Phase, error: BaseException, attempt: int = 1) -> SagaFailure:
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


class _ChildStopped(Exception):
    """A nested saga stopped without succeeding."""

    def __init__(self, state: SagaState[Any]) -> None:
        super().__init__(state.status.value)
        self.state = state


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

    async def wanted(self, step: SagaStep) -> bool:
        """Whether the step's condition holds (a step without one always runs)."""
        if step.when is not None and not getattr(self.state.data, step.when):
            return False
        return step.predicate is None or bool(await self.method(step.predicate)(self.ctx, self.state.data))

    async def execute(self) -> SagaState[D]:
        state = self.state
        self.save()
        await self.saga.on_started(self.ctx, state.data)
        for step in self.spec.steps:
            match await self.forward(step):
                case "fail":
                    return await self.fail()
                case "compensate":
                    return await self.compensate()
        state.current_step = None
        await self.stopped(SagaStatus.SUCCEEDED)
        await self.saga.on_succeeded(self.ctx, state.data)
        parent = next((v for k, v in self.ctx.headers.items() if k.lower() == PARENT_HEADER), None)
        if parent is not None and await self.ctx.promise(_SETTLE_PROMISE, _RESUME).value():
            last = state.completed_steps[-1] if state.completed_steps else self.spec.steps[-1].name
            message = f"undone with its parent saga {parent}"
            state.last_error = state.cause = SagaFailure(step=last, phase="parent", message=message)
            return await self.compensate()
        return await self.end()

    async def forward(self, step: SagaStep) -> ErrorAction | None:
        """Run `step` (or skip it); what to do instead of going on, when it failed (`state.cause`)."""
        state, data = self.state, self.state.data
        phase: Phase = "cancel"
        self.ctx._interruptible = True
        try:
            reason = await self.ctx.promise(CANCEL_PROMISE, REASON).peek()
            if reason is not None:
                raise SagaCancelled(reason)
            phase = "condition"
            if not await self.wanted(step):
                state.skipped_steps.append(step.name)
                return None
            state.current_step = step.name
            self.save()
            if step.local is not None:
                phase = "local"
                await self.method(step.local)(self.ctx, data)
                state.completed_steps.append(step.name)
            elif step.saga is not None:
                phase = "invoke"
                ended = await self.child(step)
                if ended.status != SagaStatus.SUCCEEDED:
                    raise _ChildStopped(ended)
                state.completed_steps.append(step.name)
                phase = "reply"
                await self.reply(step, ended.data)
            elif step.invoke is not None:
                phase = "invoke"
                reply = await self.call(step.invoke, await self.request(step.request, step.invoke), step)
                # The participant answered: from here on its compensation is owed.
                state.completed_steps.append(step.name)
                phase = "reply"
                await self.reply(step, reply)
            return None
        except SagaCancelled as cancelled:
            state.last_error = state.cause = SagaFailure(
                step=step.name, phase="cancel", message=cancelled.reason
            )
            return "compensate"
        except _ChildStopped as stopped:
            # The child compensated itself, or stopped FAILED in its compensations: then so does this one.
            ended = stopped.state
            assert step.saga is not None
            reason = ended.cause.message if ended.cause is not None else ended.status.value
            message = f"saga {step.saga.name} {ended.saga_id} ended {ended.status.value}: {reason}"
            state.last_error = state.cause = SagaFailure(step=step.name, phase="invoke", message=message)
            return "fail" if ended.status == SagaStatus.FAILED else "compensate"
        except _STOPS as error:
            state.last_error = state.cause = _failure(step.name, phase, error)
            return step.action(error) if phase == "invoke" else "compensate"
        finally:
            self.ctx._interruptible = False

    async def compensate(self) -> SagaState[D]:
        state = self.state
        state.status = SagaStatus.COMPENSATING
        self.save()
        cause = self.ctx.failure = state.cause
        assert cause is not None
        for name in reversed(state.completed_steps):
            step = self.spec.step(name)
            if not step.compensable:
                continue
            state.current_step = name
            self.save()
            while not await self.compensate_step(step):
                await self.wait_for_resume()
            state.compensated_steps.append(name)
        state.current_step = None
        if cause.phase == "cancel":
            await self.stopped(SagaStatus.CANCELLED)
            await self.saga.on_cancelled(self.ctx, state.data, cause)
        else:
            await self.stopped(SagaStatus.ROLLED_BACK)
            await self.saga.on_rolled_back(self.ctx, state.data, cause)
        return await self.end()

    async def compensate_step(self, step: SagaStep) -> bool:
        """Undo `step`, retrying under the saga's policy; False when its attempts ran out."""
        policy = self.spec.retry or DEFAULT_COMPENSATION_RETRY
        attempt = 0
        while True:
            attempt += 1
            try:
                if step.undo is not None:
                    await self.method(step.undo)(self.ctx, self.state.data)
                elif step.saga is not None:
                    await self.undo_child(step)
                elif step.compensate is not None:
                    spec = step.compensate
                    await self.call(spec, await self.request(step.compensation, spec), step)
                return True
            except _STOPS as error:
                self.state.last_error = _failure(step.name, "compensate", error, attempt)
                self.save()
                if policy.max_attempts is not None and attempt >= policy.max_attempts:
                    return False
            await self.sdk.sleep(_delay(policy, attempt))

    async def wait_for_resume(self) -> None:
        """Stop FAILED at the compensation out of attempts until someone resumes the saga."""
        state = self.state
        await self.stopped(SagaStatus.FAILED)
        assert state.last_error is not None
        await self.saga.on_failed(self.ctx, state.data, state.last_error)
        await self.ctx.promise(resume_promise(state.resumes), _RESUME).value()
        state.resumes += 1
        state.status = SagaStatus.COMPENSATING
        self.save()

    async def fail(self) -> SagaState[D]:
        state = self.state
        await self.stopped(SagaStatus.FAILED)
        assert state.last_error is not None
        await self.saga.on_failed(self.ctx, state.data, state.last_error)
        return await self.end()

    async def stopped(self, status: SagaStatus) -> None:
        """Stop in `status` and tell whoever waits in `result` (status and count saved together,
        so that `result` knows which stop's promise to wait on)."""
        state = self.state
        state.status = status
        state.stops += 1
        self.save()
        codec = self.spec.result.output
        await self.ctx.promise(stopped_promise(state.stops - 1), codec).resolve(state)  # type: ignore[arg-type]

    async def end(self) -> SagaState[D]:
        """The run's end: nested sagas that succeeded and were not undone may end too."""
        state = self.state
        for name in state.completed_steps:
            child = self.spec.step(name).saga
            if child is not None and name not in state.compensated_steps:
                await self.caller.call(child.settle, False, key=self.child_id(name))
        return state

    def child_id(self, step: str) -> str:
        return f"{self.ctx.key}/{step}"

    async def child(self, step: SagaStep) -> SagaState[Any]:
        """Run the nested saga of `step` (started once: its id derives from this one's) to its stop."""
        child = step.saga
        assert child is not None
        headers = {PARENT_HEADER: f"{self.spec.name}/{self.ctx.key}", STEP_HEADER: step.name}
        data = await self.method(step.request)(self.ctx, self.state.data) if step.request else None
        self.caller.send(child.run, data, key=self.child_id(step.name), headers=headers)
        return await self.caller.call(child.result, None, key=self.child_id(step.name))

    async def undo_child(self, step: SagaStep) -> None:
        """Compensate the nested saga of `step` (resuming it, when it stopped FAILED in that)."""
        child = step.saga
        assert child is not None
        key = self.child_id(step.name)
        found = await self.caller.call(child.state, None, key=key)
        if found is not None and found.resumable:
            await self.caller.call(child.resume, None, key=key)
        else:
            await self.caller.call(child.settle, True, key=key)
        ended = await self.caller.call(child.result, None, key=key)
        if ended.status != SagaStatus.ROLLED_BACK:
            error = ended.last_error.message if ended.last_error is not None else ""
            raise TerminalError(f"saga {child.name} {key} stopped {ended.status.value}: {error}")


def run_saga(spec: SagaSpec[D], saga: Saga[D], ctx: SagaContext, data: D) -> Awaitable[SagaState[D]]:
    """Execute the saga in the workflow context `ctx`, as the workflow's `run` handler does."""
    return _Run(spec, saga, ctx, data).execute()


def bind_saga(saga: Saga[Any]) -> RestateComponent:
    """The Restate workflow running `saga` (an endpoint binds `saga.saga_spec.component` itself)."""
    return bind(saga.saga_spec.component, saga)
