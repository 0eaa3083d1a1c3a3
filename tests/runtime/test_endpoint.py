"""The endpoint's plans, run on a fake context: middleware order and metadata, injection once or
per invocation, header propagation into context calls, and every startup error."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel
from restate.exceptions import TerminalError

from restagen.runtime import (
    ComponentInfo,
    ComponentSpec,
    Config,
    ContextCaller,
    DeclaredError,
    Endpoint,
    HandlerContext,
    HandlerInfo,
    HandlerSpec,
    Ingress,
    JsonCodec,
    ServiceHandlerContext,
)
from restagen.runtime._endpoint.endpoint import InjectionError
from restagen.testing import FakeContext
from tests.polling import until

STR = JsonCodec(str)
NEXT = HandlerSpec[str, str](component="next", name="echo", kind=None, input=STR, output=STR)


class DeniedDetails(BaseModel):
    who: str


class Denied(DeclaredError):
    code = 403
    details_model = DeniedDetails

    def __init__(self, *, who: str) -> None:
        super().__init__(DeniedDetails(who=who))


ECHO = HandlerSpec[str, str](
    component="svc",
    name="echo",
    kind=None,
    input=STR,
    output=STR,
    errors=(Denied,),
    middleware=("check",),
    context=ServiceHandlerContext,
)
SVC = ComponentSpec(kind="service", name="svc", handlers=(ECHO,), middleware=("audit",))


def _config(**sections: Any) -> Config:
    return Config.model_validate(sections)


def _invoke(endpoint: Endpoint, ctx: FakeContext, body: bytes = b'"hi"') -> bytes:
    (component,) = endpoint.components()
    return asyncio.run(component.handlers["echo"].fn(ctx, body))


TRAIL: list[str] = []


class Echo:
    async def echo(self, ctx: ServiceHandlerContext, request: str) -> str:
        return f"echo {request}"


def _recorder(name: str) -> Any:
    async def record(ctx: HandlerContext[Any], component: ComponentInfo, handler: HandlerInfo) -> None:
        TRAIL.append(
            f"{name} {component.name}{list(component.middleware)} {handler.name}{list(handler.middleware)}"
        )

    record.__qualname__ = name
    return record


def test_middleware_runs_global_component_handler_each_in_registration_order() -> None:
    TRAIL.clear()
    endpoint = Endpoint(_config())
    endpoint.use(_recorder("g1"), _recorder("g2"))
    endpoint.middleware("audit", _recorder("audit")).middleware("check", _recorder("check"))
    endpoint.bind(SVC, Echo(), middleware=[_recorder("c2")], handler_middleware={"echo": [_recorder("h2")]})
    assert _invoke(endpoint, FakeContext()) == b'"echo hi"'
    component, handler = "svc['audit', 'c2']", "echo['check', 'h2']"
    assert [f"{name} {component} {handler}" for name in ("g1", "g2", "audit", "c2", "check", "h2")] == TRAIL


def test_handler_metadata_has_types_and_options() -> None:
    seen: list[HandlerInfo] = []

    async def look(ctx: HandlerContext[Any], component: ComponentInfo, handler: HandlerInfo) -> None:
        seen.append(handler)

    endpoint = Endpoint(_config()).middleware("audit", look).middleware("check", look)
    endpoint.bind(SVC, Echo())
    _invoke(endpoint, FakeContext())
    assert seen[0].input_type is str and seen[0].output_type is str
    assert seen[0].spec is ECHO and seen[0].kind is None


def test_a_raising_middleware_aborts_the_handler_and_a_declared_error_keeps_its_type() -> None:
    called: list[str] = []

    async def deny(ctx: HandlerContext[Any], component: ComponentInfo, handler: HandlerInfo) -> None:
        raise Denied(who=ctx.headers.get("x-user", "nobody"))

    class Counting:
        async def echo(self, ctx: ServiceHandlerContext, request: str) -> str:
            called.append(request)
            return request

    endpoint = Endpoint(_config()).middleware("audit", deny).middleware("check", deny)
    endpoint.bind(SVC, Counting())
    with pytest.raises(TerminalError) as raised:
        _invoke(endpoint, FakeContext(headers={"x-user": "eve"}))
    assert raised.value.status_code == 403
    assert raised.value.metadata is not None
    assert raised.value.metadata["restagen-error"] == "Denied"
    assert raised.value.metadata["restagen-details"] == '{"who":"eve"}'
    assert called == []


class Counter:
    """A user provider."""

    instances = 0

    def __init__(self) -> None:
        Counter.instances += 1


class Needs:
    built = 0

    def __init__(self, counter: Counter, config: Config) -> None:
        Needs.built += 1
        self.counter = counter

    async def echo(self, ctx: ServiceHandlerContext, request: str) -> str:
        return request


class PerCall:
    built = 0

    def __init__(self, ctx: ServiceHandlerContext, counter: Counter) -> None:
        PerCall.built += 1
        self.ctx = ctx

    async def echo(self, ctx: ServiceHandlerContext, request: str) -> str:
        assert ctx is self.ctx
        return request


def _plain(endpoint: Endpoint) -> Endpoint:
    async def nothing(ctx: HandlerContext[Any], component: ComponentInfo, handler: HandlerInfo) -> None:
        return None

    return endpoint.middleware("audit", nothing).middleware("check", nothing)


def test_an_implementation_without_per_invocation_needs_is_built_once() -> None:
    Counter.instances = Needs.built = 0
    endpoint = _plain(Endpoint(_config())).provide(Counter)
    endpoint.bind(SVC, Needs)
    (component,) = endpoint.components()
    for _ in range(3):
        asyncio.run(component.handlers["echo"].fn(FakeContext(), b'"x"'))
    assert (Needs.built, Counter.instances) == (1, 1)


def test_an_implementation_taking_the_context_is_built_per_invocation() -> None:
    PerCall.built = 0
    endpoint = _plain(Endpoint(_config())).provide(Counter)
    endpoint.bind(SVC, PerCall)
    (component,) = endpoint.components()
    for _ in range(3):
        asyncio.run(component.handlers["echo"].fn(FakeContext(), b'"x"'))
    assert PerCall.built == 3


class Session:
    pass


SESSIONS: list[Session] = []


class Keep:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def handle(self, ctx: HandlerContext[Any], component: ComponentInfo, handler: HandlerInfo) -> None:
        SESSIONS.append(self.session)


def test_invocation_scoped_providers_are_shared_within_one_invocation() -> None:
    sessions = SESSIONS
    sessions.clear()
    endpoint = Endpoint(_config()).provide(Session, scope="invocation")
    endpoint.middleware("audit", Keep).middleware("check", Keep).bind(SVC, Echo())
    (component,) = endpoint.components()
    asyncio.run(component.handlers["echo"].fn(FakeContext(), b'"x"'))
    asyncio.run(component.handlers["echo"].fn(FakeContext(), b'"x"'))
    assert sessions[0] is sessions[1] and sessions[2] is sessions[3] and sessions[0] is not sessions[2]


def test_a_missing_provider_fails_at_startup_naming_it() -> None:
    endpoint = _plain(Endpoint(_config())).bind(SVC, Needs)
    with pytest.raises(
        InjectionError,
        match=r"Needs \(implementing service svc\): nothing provides Counter; register one with provide\(Counter",
    ):
        endpoint.components()


def test_an_unknown_middleware_name_fails_at_startup() -> None:
    endpoint = Endpoint(_config()).bind(SVC, Echo())
    with pytest.raises(InjectionError, match="no middleware named 'audit'"):
        endpoint.components()


class WantsIngress:
    built: ClassVar[list[Ingress]] = []

    def __init__(self, ingress: Ingress) -> None:
        self.ingress = ingress
        self.built.append(ingress)

    async def echo(self, ctx: ServiceHandlerContext, request: str) -> str:
        return request


def test_an_ingress_without_its_section_fails_naming_the_section() -> None:
    endpoint = _plain(Endpoint(_config())).bind(SVC, WantsIngress)
    with pytest.raises(InjectionError, match="needs the 'ingress' section"):
        endpoint.components()
    endpoint = _plain(Endpoint(_config(ingress={"url": "http://127.0.0.1:8080"}))).bind(SVC, WantsIngress)
    assert endpoint.components()
    assert WantsIngress.built[-1].admin_url is None


def test_an_injected_ingress_cancels_through_the_configured_admin_api() -> None:
    config = _config(ingress={"url": "http://127.0.0.1:8080"}, admin={"url": "http://127.0.0.1:9070/"})
    assert _plain(Endpoint(config)).bind(SVC, WantsIngress).components()
    assert WantsIngress.built[-1].admin_url == "http://127.0.0.1:9070"


class Wrong:
    def __init__(self, ctx: ServiceHandlerContext) -> None:
        self.ctx = ctx


class UsesWrong:
    def __init__(self, wrong: Wrong) -> None:
        self.wrong = wrong

    async def echo(self, ctx: ServiceHandlerContext, request: str) -> str:
        return request


def test_a_singleton_provider_cannot_depend_on_the_invocation() -> None:
    endpoint = _plain(Endpoint(_config())).provide(Wrong).bind(SVC, UsesWrong)
    with pytest.raises(InjectionError, match="scope='invocation'"):
        endpoint.components()


class Forwarding:
    def __init__(self, explicit: dict[str, str] | None = None) -> None:
        self.explicit = explicit

    async def echo(self, ctx: ServiceHandlerContext, request: str) -> str:
        return await ContextCaller(ctx).call(NEXT, request, headers=self.explicit)


INCOMING = {
    "X-Tenant": "acme",
    "x-user": "ann",
    "content-type": "application/json",
    "x-restate-ingress-path": "/svc/echo",
}


@pytest.mark.parametrize(
    ("setting", "explicit", "forwarded"),
    [
        (False, None, None),
        (False, {"x-a": "1"}, {"x-a": "1"}),
        (True, None, {"X-Tenant": "acme", "x-user": "ann"}),
        (True, {"x-tenant": "mine"}, {"x-user": "ann", "x-tenant": "mine"}),
        (("X-TENANT",), None, {"X-Tenant": "acme"}),
        (("x-tenant",), {"X-Tenant": "mine", "x-b": "2"}, {"X-Tenant": "mine", "x-b": "2"}),
    ],
)
def test_header_propagation_into_context_calls(setting: Any, explicit: Any, forwarded: Any) -> None:
    endpoint = _plain(Endpoint(_config(server={"propagate_incoming_headers": setting})))
    endpoint.bind(SVC, Forwarding(explicit))
    ctx = FakeContext(headers=dict(INCOMING)).reply(NEXT, "ok")
    assert _invoke(endpoint, ctx) == b'"ok"'
    assert ctx.calls[0].headers == (forwarded or {})


def test_an_endpoint_with_pubsub_serves_the_registry_and_mounts_its_sse_hub_with_middleware() -> None:
    from starlette.requests import Request

    from restagen.local.serve import running
    from restagen.runtime.sse import SseForbidden, subscribe

    async def readers_only(request: Request) -> None:
        if request.headers.get("authorization") != "Bearer reader":
            raise SseForbidden("readers only")

    endpoint = _plain(Endpoint(_config(pubsub={"cluster": "blue"}))).bind(SVC, Echo())
    endpoint.sse_middleware(readers_only)
    assert [component.name for component in endpoint.components()] == ["svc", "restagen_events", "restagen_event_log"]

    async def scenario() -> None:
        async with running(endpoint.app()) as url:
            with pytest.raises(SseForbidden, match="readers only"):
                await subscribe(url, print, cluster="blue", stream="s")
            subscription = await subscribe(
                url, print, cluster="blue", stream="s", headers={"authorization": "Bearer reader"}
            )
            await subscription()

    asyncio.run(scenario())


def test_an_endpoint_without_pubsub_has_no_registry_and_no_hub() -> None:
    endpoint = _plain(Endpoint(_config())).bind(SVC, Echo())
    assert [component.name for component in endpoint.components()] == ["svc"]
    assert endpoint.sse_hub() is None


def test_deploy_on_startup_logs_an_unreachable_admin_and_keeps_serving(
    caplog: pytest.LogCaptureFixture,
) -> None:
    admin = {"url": "http://127.0.0.1:9", "deploy_on_startup": True, "timeout": 0.3}
    app = _plain(Endpoint(_config(admin=admin))).bind(SVC, Echo()).app()

    async def lifespan() -> list[str]:
        incoming: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        sent: list[str] = []

        async def send(message: dict[str, str]) -> None:
            sent.append(message["type"])

        await incoming.put({"type": "lifespan.startup"})
        serving = asyncio.create_task(app({"type": "lifespan"}, incoming.get, send))
        await until(
            lambda: any("deploy on startup failed" in r.getMessage() for r in caplog.records),
            "an error logged",
        )
        await incoming.put({"type": "lifespan.shutdown"})
        await serving
        return sent

    with caplog.at_level("ERROR", logger="restagen"):
        assert asyncio.run(lifespan()) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    (record,) = [r for r in caplog.records if "deploy on startup failed" in r.getMessage()]
    assert "http://127.0.0.1:9" in record.getMessage() and "unreachable" in record.getMessage()
