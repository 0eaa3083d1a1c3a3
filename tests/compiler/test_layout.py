"""The compiler's stages: one order, written the same way wherever it is written, one place per stage."""

from __future__ import annotations

from pathlib import Path

import restagen.compiler
import restagen.compiler.pipeline

ROOT = Path(__file__).resolve().parents[2]
COMPILER = ROOT / "restagen" / "compiler"
ORDER = "frontends -> structure -> resolve -> ir -> render -> format -> write"


def _order_lines(text: str) -> list[str]:
    return [line.strip().strip("`|").strip() for line in text.splitlines() if "-> structure ->" in line]


def test_the_order_of_the_stages_is_written_once_the_same_way() -> None:
    assert _order_lines(restagen.compiler.__doc__ or "") == [ORDER]
    assert _order_lines(restagen.compiler.pipeline.__doc__ or "") == [ORDER]
    readme = (ROOT / "README.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith("| `restagen/compiler/` |"))
    assert f"`{ORDER}`" in row


def test_each_stage_is_a_folder_or_a_module_of_the_compiler() -> None:
    for stage in ORDER.split(" -> "):
        assert (COMPILER / stage / "__init__.py").is_file() or (COMPILER / f"{stage}.py").is_file(), stage
