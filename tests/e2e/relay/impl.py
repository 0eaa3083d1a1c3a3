"""The relay chain's implementations, wired as a user wires an endpoint: providers, middleware
at every level, injected clients. The configuration comes from RESTAGEN_... variables."""

from __future__ import annotations

from collections import Counter, defaultdict

from relay import definitions
from relay.clients import SecondContextClient, ThirdContextClient
from relay.contexts import FirstContext, SecondContext, ThirdContext
from relay.errors import Unauthorized
from relay.handlers import FirstServiceBase, SecondServiceBase, ThirdServiceBase
from relay.models import Hop, Seen

from restagen.runtime import ComponentInfo, Config, Endpoint, HandlerContext, HandlerInfo

# What the middleware of each invocation did, in order (one process serves the whole chain).
TRAILS: defaultdict[str, list[str]] = defaultdict(list)


class Greeter:
    """A user provider: one for the endpoint, built with the configuration injected."""

    def __init__(self, config: Config) -> None:
        self.greeting = f"hello from port {config.listen.port}"


async def record_global(ctx: HandlerContext[object], component: ComponentInfo, handler: HandlerInfo) -> None:
    TRAILS[ctx.invocation_id].append(f"global {component.name}/{handler.name}")


class Audit:
    """Component middleware named in the schema, with an injected dependency."""

    def __init__(self, greeter: Greeter) -> None:
        self.greeter = greeter

    async def handle(
        self, ctx: HandlerContext[object], component: ComponentInfo, handler: HandlerInfo
    ) -> None:
        TRAILS[ctx.invocation_id].append(f"component:schema {','.join(component.middleware)}")


async def component_code(ctx: HandlerContext[object], component: ComponentInfo, handler: HandlerInfo) -> None:
    TRAILS[ctx.invocation_id].append("component:code")


class Check:
    """Handler middleware named in the schema, registered as an object."""

    async def handle(
        self, ctx: HandlerContext[object], component: ComponentInfo, handler: HandlerInfo
    ) -> None:
        types = f"{handler.input_type.__name__}->{handler.output_type.__name__}"
        TRAILS[ctx.invocation_id].append(f"handler:schema {','.join(handler.middleware)} {types}")


async def handler_code(ctx: HandlerContext[object], component: ComponentInfo, handler: HandlerInfo) -> None:
    TRAILS[ctx.invocation_id].append("handler:code")


class Authenticate:
    """Rejects a request without the right bearer token, with a declared error of the handler."""

    async def handle(
        self, ctx: HandlerContext[object], component: ComponentInfo, handler: HandlerInfo
    ) -> None:
        if ctx.headers.get("authorization") != "Bearer letmein":
            raise Unauthorized(reason=f"{component.name}/{handler.name} needs a token")


def _hop(ctx: HandlerContext[object], service: str) -> Hop:
    seen = {
        name.lower(): value
        for name, value in ctx.headers.items()
        if name.lower().startswith("x-") or name.lower() in ("authorization", "idempotency-key")
    }
    return Hop(service=service, headers=seen)


class First(FirstServiceBase):
    """Built per invocation: it takes a context client of the next service."""

    def __init__(self, second: SecondContextClient, greeter: Greeter) -> None:
        self.second = second
        self.greeter = greeter

    async def relay(self, ctx: FirstContext, request: str) -> Seen:
        explicit = {"X-Tenant": "overridden"} if request == "override" else None
        hops = await self.second.relay(request, headers=explicit)
        trail = TRAILS.pop(ctx.invocation_id, [])
        return Seen(middleware=trail, greeting=self.greeter.greeting, hops=[_hop(ctx, "first"), *hops])

    async def secret(self, ctx: FirstContext) -> str:
        TRAILS.pop(ctx.invocation_id, None)
        return "the secret"


class Second(SecondServiceBase):
    async def relay(self, ctx: SecondContext, request: str) -> list[Hop]:
        TRAILS.pop(ctx.invocation_id, None)
        return [_hop(ctx, "second"), *await ThirdContextClient(ctx).relay(request)]


class Third(ThirdServiceBase):
    def __init__(self) -> None:
        self.tries: Counter[str] = Counter()

    async def relay(self, ctx: ThirdContext, request: str) -> list[Hop]:
        TRAILS.pop(ctx.invocation_id, None)
        return [_hop(ctx, "third")]

    async def guarded(self, ctx: ThirdContext, request: str) -> str:
        def refuse() -> str:
            self.tries[request] += 1
            raise Unauthorized(reason=f"refused {request}")

        return await ctx.run("refuse", refuse, str)

    async def attempts(self, ctx: ThirdContext, request: str) -> int:
        return self.tries[request]


endpoint = Endpoint()
endpoint.provide(Greeter)
endpoint.use(record_global)
endpoint.middleware("audit", Audit).middleware("check", Check()).middleware("auth", Authenticate)
endpoint.bind(
    definitions.FIRST, First, middleware=[component_code], handler_middleware={"relay": [handler_code]}
)
endpoint.bind(definitions.SECOND, Second)
endpoint.bind(definitions.THIRD, Third())
app = endpoint.app()
