"""Golden outputs: each example generates exactly the files under tests/golden/<example>/.

The golden trees are also type-checked with `mypy --strict`, linted with ruff's default rules and
imported, so a golden file is known to be working code, not only a frozen string.
Regenerate them with `scripts/regen-golden` after a deliberate change, and review the diff.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from ruff.__main__ import find_ruff_bin

from restagen.compiler.pipeline import compile_paths, generate_files

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
EXAMPLES = sorted(p.name for p in (ROOT / "examples").iterdir() if (p / "schemas").is_dir())


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*.py"))}


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_generates_its_golden_output(example: str) -> None:
    result = compile_paths([ROOT / "examples" / example / "schemas"])
    assert result.program is not None, "\n".join(d.render() for d in result.diagnostics)
    generated = generate_files(result.program)
    golden = _tree(GOLDEN / example)
    assert sorted(generated) == sorted(golden), "run scripts/regen-golden"
    for path, text in generated.items():
        assert text == golden[path], f"{path} differs from its golden copy; run scripts/regen-golden"


@pytest.mark.parametrize("example", EXAMPLES)
def test_golden_output_passes_mypy_strict(example: str) -> None:
    folder = GOLDEN / example
    packages = sorted({p.parent.relative_to(folder).parts[0] for p in folder.rglob("*.py")})
    args = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--config-file", "/dev/null"]
    for package in packages:
        args += ["-p", package]
    result = subprocess.run(args, cwd=folder, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("example", EXAMPLES)
def test_golden_output_passes_ruff(example: str) -> None:
    result = subprocess.run(
        [find_ruff_bin(), "check", "--isolated", "--select", "E,F,W,I,UP,B", "--line-length", "88", "."],
        cwd=GOLDEN / example,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("example", EXAMPLES)
def test_golden_output_imports(example: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = GOLDEN / example
    monkeypatch.syspath_prepend(str(folder))
    modules = sorted(
        ".".join(p.relative_to(folder).with_suffix("").parts).removesuffix(".__init__")
        for p in folder.rglob("*.py")
    )
    for module in modules:
        importlib.import_module(module)
    for name in list(sys.modules):
        if name.split(".")[0] in {m.split(".")[0] for m in modules}:
            del sys.modules[name]
