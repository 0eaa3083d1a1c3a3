"""The endpoint: configuration, providers and middleware, and the components bound to them.

Generated `app` modules bind their components to an `Endpoint`; `app()` then plans everything
(injection, middleware chains, header propagation) and returns the ASGI app. Every problem a plan
can have (a missing provider, an unknown middleware name, a section the configuration lacks)
is raised there, at startup, never during an invocation.

    endpoint = Endpoint()                        # configuration from pyproject, file, environment
    endpoint.provide(Database, instance=db)
    endpoint.use(log_calls)                      # global middleware
    endpoint.middleware("auth", Authenticate)    # named in schemas: `middleware: [auth]`
    app = orders.bind_components(endpoint, order=OrderService).app()
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Self

import restate

from restagen.runtime._core.context import HandlerContext
from restagen.runtime._core.specs import ComponentSpec, HandlerSpec
from restagen.runtime._endpoint.binding import Pipeline, RestateComponent, bind
from restagen.runtime._endpoint.chain import AroundStep, Before, Proceed, compose
from restagen.runtime._endpoint.config import Config, ConfigError
from restagen.runtime._endpoint.headers import HeaderPolicy
from restagen.runtime._endpoint.injection import InjectionError, Injector, Invocation, Plan, Scope
from restagen.runtime._endpoint.middleware import (
    ComponentInfo,
    HandlerInfo,
    MiddlewareLike,
    is_around_function,
    label,
)
from restagen.runtime._endpoint.settings import load_config
from restagen.runtime._record import Record

if TYPE_CHECKING:  # events are imported when the endpoint has a `pubsub` section or subscribers
    from restagen.runtime.events._wire import SubscribeRequest

__all__ = ["Endpoint", "InjectionError"]

ProtocolMode = Literal["bidi", "request_response"]
"""How Restate talks to an endpoint: one bidirectional HTTP/2 stream per invocation, or one
request and its response per step (HTTP/1.1, AWS Lambda)."""

_log = logging.getLogger("restagen")


class _Bound(Record):
    spec: ComponentSpec
    implementation: object
    middleware: tuple[MiddlewareLike, ...]
    handler_middleware: Mapping[str, tuple[MiddlewareLike, ...]]


class Endpoint:
    """Collects what an endpoint serves and how; `app()` builds it."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config if config is not None else load_config()
        self._injector = Injector(self.config)
        self._global: list[MiddlewareLike] = []
        self._named: dict[str, MiddlewareLike] = {}
        self._bound: list[_Bound] = []
        self._sse_middleware: list[Callable[[Any], Awaitable[None]]] = []
        self._hub: Any = None

    def provide(
        self,
        key: type[Any],
        factory: Callable[..., Any] | None = None,
        *,
        instance: Any = None,
        scope: Scope = "singleton",
    ) -> Self:
        """Make `key` injectable: an `instance`, or what `factory` (default: `key`) builds."""
        self._injector.provide(key, factory, instance=instance, scope=scope)
        return self

    def use(self, *middleware: MiddlewareLike) -> Self:
        """Global middleware: runs for every handler, outside component and handler middleware."""
        self._global.extend(middleware)
        return self

    def middleware(self, name: str, middleware: MiddlewareLike) -> Self:
        """The middleware that schemas name `name` (`middleware: [name]`)."""
        self._named[name] = middleware
        return self

    def sse_middleware(self, *middleware: Callable[[Any], Awaitable[None]]) -> Self:
        """Checks run before an SSE subscription is accepted: `async (starlette Request) -> None`,
        raising `restagen.runtime.sse.SseForbidden` (or another `SseError`) to refuse it."""
        self._sse_middleware.extend(middleware)
        return self

    def bind(
        self,
        spec: ComponentSpec,
        implementation: object,
        *,
        middleware: Sequence[MiddlewareLike] = (),
        handler_middleware: Mapping[str, Sequence[MiddlewareLike]] | None = None,
    ) -> Self:
        """Serve `spec` with `implementation`: an instance, or a class whose constructor is injected.

        `middleware` runs for every handler of the component, after the schema's; `handler_middleware`
        per handler name, after that handler's schema middleware.
        """
        per_handler = {name: tuple(chain) for name, chain in (handler_middleware or {}).items()}
        for name in per_handler:
            spec.handler(name)  # an unknown handler name fails here
        self._bound.append(_Bound(spec, implementation, tuple(middleware), per_handler))
        return self

    def components(self) -> list[RestateComponent]:
        """The restate-sdk components, planned; raises InjectionError for anything unprovided.

        With a `pubsub` section, the endpoint also serves the event registry of its clusters.
        """
        server = self.config.server  # no server section: nothing to forward
        policy = HeaderPolicy.from_setting(server.propagate_incoming_headers) if server is not None else None
        components = [self._component(bound, policy) for bound in self._bound]
        if self.config.pubsub is not None:
            from restagen.runtime.events._serving import event_components

            components.extend(event_components(self.config.pubsub, self.sse_hub(), bind))
        return components

    def sse_hub(self) -> Any:
        """The SSE hub of this endpoint (`restagen.runtime.sse.SseHub`), built once: with a `pubsub`
        section and the `sse` extra installed; None otherwise. Without the extra, settings that need
        the hub are a ConfigError."""
        pubsub = self.config.pubsub
        if self._hub is not None or pubsub is None:
            return self._hub
        try:
            from restagen.runtime.sse import SseHub
        except ImportError as error:
            if pubsub.sse or pubsub.sse_secret is not None or pubsub.sse_peers or pubsub.sse_discover:
                raise ConfigError(f"pubsub: Server-Sent Events {error}") from None
            return None
        self._hub = SseHub.from_config(pubsub, middleware=self._sse_middleware, port=self.config.listen.port)
        if self.config.ingress is not None:  # subscribers resume from the streams' logs
            from restagen.runtime.events._serving import log_reader

            self._hub.reader = log_reader(self.config.ingress.url, dict(self.config.ingress.headers))
        return self._hub

    def subscriptions(self) -> SubscribeRequest:
        """What the bound components subscribe to, for the registry of the cluster."""
        from restagen.runtime.events._subscriptions import subscriptions_of

        return subscriptions_of(bound.spec for bound in self._bound)

    def restate_app(self, protocol: ProtocolMode | None = None) -> Any:
        """The restate-sdk app of the components, identity keys checked, without what `app()` adds
        around it (the SSE hub, the registration). `protocol` fixes the mode discovery announces;
        by default it follows the request: HTTP/1.1 is request-response, HTTP/2 a bidirectional
        stream. On AWS Lambda the SDK returns its Lambda handler instead of an ASGI app."""
        identity = self.config.identity
        return restate.app(
            self.components(), protocol=protocol, identity_keys=list(identity.keys) if identity else None
        )

    def app(self, *, protocol: ProtocolMode | None = None) -> Any:
        """The ASGI app: identity keys checked, and registration with the admin API if configured;
        `protocol` as for `restate_app`."""
        asgi = self.restate_app(protocol)
        hub = self.sse_hub()
        if hub is not None:
            asgi = hub.mount(asgi)
        admin = self.config.admin
        if admin is None or not admin.deploy_on_startup:
            return asgi
        uri = admin.endpoint_url or f"http://127.0.0.1:{self.config.listen.port}"
        subscriptions = self.subscriptions()
        then: Callable[[], Awaitable[None]] | None = None
        if subscriptions.subscriptions:
            ingress = self.config.require(
                "ingress", "registering the endpoint's event subscriptions on startup"
            )
            if self.config.pubsub is not None:
                cluster = self.config.pubsub.cluster
            else:
                from restagen.runtime._endpoint.sections import PubSubConfig

                cluster = PubSubConfig().cluster

            async def subscribe() -> None:
                from restagen.runtime.events._subscriptions import register_subscriptions

                await register_subscriptions(ingress.url, cluster, subscriptions, timeout=admin.timeout)
                _log.info("registered the subscriptions of %s in cluster %s", uri, cluster)

            then = subscribe
        return _registering(asgi, admin.url, uri, admin.timeout, then)

    def _component(self, bound: _Bound, policy: HeaderPolicy | None) -> RestateComponent:
        spec = bound.spec
        implementation = bound.implementation
        cls = implementation if isinstance(implementation, type) else type(implementation)
        what = f"{cls.__qualname__} (implementing {spec.kind} {spec.name})"
        contexts = _contexts(spec.handlers)
        built: Plan | None = None
        if isinstance(implementation, type):
            built = self._injector.plan(implementation, what, contexts)
            if not built.per_invocation:
                implementation, built = built.build(None), None
        component_chain = (*spec.middleware, *bound.middleware)
        info = ComponentInfo(
            name=spec.name,
            kind=spec.kind,
            implementation=cls,
            handlers=tuple(handler.name for handler in spec.handlers),
            middleware=tuple(label(item) for item in component_chain),
            spec=spec,
        )
        outer = [*self._steps(self._global, "global middleware", contexts)]
        outer += self._steps(component_chain, f"middleware of {spec.name}", contexts)
        pipelines = {}
        for handler in spec.handlers:
            handler_chain = (*handler.middleware, *bound.handler_middleware.get(handler.name, ()))
            handler_info = _handler_info(handler, handler_chain)
            own = self._steps(
                handler_chain, f"middleware of {spec.name}/{handler.name}", _contexts([handler])
            )
            before, chain = compose([step(info, handler_info) for step in (*outer, *own)])
            pipelines[handler.name] = Pipeline(
                before=before,
                chain=chain,
                implementation=built.build if built is not None else None,
                header_policy=policy,
            )
        return bind(spec, implementation, pipelines)

    def _steps(
        self,
        chain: Iterable[MiddlewareLike | str],
        where: str,
        contexts: Sequence[type[HandlerContext[Any]]],
    ) -> list[Callable[[ComponentInfo, HandlerInfo], Before | AroundStep]]:
        makers = []
        for item in chain:
            middleware = item
            if isinstance(item, str):
                if item not in self._named:
                    raise InjectionError(
                        f"{where}: no middleware named {item!r}; register it with endpoint.middleware({item!r}, ...)"
                    )
                middleware = self._named[item]
            makers.append(self._step(middleware, f"{label(middleware)} ({where})", contexts))  # type: ignore[arg-type]
        return makers

    def _step(
        self, middleware: MiddlewareLike, what: str, contexts: Sequence[type[HandlerContext[Any]]]
    ) -> Callable[[ComponentInfo, HandlerInfo], Before | AroundStep]:
        if isinstance(middleware, type):
            name = _method_name(middleware, what)
            plan = self._injector.plan(middleware, what, contexts)
            if plan.per_invocation:
                return _built_per_invocation(plan, name)
            middleware = plan.build(None)
        name = _method_name(middleware, what)
        if name is None and not callable(middleware):
            raise InjectionError(
                f"{what}: is neither an async function nor an object with a handle or around method"
            )
        function: Callable[..., Awaitable[Any]] = getattr(middleware, name) if name else middleware  # type: ignore[assignment]
        if name == "around" or (name is None and is_around_function(function)):
            around = function

            def wrapping(component: ComponentInfo, handler: HandlerInfo) -> Before | AroundStep:
                async def step(invocation: Invocation, proceed: Proceed) -> Any:
                    return await around(invocation.context, component, handler, proceed)

                return AroundStep(step)

            return wrapping
        handle = function

        def once(component: ComponentInfo, handler: HandlerInfo) -> Before | AroundStep:
            async def step(invocation: Invocation) -> None:
                await handle(invocation.context, component, handler)

            return step

        return once


