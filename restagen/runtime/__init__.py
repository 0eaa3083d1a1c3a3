"""The restagen runtime: what generated code and handlers import at run time.

It depends on `restate-sdk`, pydantic and httpx only, never on the compiler. Everything public
is importable from here, or from the subpackages named for one feature:

- `restagen.runtime`: models, codecs and declared errors; the specs generated code declares;
  handler contexts, state and promises; durable futures and their combinators; calls from inside handlers and through the ingress; the
  endpoint with its configuration, injection and middleware.
- `restagen.runtime.events`: event specs, publishers and subscribers.
- `restagen.runtime.sagas`: the saga engine and saga clients.
- `restagen.runtime.sse`: Server-Sent Events (the `sse` extra).
- `restagen.runtime.tracing`: OpenTelemetry spans of invocations and calls (the `otel` extra).

The modules behind these names are private; each is imported when one of its names is first used.
"""

from typing import TYPE_CHECKING

from restagen.runtime._exports import lazy_exports

if TYPE_CHECKING:
    from restagen.runtime._core.bson import BsonCodec
    from restagen.runtime._core.calls import ContextCaller, ContextInvocationHandle
    from restagen.runtime._core.clients import ContextClient, IngressClient
    from restagen.runtime._core.codecs import Codec, CodecError, JsonCodec
    from restagen.runtime._core.combinators import as_completed, gather, select, wait_completed
    from restagen.runtime._core.context import (
        HandlerContext,
        ObjectHandlerContext,
        ObjectSharedHandlerContext,
        ReadOnlyStateKey,
        ServiceHandlerContext,
        StateKey,
        WorkflowHandlerContext,
        WorkflowPromise,
        WorkflowSharedHandlerContext,
    )
    from restagen.runtime._core.datetimes import UtcDatetime
    from restagen.runtime._core.errors import DeclaredError, DurableTimeout, HandlerNotImplemented
    from restagen.runtime._core.futures import CallFuture, DurableFuture
    from restagen.runtime._core.ingress import (
        Ingress,
        IngressError,
        IngressRetries,
        InvocationHandle,
        NotReady,
        SendStatus,
        SyncIngress,
        SyncInvocationHandle,
        SyncWorkflowHandle,
        WorkflowHandle,
    )
    from restagen.runtime._core.model import Model
    from restagen.runtime._core.specs import (
        ComponentKind,
        ComponentSpec,
        HandlerKind,
        HandlerSpec,
        Options,
        RetryPolicy,
    )
    from restagen.runtime._endpoint.admin import RegistrationError, register, register_async
    from restagen.runtime._endpoint.config import Config, ConfigError
    from restagen.runtime._endpoint.endpoint import Endpoint
    from restagen.runtime._endpoint.injection import InjectionError, Scope
    from restagen.runtime._endpoint.middleware import (
        AroundFunction,
        AroundMiddleware,
        ComponentInfo,
        HandlerInfo,
        Middleware,
        MiddlewareFunction,
        MiddlewareLike,
        Proceed,
    )
    from restagen.runtime._endpoint.sections import (
        AdminConfig,
        IdentityConfig,
        IngressConfig,
        PubSubConfig,
        ServerConfig,
    )
    from restagen.runtime._endpoint.settings import load_config
else:
    __getattr__, __dir__ = lazy_exports(__name__)

__all__ = [
    "AdminConfig",
    "AroundFunction",
    "AroundMiddleware",
    "BsonCodec",
    "CallFuture",
    "Codec",
    "CodecError",
    "ComponentInfo",
    "ComponentKind",
    "ComponentSpec",
    "Config",
    "ConfigError",
    "ContextCaller",
    "ContextClient",
    "ContextInvocationHandle",
    "DeclaredError",
    "DurableFuture",
    "DurableTimeout",
    "Endpoint",
    "HandlerContext",
    "HandlerInfo",
    "HandlerKind",
    "HandlerNotImplemented",
    "HandlerSpec",
    "IdentityConfig",
    "Ingress",
    "IngressClient",
    "IngressConfig",
    "IngressError",
    "IngressRetries",
    "InjectionError",
    "InvocationHandle",
    "JsonCodec",
    "Middleware",
    "MiddlewareFunction",
    "MiddlewareLike",
    "Model",
    "NotReady",
    "ObjectHandlerContext",
    "ObjectSharedHandlerContext",
    "Options",
    "Proceed",
    "PubSubConfig",
    "ReadOnlyStateKey",
    "RegistrationError",
    "RetryPolicy",
    "Scope",
    "SendStatus",
    "ServerConfig",
    "ServiceHandlerContext",
    "StateKey",
    "SyncIngress",
    "SyncInvocationHandle",
    "SyncWorkflowHandle",
    "UtcDatetime",
    "WorkflowHandle",
    "WorkflowHandlerContext",
    "WorkflowPromise",
    "WorkflowSharedHandlerContext",
    "as_completed",
    "gather",
    "load_config",
    "register",
    "register_async",
    "select",
    "wait_completed",
]
