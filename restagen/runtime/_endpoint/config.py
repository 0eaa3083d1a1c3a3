"""Configuration of an endpoint: the sections `server`, `ingress`, `admin`, `pubsub` and `identity`.

A section that is absent turns its feature off; a feature used without its section raises a
`ConfigError` naming the section. `Config(...)` takes code only; `load_config(...)`
(restagen.runtime._endpoint.settings) also reads the environment and configuration files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from restagen.runtime._record import Record

if TYPE_CHECKING:
    from restagen.runtime._endpoint.sections import (
        AdminConfig,
        IdentityConfig,
        IngressConfig,
        PubSubConfig,
        ServerConfig,
    )

__all__ = ["Config", "ConfigError", "SectionName"]

SectionName = Literal["server", "ingress", "admin", "pubsub", "identity"]


class ConfigError(Exception):
    """The configuration is invalid, or a feature was used without its section."""


_WHERE = (
    "[tool.restagen.{name}] in pyproject.toml, the file named by RESTAGEN_CONFIG, "
    "RESTAGEN_{upper}__* environment variables, or Config({name}=...) in code"
)


class Config(Record):
    """The configuration of an endpoint; every section is optional. `load_config` reads it.

    `Config(server={"port": 9090})` validates what it is given (raising pydantic's
    ValidationError); `Config()` has nothing to validate and loads no section model.
    """

    server: ServerConfig | None = None
    ingress: IngressConfig | None = None
    admin: AdminConfig | None = None
    pubsub: PubSubConfig | None = None
    identity: IdentityConfig | None = None

    def __init__(self, **sections: Any) -> None:
        if any(value is not None for value in sections.values()):
            from restagen.runtime._endpoint.sections import validate_sections

            sections = validate_sections(sections)
        super().__init__(**sections)

    @classmethod
    def model_validate(cls, data: dict[str, Any]) -> Config:
        """The configuration of `data` (sections by name), validated."""
        return cls(**data)

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
        if self.server is not None:
            return self.server
        from restagen.runtime._endpoint.sections import ServerConfig

        return ServerConfig()
