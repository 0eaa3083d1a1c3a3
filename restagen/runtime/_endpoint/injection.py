"""Dependency injection: constructor parameters resolved by their type, planned once at startup.

Handler implementations and middleware classes declare what they need as annotated constructor
parameters. The injector provides:

- the configuration (`Config`) and, from its `ingress` section (and the `admin` section's URL, for
  cancelling), `Ingress` and `SyncIngress`;
- the invocation's context: any `HandlerContext` class (checked at startup against the contexts
  of the handlers it will serve) or the SDK's `restate.Context` classes;
- generated clients of services: ingress clients (from the configured ingress) and context
  clients (from the invocation's context); clients of objects and workflows need a key, so they
  are built in the handler;
- with a `pubsub` section, the event publisher (`EventPublisher`: durable, per invocation;
  `IngressPublisher`: through the ingress) and the generated typed publishers;
- whatever the user registered with `provide`, once (`singleton`) or once per invocation.

A parameter nothing provides fails when the endpoint is built, naming it, never during a call.
What depends on nothing per invocation is built once; the rest is built on each invocation by a
plan made at startup, without looking anything up.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import restate

from restagen.runtime._core.clients import ContextClient, IngressClient
from restagen.runtime._core.context import HandlerContext
from restagen.runtime._endpoint.config import Config, ConfigError
from restagen.runtime._record import Record
from restagen.runtime.events._spec import EventsClient

if TYPE_CHECKING:
    from restagen.runtime._core.ingress import Ingress, SyncIngress
    from restagen.runtime.events._publish import EventPublisher

_INGRESS = "restagen.runtime._core.ingress."
"""Where `Ingress` and `SyncIngress` live: imported once something asks for one."""

_PUBLISHERS = "restagen.runtime.events._publish"
"""The module of the event publishers: imported once something asks for one."""

__all__ = ["InjectionError", "Injector", "Invocation", "Plan", "Scope", "type_hints"]

Scope = Literal["singleton", "invocation"]


class InjectionError(Exception):
    """Something asks for a parameter that nothing provides."""


class Invocation:
    """One invocation as the injector sees it: its typed context and its per-invocation instances."""

    __slots__ = ("context", "instances")

    def __init__(self, context: HandlerContext[Any]) -> None:
        self.context = context
        self.instances: dict[int, Any] = {}


class Plan(Record):
    """How to build a value: once (`per_invocation` false: `build(None)` at startup) or per invocation."""

    per_invocation: bool
    build: Callable[[Invocation | None], Any]


class _Provider(Record):
    factory: Callable[..., Any]
    scope: Scope


def _annotation_class(annotation: Any) -> Any:
    """`HandlerContext[Any]` → `HandlerContext`; `X | None` → `X`; anything else as is."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return _annotation_class(members[0]) if len(members) == 1 else annotation
    return origin if isinstance(origin, type) else annotation


def _name(value: Any) -> str:
    return getattr(value, "__qualname__", None) or repr(value)


