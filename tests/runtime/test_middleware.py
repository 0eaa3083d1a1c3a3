"""Middleware around the handler, run on a fake context: order mixed with before middleware, the
result and the exception seen after the handler, short-circuits, and what fails at startup."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from restate.exceptions import TerminalError

from restagen.runtime import (
    ComponentInfo,
    Config,
    Endpoint,
    HandlerContext,
    HandlerInfo,
    InjectionError,
    Proceed,
    ServiceHandlerContext,
)
from restagen.testing import FakeContext
from tests.runtime.test_endpoint import SVC, Denied


class Echo:
    def __init__(self, trail: list[str] | None = None) -> None:
        self.trail = trail if trail is not None else []

    async def echo(self, ctx: ServiceHandlerContext, request: str) -> str:
        self.trail.append("handler")
        if request == "deny":
            raise Denied(who="eve")
        if request == "crash":
            raise ValueError("crash")
        return f"echo {request}"


def _invoke(endpoint: Endpoint, body: bytes = b'"hi"') -> bytes:
    (component,) = endpoint.components()
    return asyncio.run(component.handlers["echo"].fn(FakeContext(), body))


def _before(trail: list[str], name: str) -> Any:
    async def before(ctx: HandlerContext[Any], component: ComponentInfo, handler: HandlerInfo) -> None:
        trail.append(name)

    return before


def _around(trail: list[str], name: str) -> Any:
    async def around(
        ctx: HandlerContext[Any], component: ComponentInfo, handler: HandlerInfo, proceed: Proceed
    ) -> Any:
        trail.append(f"{name} in")
        try:
            result = await proceed()
        except Exception as error:
            trail.append(f"{name} saw {type(error).__name__}")
            raise
        trail.append(f"{name} saw {result}")
        return result

    return around


def _endpoint(trail: list[str], audit: Any = None, check: Any = None) -> Endpoint:
    endpoint = Endpoint(Config.model_validate({}))
    endpoint.use(_before(trail, "g1"), _around(trail, "g2"))
    endpoint.middleware("audit", audit or _around(trail, "audit"))
    endpoint.middleware("check", check or _before(trail, "check"))
    return endpoint


def test_around_and_before_middleware_run_in_chain_order() -> None:
    trail: list[str] = []
    endpoint = _endpoint(trail)
    endpoint.bind(
        SVC,
        Echo(trail),
        middleware=[_before(trail, "c2")],
        handler_middleware={"echo": [_around(trail, "h2")]},
    )
    assert _invoke(endpoint) == b'"echo hi"'
    assert trail == [
        "g1",
        "g2 in",
        "audit in",
        "c2",
        "check",
        "h2 in",
        "handler",
        "h2 saw echo hi",
        "audit saw echo hi",
        "g2 saw echo hi",
    ]


def test_an_around_middleware_sees_the_declared_error_and_the_caller_gets_it_as_itself() -> None:
    trail: list[str] = []
    endpoint = _endpoint(trail)
    endpoint.bind(SVC, Echo(trail))
    with pytest.raises(TerminalError) as raised:
        _invoke(endpoint, b'"deny"')
    assert raised.value.status_code == 403
    assert raised.value.metadata is not None and raised.value.metadata["restagen-error"] == "Denied"
    assert trail[-2:] == ["audit saw Denied", "g2 saw Denied"]


def test_an_around_middleware_sees_a_retryable_exception_and_it_stays_retryable() -> None:
    trail: list[str] = []
    endpoint = _endpoint(trail)
    endpoint.bind(SVC, Echo(trail))
    with pytest.raises(ValueError, match="crash"):
        _invoke(endpoint, b'"crash"')
    assert trail[-1] == "g2 saw ValueError"


class Shout:
    """An around middleware object that changes the result."""

    async def around(
        self, ctx: HandlerContext[Any], component: ComponentInfo, handler: HandlerInfo, proceed: Proceed
    ) -> Any:
        return str(await proceed()).upper()


def test_an_around_object_can_change_the_result() -> None:
    trail: list[str] = []
    endpoint = _endpoint(trail, audit=Shout())
    endpoint.bind(SVC, Echo(trail))
    assert _invoke(endpoint) == b'"ECHO HI"'
    assert trail[-1] == "g2 saw ECHO HI"


class Cached:
    """An around middleware class built per invocation (it takes the context) that answers alone."""

    built = 0

    def __init__(self, ctx: ServiceHandlerContext) -> None:
        Cached.built += 1
        self.ctx = ctx

    async def around(
        self, ctx: HandlerContext[Any], component: ComponentInfo, handler: HandlerInfo, proceed: Proceed
    ) -> Any:
        assert ctx is self.ctx
        return f"cached {handler.name}"


def test_an_around_class_built_per_invocation_can_answer_without_the_handler() -> None:
    trail: list[str] = []
    Cached.built = 0
    endpoint = _endpoint(trail, check=Cached)
    endpoint.bind(SVC, Echo(trail))
    assert _invoke(endpoint) == b'"cached echo"'
    assert _invoke(endpoint) == b'"cached echo"'
    assert Cached.built == 2
    assert "handler" not in trail
    assert trail[-1] == "g2 saw cached echo"


def test_proceed_runs_the_handler_once_only() -> None:
    async def twice(
        ctx: HandlerContext[Any], component: ComponentInfo, handler: HandlerInfo, proceed: Proceed
    ) -> Any:
        await proceed()
        return await proceed()

    trail: list[str] = []
    endpoint = _endpoint(trail, audit=twice)
    endpoint.bind(SVC, Echo(trail))
    with pytest.raises(RuntimeError, match="called twice"):
        _invoke(endpoint)
    assert trail.count("handler") == 1


class Both:
    async def handle(self, ctx: Any, component: Any, handler: Any) -> None: ...

    async def around(self, ctx: Any, component: Any, handler: Any, proceed: Proceed) -> Any: ...


class Neither:
    pass


@pytest.mark.parametrize(
    ("middleware", "message"),
    [
        (Both(), "has both a handle and an around method"),
        (Both, "has both a handle and an around method"),
        (Neither, "needs a handle or an around method"),
        (Neither(), "neither an async function nor an object"),
    ],
)
def test_a_middleware_that_is_not_one_fails_at_startup(middleware: Any, message: str) -> None:
    endpoint = _endpoint([], audit=middleware)
    endpoint.bind(SVC, Echo())
    with pytest.raises(InjectionError, match=message):
        endpoint.components()


def test_a_function_with_an_optional_fourth_parameter_runs_before() -> None:
    trail: list[str] = []

    async def before(ctx: Any, component: Any, handler: Any, note: str = "before") -> None:
        trail.append(note)

    endpoint = _endpoint(trail, check=before)
    endpoint.bind(SVC, Echo(trail))
    assert _invoke(endpoint) == b'"echo hi"'
    assert trail[3:5] == ["before", "handler"]