def _method_name(middleware: object, what: str) -> str | None:
    """`handle` or `around` for a middleware object or class, None for a function."""
    has_handle = callable(getattr(middleware, "handle", None))
    has_around = callable(getattr(middleware, "around", None))
    if has_handle and has_around:
        raise InjectionError(f"{what}: has both a handle and an around method; keep one")
    if has_around:
        return "around"
    if has_handle:
        return "handle"
    if isinstance(middleware, type):
        raise InjectionError(f"{what}: a middleware class needs a handle or an around method")
    return None


def _built_per_invocation(
    plan: Plan, name: str | None
) -> Callable[[ComponentInfo, HandlerInfo], Before | AroundStep]:
    build = plan.build
    if name == "around":

        def wrapping(component: ComponentInfo, handler: HandlerInfo) -> Before | AroundStep:
            async def step(invocation: Invocation, proceed: Proceed) -> Any:
                return await build(invocation).around(invocation.context, component, handler, proceed)

            return AroundStep(step)

        return wrapping

    def per_invocation(component: ComponentInfo, handler: HandlerInfo) -> Before | AroundStep:
        async def step(invocation: Invocation) -> None:
            await build(invocation).handle(invocation.context, component, handler)

        return step

    return per_invocation


def _contexts(handlers: Iterable[HandlerSpec[Any, Any]]) -> list[type[HandlerContext[Any]]]:
    return [
        handler.context
        for handler in handlers
        if isinstance(handler.context, type) and issubclass(handler.context, HandlerContext)
    ]


