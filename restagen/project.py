"""Project configuration: the `[tool.restagen]` table of the nearest pyproject.toml.

    [tool.restagen]
    schemas = ["schemas"]      # files or folders of *.restagen.yaml, relative to pyproject.toml
    output = "gen"             # where generated packages go

    [tool.restagen.deploy]     # the deployment files of each endpoint (docs/deploy.md)
    image = "registry.example.com/{name}:1.0"

Command-line arguments override these. The same table holds the endpoint's runtime sections
(`[tool.restagen.server]`, `ingress`, `admin`, `pubsub`, `identity`, see `restagen.runtime.Config`);
they are checked here too, so that a typo fails `restagen validate` before any endpoint starts.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from restagen.compiler.render.deploy_settings import DeploySettings
from restagen.runtime import AdminConfig, IdentityConfig, IngressConfig, PubSubConfig, ServerConfig

__all__ = ["ProjectConfig", "ProjectConfigError", "find_project"]


class _ToolTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schemas: list[str] = Field(default_factory=lambda: ["."])
    output: str = "gen"
    deploy: DeploySettings = Field(default_factory=DeploySettings)
    server: ServerConfig | None = None
    ingress: IngressConfig | None = None
    admin: AdminConfig | None = None
    pubsub: PubSubConfig | None = None
    identity: IdentityConfig | None = None


class ProjectConfigError(ValueError):
    pass


@dataclass(frozen=True)
class ProjectConfig:
    root: Path
    schemas: tuple[Path, ...]
    output: Path
    deploy: DeploySettings = field(default_factory=DeploySettings)


def find_project(start: Path) -> ProjectConfig | None:
    """The configuration of the project containing `start`, or None outside a configured project."""
    for folder in [start, *start.parents]:
        pyproject = folder / "pyproject.toml"
        if not pyproject.is_file():
            continue
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ProjectConfigError(f"{pyproject}: {exc}") from exc
        table = data.get("tool", {}).get("restagen")
        if table is None:
            return None
        try:
            tool = _ToolTable.model_validate(table)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ProjectConfigError(f"{pyproject}: [tool.restagen] {problems}") from exc
        return ProjectConfig(
            folder, tuple(folder / s for s in tool.schemas), folder / tool.output, tool.deploy
        )
    return None
