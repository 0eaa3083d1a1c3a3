"""Regeneration with the manifest gives the same bytes as generating from scratch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from restagen.cli import main
from restagen.compiler.cache import MANIFEST, Manifest, package_digest
from restagen.compiler.pipeline import compile_paths

ROOT = Path(__file__).resolve().parents[2]


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_partial_regeneration_equals_a_fresh_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "examples" / "ftgo" / "schemas", tmp_path / "schemas")
    assert main(["generate", "schemas", "-o", "incremental"]) == 0
    kitchen = tmp_path / "schemas" / "kitchen.restagen.yaml"
    kitchen.write_text(
        kitchen.read_text().replace(
            "ticket_id: string, order_id: string", "ticket_id: string, order_id: string, note: string?"
        )
    )
    assert main(["generate", "schemas", "-o", "incremental"]) == 0
    assert main(["generate", "schemas", "-o", "fresh"]) == 0
    assert _tree(tmp_path / "incremental") == _tree(tmp_path / "fresh")


def test_a_corrupt_manifest_means_rendering_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "examples" / "ftgo" / "schemas", tmp_path / "schemas")
    assert main(["generate", "schemas", "-o", "out"]) == 0
    before = _tree(tmp_path / "out")
    (tmp_path / "out" / MANIFEST).write_text("{not json")
    assert main(["generate", "schemas", "-o", "out"]) == 0
    assert _tree(tmp_path / "out") == before


def test_an_edited_saga_implementation_is_not_an_owned_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A saga's implementation is the user's, like a component's: editing it leaves the manifest
    valid, so the package is reused rather than rendered again on every run."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "examples" / "ftgo" / "schemas", tmp_path / "schemas")
    assert main(["generate", "schemas", "-o", "out"]) == 0
    implementation = tmp_path / "out" / "ftgo" / "orders" / "impl" / "create_order.py"
    implementation.write_text(implementation.read_text() + "# filled in\n")
    manifest = Manifest.read(tmp_path / "out")
    assert "ftgo/orders/impl/create_order.py" not in manifest.packages["ftgo.orders"]["files"]
    result = compile_paths([tmp_path / "schemas"])
    assert result.program is not None
    orders = result.program.package("ftgo.orders")
    reused = manifest.reuse(orders, package_digest(result.program, orders))
    assert reused is not None and reused["ftgo/orders/impl/create_order.py"].endswith("# filled in\n")


def test_a_manifest_of_the_wrong_shape_means_rendering_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "examples" / "ftgo" / "schemas", tmp_path / "schemas")
    assert main(["generate", "schemas", "-o", "out"]) == 0
    before = _tree(tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())
    manifest["packages"]["ftgo.kitchen"]["files"] = (
        5  # valid JSON, a digest that matches, files not a mapping
    )
    (tmp_path / "out" / MANIFEST).write_text(json.dumps(manifest))
    assert main(["generate", "schemas", "-o", "out"]) == 0
    assert _tree(tmp_path / "out") == before


def test_a_scaffold_that_is_not_utf8_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "examples" / "ftgo" / "schemas", tmp_path / "schemas")
    assert main(["generate", "schemas", "-o", "out"]) == 0
    scaffold = next((tmp_path / "out").rglob("impl/__init__.py"))
    scaffold.write_bytes(b"# caf\xe9\n")
    assert main(["generate", "schemas", "-o", "out"]) == 0
    assert scaffold.read_bytes() == b"# caf\xe9\n"