def _handler_info(handler: HandlerSpec[Any, Any], chain: Sequence[MiddlewareLike | str]) -> HandlerInfo:
    return HandlerInfo(
        name=handler.name,
        kind=handler.kind,
        input_type=handler.input.type if handler.input is not None else None,
        output_type=handler.output.type if handler.output is not None else None,
        options=handler.options,
        middleware=tuple(label(item) for item in chain),
        spec=handler,
    )


def _registering(
    asgi: Any, admin_url: str, uri: str, timeout: float, then: Callable[[], Awaitable[None]] | None
) -> Any:
    """`asgi`, registering `uri` with the admin API once the server has started, and then `then`."""
    tasks: set[asyncio.Task[None]] = set()

    async def deploy() -> None:
        from restagen.runtime._endpoint.admin import RegistrationError, register_async

        try:
            services = await register_async(admin_url, uri, timeout=timeout)
        except RegistrationError as error:
            _log.error("deploy on startup failed: %s", error)
            return
        _log.info("registered %s with %s: %s", uri, admin_url, ", ".join(services) or "no services")
        if then is not None:
            try:
                await then()
            except Exception as error:
                _log.error("deploy on startup: registering the event subscriptions failed: %s", error)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await asgi(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                task = asyncio.get_running_loop().create_task(deploy())
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for task in tasks:
                    task.cancel()
                await send({"type": "lifespan.shutdown.complete"})
                return

    return app
