"""Reading the configuration from the environment, a TOML file and pyproject.toml.

Imported by `load_config` only when one of those sources exists, so that an endpoint configured
in code alone never loads pydantic-settings.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    PyprojectTomlConfigSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from restagen.runtime._endpoint.config import CONFIG_FILE_VARIABLE, ENV_PREFIX, Config, ConfigError

__all__ = ["read_settings"]


class _Settings(Config, BaseSettings):
    """The sections of `Config`, read from every source."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="ignore",  # [tool.restagen] also holds the generator's settings
        frozen=True,
        pyproject_toml_table_header=("tool", "restagen"),
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        named = os.environ.get(CONFIG_FILE_VARIABLE)
        if named:
            if not Path(named).is_file():
                raise ConfigError(f"{CONFIG_FILE_VARIABLE} names {named}, which is not a file")
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=named))
        sources.append(PyprojectTomlConfigSettingsSource(settings_cls, Path("pyproject.toml")))  # if any
        return tuple(sources)


def read_settings(sections: dict[str, Any]) -> Config:
    """The configuration from every source, `sections` given in code first."""
    settings = _Settings(**sections)
    return Config.model_validate({name: getattr(settings, name) for name in Config.model_fields})