class Injector:
    """The providers of one endpoint, and the plans that use them."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._providers: dict[type, _Provider] = {}
        self._singletons: dict[type, Any] = {Config: config}
        self._planning: set[type] = set()

    def provide(
        self,
        key: type[Any],
        factory: Callable[..., Any] | None = None,
        *,
        instance: Any = None,
        scope: Scope = "singleton",
    ) -> None:
        """Provide `key`: a given `instance`, or what `factory` (default: `key` itself) returns.

        The factory's own annotated parameters are injected. `scope="invocation"` builds one per
        invocation (it may then take the context); `"singleton"` builds one for the endpoint.
        """
        if instance is not None:
            if factory is not None:
                raise TypeError("provide() takes a factory or an instance, not both")
            self._singletons[key] = instance
            return
        self._providers[key] = _Provider(factory if factory is not None else key, scope)

    def plan(
        self, target: Callable[..., Any], what: str, contexts: Sequence[type[HandlerContext[Any]]] = ()
    ) -> Plan:
        """The plan to call `target` with its parameters injected.

        `contexts` are the context classes of the handlers the result serves; a parameter asking
        for a context must accept each of them.
        """
        try:
            hints = type_hints(target.__init__ if isinstance(target, type) else target)  # type: ignore[misc]
        except NameError as error:
            raise InjectionError(f"{what}: cannot read its parameter types ({error})") from None
        parameters = inspect.signature(target).parameters.values()
        arguments: list[tuple[str, Plan]] = []
        for parameter in parameters:
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                continue
            annotation = hints.get(parameter.name)
            if annotation is None:
                if parameter.default is not parameter.empty:
                    continue
                raise InjectionError(f"{what}: parameter {parameter.name!r} has no type to inject by")
            try:
                arguments.append(
                    (parameter.name, self._resolve(_annotation_class(annotation), what, contexts))
                )
            except InjectionError:
                if parameter.default is parameter.empty:
                    raise
        return _call(target, arguments)

    def _resolve(self, wanted: Any, what: str, contexts: Sequence[type[HandlerContext[Any]]]) -> Plan:
        if wanted in self._singletons:
            value = self._singletons[wanted]
            return Plan(False, lambda _invocation: value)
        if isinstance(wanted, type):
            provider = self._providers.get(wanted)
            if provider is not None:
                return self._provided(wanted, provider, what, contexts)
            if issubclass(wanted, HandlerContext):
                return self._context(wanted, what, contexts)
            if issubclass(wanted, restate.Context):
                return Plan(True, lambda invocation: invocation.context.restate)  # type: ignore[union-attr]
            if wanted.__module__.startswith(_INGRESS) and wanted.__name__ in ("Ingress", "SyncIngress"):
                return self._ingress(typing.cast("type[Ingress] | type[SyncIngress]", wanted), what)
            if wanted.__module__ == _PUBLISHERS:
                return self._publisher(typing.cast("type[EventPublisher]", wanted), what)
            if issubclass(wanted, (IngressClient, ContextClient, EventsClient)):
                return self._guarded(
                    wanted, lambda: self.plan(wanted, f"{_name(wanted)} (for {what})", contexts)
                )
        hint = (
            f"register one with provide({_name(wanted)}, ...)"
            if isinstance(wanted, type)
            else "annotate it with a class"
        )
        raise InjectionError(f"{what}: nothing provides {_name(wanted)}; {hint}")

    def _guarded(self, wanted: type, make: Callable[[], Plan]) -> Plan:
        if wanted in self._planning:
            raise InjectionError(f"{_name(wanted)} depends on itself")
        self._planning.add(wanted)
        try:
            return make()
        finally:
            self._planning.discard(wanted)

    def _provided(
        self, wanted: type, provider: _Provider, what: str, contexts: Sequence[type[HandlerContext[Any]]]
    ) -> Plan:
        plan = self._guarded(
            wanted,
            lambda: self.plan(provider.factory, f"the provider of {_name(wanted)} (for {what})", contexts),
        )
        if provider.scope == "singleton":
            if plan.per_invocation:
                raise InjectionError(
                    f"{_name(wanted)} is provided once for the endpoint but depends on the invocation; "
                    "provide it with scope='invocation'"
                )
            value = self._singletons[wanted] = plan.build(None)
            return Plan(False, lambda _invocation: value)
        slot = id(provider)
        build = plan.build

        def per_invocation(invocation: Invocation | None) -> Any:
            instances = invocation.instances  # type: ignore[union-attr]
            if slot not in instances:
                instances[slot] = build(invocation)
            return instances[slot]

        return Plan(True, per_invocation)

    def _context(
        self, wanted: type[HandlerContext[Any]], what: str, contexts: Sequence[type[HandlerContext[Any]]]
    ) -> Plan:
        for context in contexts:
            if not issubclass(context, wanted):
                raise InjectionError(
                    f"{what}: asks for a {_name(wanted)}, but serves handlers whose context is {_name(context)}"
                )
        return Plan(True, lambda invocation: invocation.context)  # type: ignore[union-attr]

    def _publisher(self, wanted: type[EventPublisher], what: str) -> Plan:
        from restagen.runtime.events._publish import ContextPublisher, IngressPublisher

        try:
            pubsub = self._config.require("pubsub", f"injecting {wanted.__name__} into {what}")
        except ConfigError as error:
            raise InjectionError(str(error)) from None
        if wanted is IngressPublisher:
            from restagen.runtime._core.ingress import Ingress

            ingress = self._ingress(Ingress, what).build(None)
            value = self._singletons[wanted] = IngressPublisher(ingress, pubsub)
            return Plan(False, lambda _invocation: value)
        return Plan(True, lambda invocation: ContextPublisher(invocation.context, pubsub))  # type: ignore[union-attr]

    def _ingress(self, wanted: type[Ingress] | type[SyncIngress], what: str) -> Plan:
        try:
            section = self._config.require("ingress", f"injecting {wanted.__name__} into {what}")
        except ConfigError as error:
            raise InjectionError(str(error)) from None
        admin = self._config.admin  # cancelling and killing go through the admin API
        value = self._singletons[wanted] = wanted(
            section.url, headers=section.headers, admin_url=admin.url if admin is not None else None
        )
        return Plan(False, lambda _invocation: value)


def type_hints(function: Callable[..., Any]) -> dict[str, Any]:
    """The parameter types of `function`.

    A name its module imports for type checkers only (`if TYPE_CHECKING:`, as generated clients
    import `Ingress` and `HandlerContext`) is read from `restagen.runtime` when it is one of its
    public names; only names the module does not define are looked up there.
    """
    import restagen.runtime

    missing: dict[str, Any] = {}
    while True:
        try:
            return typing.get_type_hints(function, localns=missing)
        except NameError as error:
            name = error.name
            if name in missing or name not in restagen.runtime.__all__:
                raise
            missing[name] = getattr(restagen.runtime, name)


def _call(target: Callable[..., Any], arguments: list[tuple[str, Plan]]) -> Plan:
    if not any(plan.per_invocation for _, plan in arguments):
        values = {name: plan.build(None) for name, plan in arguments}
        return Plan(False, lambda _invocation: target(**values))
    builders = [(name, plan.build) for name, plan in arguments]
    return Plan(True, lambda invocation: target(**{name: build(invocation) for name, build in builders}))
