"""Finding files: folders, imports followed once, missing files and import cycles."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from restagen.compiler.frontends.sources import discover, load_units
from restagen.diagnostics import Diagnostics


def _write(root: Path, name: str, package: str, imports: dict[str, str] | None = None) -> Path:
    lines = ["restagen: 1", f"package: {package}"]
    if imports:
        lines.append("imports:")
        lines.extend(f"  {alias}: {target}" for alias, target in imports.items())
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_discover_expands_folders_sorted_and_deduplicated(tmp_path: Path) -> None:
    b = _write(tmp_path, "sub/b.restagen.yaml", "b")
    a = _write(tmp_path, "a.restagen.yaml", "a")
    (tmp_path / "notes.yaml").write_text("x: 1\n")
    diagnostics = Diagnostics()
    assert discover([tmp_path, a], diagnostics) == [a.resolve(), b.resolve()]
    assert not diagnostics.items


def test_discover_reports_a_missing_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    diagnostics = Diagnostics()
    assert discover([Path("nope.restagen.yaml")], diagnostics) == []
    assert [d.render() for d in diagnostics] == ["nope.restagen.yaml: no such file or folder"]


def test_imports_are_followed_and_loaded_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "lib/common.restagen.yaml", "shop.common")
    _write(tmp_path, "lib/money.restagen.yaml", "shop.money", {"common": "./common.restagen.yaml"})
    orders = _write(
        tmp_path,
        "orders.restagen.yaml",
        "shop.orders",
        {"common": "./lib/common.restagen.yaml", "money": "lib/money.restagen.yaml"},
    )
    diagnostics = Diagnostics()
    units = load_units([orders], diagnostics)
    assert not diagnostics.items
    assert sorted(u.display for u in units) == [
        "lib/common.restagen.yaml",
        "lib/money.restagen.yaml",
        "orders.restagen.yaml",
    ]
    by_name = {u.display: u for u in units}
    assert [alias for alias, _ in by_name["orders.restagen.yaml"].imports] == ["common", "money"]


def test_import_cycles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    a = _write(tmp_path, "a.restagen.yaml", "a", {"b": "./b.restagen.yaml"})
    _write(tmp_path, "b.restagen.yaml", "b", {"c": "./c.restagen.yaml"})
    _write(tmp_path, "c.restagen.yaml", "c", {"a": "./a.restagen.yaml"})
    diagnostics = Diagnostics()
    load_units([a], diagnostics)
    assert [d.render() for d in diagnostics] == [
        "c.restagen.yaml:4:6: imports.a: import cycle: "
        "a.restagen.yaml -> b.restagen.yaml -> c.restagen.yaml -> a.restagen.yaml\n"
        "    hint: move the definitions they share into a separate file that each of them imports"
    ]


def test_broken_file_does_not_stop_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.restagen.yaml").write_text("restagen: 1\npackage: x\ntyps: {}\n")
    _write(tmp_path, "good.restagen.yaml", "good")
    diagnostics = Diagnostics()
    units = load_units([tmp_path], diagnostics)
    # The unknown key is left out, so the rest of the broken file is still resolved (and checked).
    assert [u.display for u in units] == ["bad.restagen.yaml", "good.restagen.yaml"]
    assert [d.render() for d in diagnostics] == [
        "bad.restagen.yaml:3:1: <document>: unknown key 'typs'\n    hint: did you mean 'types'?"
    ]


@pytest.mark.parametrize("folder", ["", "sub\r/"])
def test_a_file_name_with_a_line_break_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    # The name goes into the header comment of every module generated from the file.
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "good.restagen.yaml", "good")
    _write(tmp_path, f"{folder}bad\nname.restagen.yaml", "bad")
    diagnostics = Diagnostics()
    assert len(load_units([tmp_path], diagnostics)) == 2
    name = f"{folder}bad\nname.restagen.yaml".replace("\r", "\\r").replace("\n", "\\n")
    assert [d.render() for d in diagnostics] == [
        f"{name}:1:1: the file name '{name}' has a character that cannot be written in generated code\n"
        "    hint: rename the file without line breaks or other control characters"
    ]


@pytest.mark.parametrize(
    "target", ["a\x00b.restagen.yaml", "x" * 5000 + ".restagen.yaml", "loop.restagen.yaml"]
)
def test_an_import_that_cannot_name_a_file_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "loop.restagen.yaml").symlink_to("loop.restagen.yaml")
    (tmp_path / "main.restagen.yaml").write_text(
        "restagen: 1\npackage: main\nimports:\n  other: " + json.dumps(target) + "\n", encoding="utf-8"
    )
    diagnostics = Diagnostics()
    load_units([tmp_path / "main.restagen.yaml"], diagnostics)
    assert [d.code for d in diagnostics] == ["import-missing"]


def test_a_chain_of_imports_longer_than_the_recursion_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    count = sys.getrecursionlimit() + 100
    for index in range(count):
        # The last file imports the first: one cycle through all of them.
        _write(
            tmp_path, f"f{index}.restagen.yaml", f"p{index}", {"n": f"./f{(index + 1) % count}.restagen.yaml"}
        )
    diagnostics = Diagnostics()
    assert len(load_units([tmp_path / "f0.restagen.yaml"], diagnostics)) == count
    (cycle,) = diagnostics
    assert cycle.code == "import-cycle" and cycle.message.count(" -> ") == count
