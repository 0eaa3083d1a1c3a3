"""Loading the configuration: code, the environment, a TOML file and pyproject.toml.

`load_config(...)` reads, most important first: its keyword arguments, environment variables
(`RESTAGEN_SERVER__PORT=9080`, lists and tables as JSON), the file named by `RESTAGEN_CONFIG`
(TOML), and `[tool.restagen.<section>]` of the pyproject.toml in the working directory. The
reader of those sources (pydantic-settings) is imported only when one of them exists, so that an
endpoint configured in code alone never loads it.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from restagen.runtime._endpoint.config import Config, ConfigError

if TYPE_CHECKING:
    from restagen.runtime._endpoint.sections import Sections

__all__ = ["load_config"]

CONFIG_FILE_VARIABLE = "RESTAGEN_CONFIG"
ENV_PREFIX = "RESTAGEN_"


def load_config(**sections: Any) -> Config:
    """The configuration from every source, with `sections` given in code taking precedence.

    Raises ConfigError, listing every invalid value, rather than pydantic's ValidationError.
    """
    try:
        if not _has_sources():
            return Config(**sections)
        settings = _settings_class()(**sections)
        return Config(**{name: getattr(settings, name) for name in Config._record_fields})
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None
    except ValueError as error:  # a source that cannot be parsed (a TOML syntax error, bad JSON)
        raise ConfigError(f"invalid restagen configuration: {error}") from None


def _has_sources() -> bool:
    """Whether anything but code may hold configuration (a cheap look, before importing a reader)."""
    if any(name.startswith(ENV_PREFIX) for name in os.environ):
        return True
    try:
        return "[tool.restagen" in Path("pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return False


@cache
def _settings_class() -> type[Sections]:
    """The sections read from every source: built once, on the first load that has a source."""
    from pydantic_settings import (
        BaseSettings,
        PydanticBaseSettingsSource,
        PyprojectTomlConfigSettingsSource,
        SettingsConfigDict,
        TomlConfigSettingsSource,
    )

    from restagen.runtime._endpoint.sections import Sections

    class Settings(Sections, BaseSettings):
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
            sources.append(PyprojectTomlConfigSettingsSource(settings_cls, Path("pyproject.toml")))
            return tuple(sources)

    return Settings


def _describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "configuration"
        lines.append(f"  {where}: {problem['msg']} (got {problem.get('input')!r})")
    return "invalid restagen configuration:\n" + "\n".join(lines)
