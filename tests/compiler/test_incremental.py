"""Regeneration renders again only the packages whose inputs changed: their file and what it imports.

In `examples/ftgo`, `common` is imported by `accounting`, `consumers` and `orders`; `kitchen` only by
`orders`; nothing imports `orders`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from restagen.cli import main
from restagen.compiler import ir, pipeline
from restagen.compiler.render.deploy_settings import DeploySettings

ROOT = Path(__file__).resolve().parents[2]
ALL = {"ftgo.accounting", "ftgo.common", "ftgo.consumers", "ftgo.kitchen", "ftgo.orders"}


@pytest.fixture
def regenerate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str | None], set[str]]:
    """Generate `examples/ftgo` once; then `regenerate(name)` changes one line of `name`'s file (of
    none with None), generates again into the same folder and returns the packages rendered."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "examples" / "ftgo" / "schemas", tmp_path / "schemas")
    assert main(["generate", "schemas", "-o", "out"]) == 0
    rendered: set[str] = set()
    real = pipeline.render_package

    def spy(program: ir.Program, package: ir.Package, deploy: DeploySettings | None = None) -> dict[str, str]:
        rendered.add(package.name)
        return real(program, package, deploy)

    monkeypatch.setattr(pipeline, "render_package", spy)

    def run(name: str | None) -> set[str]:
        if name is not None:
            schema = tmp_path / "schemas" / f"{name}.restagen.yaml"
            text = schema.read_text(encoding="utf-8")
            first = next(line for line in text.splitlines() if line.startswith("description: "))
            schema.write_text(text.replace(first, f"{first} Changed.", 1), encoding="utf-8")
        rendered.clear()
        assert main(["generate", "schemas", "-o", "out"]) == 0
        return set(rendered)

    return run


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_nothing_changed_renders_nothing(regenerate: Callable[[str | None], set[str]]) -> None:
    assert regenerate(None) == set()
    assert regenerate("kitchen") == {"ftgo.kitchen", "ftgo.orders"}
    assert regenerate(None) == set()


def test_a_change_in_a_leaf_renders_only_the_leaf(regenerate: Callable[[str | None], set[str]]) -> None:
    assert regenerate("orders") == {"ftgo.orders"}


def test_a_change_in_an_imported_package_renders_its_importers(
    regenerate: Callable[[str | None], set[str]],
) -> None:
    assert regenerate("kitchen") == {"ftgo.kitchen", "ftgo.orders"}
    assert regenerate("consumers") == {"ftgo.consumers", "ftgo.orders"}


def test_a_change_in_the_common_package_renders_everything_that_imports_it(
    regenerate: Callable[[str | None], set[str]],
) -> None:
    assert regenerate("common") == ALL - {"ftgo.kitchen"}


def test_the_files_are_those_of_a_fresh_generation(
    regenerate: Callable[[str | None], set[str]], tmp_path: Path
) -> None:
    regenerate("common")
    regenerate("kitchen")
    assert main(["generate", "schemas", "-o", "fresh"]) == 0
    assert _tree(tmp_path / "out") == _tree(tmp_path / "fresh")


MINE = """\
restagen: 1
package: mine
services:
  s:
    handlers:
      echo: {input: string, output: string}
"""
OTHER = """\
restagen: 1
package: other
types:
  STRING:
    properties:
      y: int
"""


def test_a_package_it_does_not_import_leaves_its_files_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the cache relies on: a package's files are made from its closure only. Here a type of
    an unrelated package is named like the codec constant of `string` in `mine`."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.restagen.yaml").write_text(MINE, encoding="utf-8")
    (tmp_path / "other.restagen.yaml").write_text(OTHER, encoding="utf-8")

    def files_of_mine(*names: str) -> dict[str, str]:
        result = pipeline.compile_paths([tmp_path / name for name in names])
        assert result.program is not None, [d.render() for d in result.diagnostics]
        files = pipeline.generate_files(result.program)
        return {rel: text for rel, text in files.items() if rel.startswith("mine/")}

    alone = files_of_mine("mine.restagen.yaml")
    assert "STRING" in alone["mine/codecs.py"]
    assert files_of_mine("mine.restagen.yaml", "other.restagen.yaml") == alone
