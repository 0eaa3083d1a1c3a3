"""Middleware named in a schema: a scaffolded class for each name, registered by the scaffolded
main, so that a fresh project starts without a missing-middleware error."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from restagen.cli import main as restagen

SCHEMA = """\
restagen: 1
package: guarded
services:
  svc:
    middleware: [auth.require_user, audit]
    handlers:
      a: {middleware: [auth_require_user]}
      b: {}
"""


@pytest.fixture
def generated(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "guarded.restagen.yaml").write_text(SCHEMA)
    assert restagen(["generate", str(tmp_path / "guarded.restagen.yaml"), "-o", str(tmp_path / "gen")]) == 0
    sys.path.insert(0, str(tmp_path / "gen"))
    try:
        yield tmp_path / "gen" / "guarded"
    finally:
        sys.path.remove(str(tmp_path / "gen"))
        for name in [m for m in sys.modules if m == "guarded" or m.startswith("guarded.")]:
            del sys.modules[name]


def test_each_name_gets_its_own_class_even_when_names_collide(generated: Path) -> None:
    middleware = importlib.import_module("guarded.middleware")
    assert [name for name in vars(middleware) if name.endswith(("Middleware", "Middleware2"))] == [
        "AuditMiddleware",
        "AuthRequireUserMiddleware",
        "AuthRequireUserMiddleware2",
    ]
    main = (generated / "main.py").read_text()
    assert 'endpoint.middleware("auth.require_user", AuthRequireUserMiddleware)' in main
    assert 'endpoint.middleware("auth_require_user", AuthRequireUserMiddleware2)' in main


def test_the_scaffolded_endpoint_starts(generated: Path) -> None:
    main = importlib.import_module("guarded.main")
    assert callable(main.app)
    names = {component.name: component for component in main.endpoint.components()}
    assert set(names) == {"svc"}


def test_the_middleware_scaffold_is_written_once(generated: Path, tmp_path: Path) -> None:
    (generated / "middleware.py").write_text("# mine\n")
    assert restagen(["generate", str(tmp_path / "guarded.restagen.yaml"), "-o", str(tmp_path / "gen")]) == 0
    assert (generated / "middleware.py").read_text() == "# mine\n"
