"""Configuration of an endpoint: the sections `server`, `ingress`, `admin`, `pubsub` and `identity`.

A section that is absent turns its feature off; a feature used without its section raises a
`ConfigError` naming the section. `Config(...)` takes code only; `load_config(...)`
(restagen.runtime._endpoint.settings) also reads the environment and configuration files.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

__all__ = [
    "AdminConfig",
    "Config",
    "ConfigError",
    "IdentityConfig",
    "IngressConfig",
    "PubSubConfig",
    "ServerConfig",
]

SectionName = Literal["server", "ingress", "admin", "pubsub", "identity"]


class ConfigError(Exception):
    """The configuration is invalid, or a feature was used without its section."""


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
    """The Restate ingress that injected ingress clients call, with headers sent on every call."""

    url: str
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
    """How many events each (cluster, stream) keeps for subscribers reconnecting with Last-Event-ID."""


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


_WHERE = (
    "[tool.restagen.{name}] in pyproject.toml, the file named by RESTAGEN_CONFIG, "
    "RESTAGEN_{upper}__* environment variables, or Config({name}=...) in code"
)


class Config(BaseModel):
    """The configuration of an endpoint; every section is optional. `load_config` reads it."""

    # [tool.restagen] also holds the generator's settings; validators are built on first use.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    server: ServerConfig | None = None
    ingress: IngressConfig | None = None
    admin: AdminConfig | None = None
    pubsub: PubSubConfig | None = None
    identity: IdentityConfig | None = None

    def require(self, name: SectionName, feature: str) -> Any:
        """The section `name`, or a ConfigError saying that `feature` needs it."""
        section = getattr(self, name)
        if section is None:
            where = _WHERE.format(name=name, upper=name.upper())
            raise ConfigError(f"{feature} needs the '{name}' section of the configuration: set it in {where}")
        return section

    @property
    def listen(self) -> ServerConfig:
        """The server section, or its defaults when it is absent."""
        return self.server or _DEFAULT_SERVER


_DEFAULT_SERVER = ServerConfig.model_construct()  # the defaults need no validation
