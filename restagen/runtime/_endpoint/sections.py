"""The sections of an endpoint's configuration, validated by pydantic.

Imported when a configuration has something to validate (a section given in code, or a source
that `load_config` reads): an endpoint configured with nothing never defines these models.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

__all__ = [
    "AdminConfig",
    "IdentityConfig",
    "IngressConfig",
    "PubSubConfig",
    "Sections",
    "ServerConfig",
    "validate_sections",
]


class _Section(BaseModel):
    # Validators are built when a section is first validated, not when the runtime is imported.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class ServerConfig(_Section):
    """Where the endpoint listens, and which incoming headers it forwards to downstream calls."""

    host: str = "127.0.0.1"
    port: int = Field(default=9080, ge=1, le=65535)
    propagate_incoming_headers: bool | tuple[str, ...] = False
    """True forwards every incoming header (but hop-by-hop ones); a list forwards only those."""

    @field_validator("propagate_incoming_headers")
    @classmethod
    def _lower(cls, value: bool | tuple[str, ...]) -> bool | tuple[str, ...]:
        if isinstance(value, tuple):
            return tuple(sorted({name.strip().lower() for name in value if name.strip()}))
        return value


class IngressConfig(_Section):
    """The Restate ingress that injected ingress clients call, with headers sent on every call.

    `url` is one ingress, or several (every node of a cluster has one): clients fail over from
    one to the next (docs/clients.md)."""

    url: str | tuple[str, ...]
    headers: dict[str, str] = Field(default_factory=dict)


class AdminConfig(_Section):
    """The Restate admin API; with `deploy_on_startup`, the endpoint registers itself once it listens."""

    url: str
    deploy_on_startup: bool = False
    endpoint_url: str | None = None
    """The URL Restate reaches this endpoint at (default: http://127.0.0.1:<server.port>)."""
    timeout: float = Field(default=30.0, gt=0)
    """Seconds to keep retrying the registration while the admin API is not up."""


class PubSubConfig(_Section):
    """Events: the cluster and default stream to publish on, whether publishes go to SSE, and the
    SSE hub of this node (`restagen.runtime.sse.SseHub.from_config`)."""

    cluster: str = "default"
    default_stream: str = "default"
    sse: bool = False
    sse_secret: SecretStr | None = None
    """The secret shared by the nodes and the processor: publishes to a hub must be signed with it.
    Without it a hub takes no publishes over HTTP and forwards to no peer."""
    sse_peers: tuple[str, ...] = ()
    """The other nodes' base URLs (`http://events-2.internal:9080`, or `host:port`), to fan out to."""
    sse_discover: str | None = None
    """A DNS name whose A/AAAA records are the nodes to fan out to (`events.internal:9080`; without
    a port, the server's); resolved again every 10 s. Pushing to oneself is harmless."""
    sse_buffer: int = Field(default=1000, ge=1)
    """How many events each (cluster, stream) keeps in memory for subscribers reconnecting with
    Last-Event-ID; older ones are read from the stream's log."""
    log_max_events: int = Field(default=10_000, ge=1)
    """How many events the log of each (cluster, stream) keeps."""
    log_max_age: timedelta = timedelta(days=7)
    """How long the log of each (cluster, stream) keeps an event."""
    undelivered_max: int = Field(default=1000, ge=1)
    """How many undelivered events the failure queue of a cluster keeps; beyond, the oldest are
    dropped (and counted)."""
    subscriptions_ttl: float = Field(default=5.0, ge=0)
    """Seconds a process uses its copy of a cluster's subscriptions to publish in one hop."""


class IdentityConfig(_Section):
    """Restate request-signing public keys: requests not signed by one of them are rejected."""

    keys: tuple[str, ...] = Field(min_length=1)

    @field_validator("keys")
    @classmethod
    def _public_keys(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        for key in keys:
            if not key.startswith("publickeyv1_"):
                raise ValueError(f"{key!r} is not a Restate public key (they start with 'publickeyv1_')")
        return keys


class Sections(BaseModel):
    """All the sections, each optional: what code and every source are validated as."""

    # [tool.restagen] also holds the generator's settings.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    server: ServerConfig | None = None
    ingress: IngressConfig | None = None
    admin: AdminConfig | None = None
    pubsub: PubSubConfig | None = None
    identity: IdentityConfig | None = None


def validate_sections(data: dict[str, Any]) -> dict[str, Any]:
    """`data` validated: each section as its model (raises pydantic's ValidationError)."""
    validated = Sections.model_validate(data)
    return {name: getattr(validated, name) for name in Sections.model_fields}
