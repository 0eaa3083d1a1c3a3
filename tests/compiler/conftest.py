"""Helpers shared by the compiler tests: write definition files and compile them."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from restagen.compiler.pipeline import Compilation, compile_paths

HEADER = "restagen: 1\npackage: shop.orders\n"


@pytest.fixture
def compile_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Compilation]:
    """Write `files` ({name: yaml}) into a temporary folder and compile them all."""
    monkeypatch.chdir(tmp_path)

    def run(text: str | None = None, **files: str) -> Compilation:
        if text is not None:
            files["orders.restagen.yaml"] = text
        for name, content in files.items():
            (tmp_path / name).write_text(textwrap.dedent(content), encoding="utf-8")
        return compile_paths([Path(name) for name in sorted(files)])

    return run


def rendered(compilation: Compilation) -> list[str]:
    return [d.render() for d in compilation.diagnostics]
