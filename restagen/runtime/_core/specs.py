"""What generated code declares about each service, object and workflow: names, codecs, errors, options.

The generated `definitions` module holds one `ComponentSpec` per component. The binding onto
Restate, the context clients and the ingress clients all read it: the names and codecs are
computed once, at import, and never looked up per call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from restagen.runtime._core.codecs import Codec
from restagen.runtime._record import Record

if TYPE_CHECKING:
    from restagen.runtime.events._spec import EventSpec
from restagen.runtime._core.errors import DeclaredError

__all__ = ["ComponentKind", "ComponentSpec", "HandlerKind", "HandlerSpec", "Options", "RetryPolicy"]

In = TypeVar("In")
Out = TypeVar("Out")

ComponentKind = Literal["service", "object", "workflow"]
HandlerKind = Literal["exclusive", "shared", "workflow"]


class RetryPolicy(Record):
    max_attempts: int | None = None
    initial_interval: timedelta | None = None
    max_interval: timedelta | None = None
    factor: float | None = None
    on_max_attempts: Literal["pause", "kill"] | None = None


class Options(Record):
    """Restate options of a component or handler (see the definition language's `options`)."""

    inactivity_timeout: timedelta | None = None
    abort_timeout: timedelta | None = None
    idempotency_retention: timedelta | None = None
    journal_retention: timedelta | None = None
    workflow_retention: timedelta | None = None
    ingress_private: bool | None = None
    enable_lazy_state: bool | None = None
    retry: RetryPolicy | None = None


class HandlerSpec(Record, Generic[In, Out]):
    """One handler: `input` is None when it takes nothing, `output` when it returns nothing.

    `kind` is None for the handlers of a service, which have none.
    """

    component: str
    name: str
    kind: HandlerKind | None = None
    input: Codec[In] | None = None
    output: Codec[Out] | None = None
    errors: tuple[type[DeclaredError], ...] = ()
    options: Options = field(default_factory=Options)
    middleware: tuple[str, ...] = ()
    description: str | None = None
    context: Callable[[Any], Any] | None = None
    """Builds the handler's typed context from the SDK's context (None: the SDK context as is)."""
    events: tuple[EventSpec[Any], ...] = ()
    """The events the handler subscribes to (its input is one of them)."""
    event_type_header: str | None = None
    """For a call without restagen's event headers (a Kafka record): the header naming its event."""
    event_discriminator: str | None = None
    """For a call without restagen's event headers (a Kafka record): the field naming its event."""
    method: str | None = None
    """The method of the implementation that serves it, when not `name` (a Restate name such as
    `getCount` is served by `get_count`)."""

    @property
    def method_name(self) -> str:
        return self.method or self.name

    def error_class(self, name: str) -> type[DeclaredError] | None:
        """The declared error of this handler called `name`, if any."""
        for error in self.errors:
            if error.__name__ == name:
                return error
        return None


class ComponentSpec(Record):
    kind: ComponentKind
    name: str
    handlers: tuple[HandlerSpec[Any, Any], ...]
    options: Options = field(default_factory=Options)
    middleware: tuple[str, ...] = ()
    description: str | None = None

    def handler(self, name: str) -> HandlerSpec[Any, Any]:
        for handler in self.handlers:
            if handler.name == name:
                return handler
        raise KeyError(f"{self.name} has no handler {name!r}")
