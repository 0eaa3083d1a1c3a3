"""An endpoint loads only what its requests need: no settings reader without settings, no event
machinery without events, no compiler-side code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = """
import sys
from pydantic import BaseModel
from restagen.runtime import ComponentSpec, ContextClient, Endpoint, HandlerContext, HandlerSpec, IngressClient, JsonCodec

class Name(BaseModel):
    value: str

spec = ComponentSpec(
    "service", "greeter", (HandlerSpec("greeter", "greet", input=JsonCodec(Name), output=JsonCodec(int)),)
)

class Greeter:
    async def greet(self, ctx: HandlerContext, name: str) -> None: ...

Endpoint().bind(spec, Greeter()).app()
print(" ".join(sorted(sys.modules)))
"""


def _modules(cwd: Path, env: dict[str, str]) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


def _clean_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RESTAGEN_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_an_endpoint_configured_in_code_loads_no_settings_reader_and_no_events(tmp_path: Path) -> None:
    loaded = _modules(tmp_path, _clean_env())
    assert "restagen.runtime._endpoint.endpoint" in loaded
    for module in (
        "pydantic_settings",
        "pydantic_settings.main",
        "restagen.runtime.events._wire",
        "restagen.runtime.events._publish",
        "restagen.runtime.events._registry",
        "restagen.decorators",
        "restagen.runtime._core.ingress",
        "restagen.runtime._endpoint.sections",
        "restagen.runtime._endpoint.admin",
        "pydantic.type_adapter",
        "restagen.compiler",
    ):
        assert module not in loaded, module


def test_settings_are_read_when_a_source_exists(tmp_path: Path) -> None:
    env = _clean_env() | {"RESTAGEN_SERVER__PORT": "9091"}
    assert "pydantic_settings" in _modules(tmp_path, env)
    (tmp_path / "pyproject.toml").write_text("[tool.restagen.server]\nport = 9092\n")
    assert "pydantic_settings" in _modules(tmp_path, _clean_env())
