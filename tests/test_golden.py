"""Golden outputs: the generated files checked in with each example are exactly what restagen makes.

Each example keeps its generated code (and deployment files) next to its implementations in
`examples/<name>/src`, so the owned files there are the golden record: `restagen generate schemas -o src` in the example
(or `scripts/regen-golden`) rewrites them, and a test fails while they differ. The whole tree,
implementations included, is type-checked with `mypy --strict`, linted with ruff and imported.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from ruff.__main__ import find_ruff_bin

from restagen.compiler.pipeline import compile_paths, generate_files
from restagen.compiler.render.header import OWNED_MARKER
from restagen.compiler.render.package import scaffolds

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p.name for p in (ROOT / "examples").iterdir() if (p / "schemas").is_dir())


def _src(example: str) -> Path:
    return ROOT / "examples" / example / "src"


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_holds_its_generated_output(example: str) -> None:
    result = compile_paths([ROOT / "examples" / example / "schemas"])
    assert result.program is not None, "\n".join(d.render() for d in result.diagnostics)
    generated = generate_files(result.program)
    user_files = scaffolds(result.program)
    src = _src(example)
    on_disk = {
        p.relative_to(src).as_posix(): p.read_text()
        for p in sorted(src.rglob("*"))
        if (p.suffix in (".py", ".yaml", ".sh", ".toml", ".md") or p.name == "Dockerfile")
        and p.read_text().startswith(OWNED_MARKER)
    }
    owned = {path: text for path, text in generated.items() if path not in user_files}
    assert sorted(owned) == sorted(on_disk), "run scripts/regen-golden"
    for path, text in owned.items():
        assert text == on_disk[path], f"{path} differs from what restagen generates; run scripts/regen-golden"
    for path in user_files:
        assert (src / path).is_file(), f"{path}: the example lacks this implementation"


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_passes_mypy_strict(example: str) -> None:
    src = _src(example)
    packages = sorted(
        {p.relative_to(src).parts[0] for p in src.rglob("*.py") if len(p.relative_to(src).parts) > 1}
    )
    modules = sorted(p.stem for p in src.glob("*.py"))
    args = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--config-file", "/dev/null"]
    for package in packages:
        args += ["-p", package]
    for module in modules:
        args += ["-m", module]
    result = subprocess.run(args, cwd=src, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_passes_ruff(example: str) -> None:
    result = subprocess.run(
        [find_ruff_bin(), "check", "."],
        cwd=_src(example),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_imports(example: str, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _src(example)
    monkeypatch.syspath_prepend(str(src))
    modules = sorted(
        ".".join(p.relative_to(src).with_suffix("").parts).removesuffix(".__init__")
        for p in src.rglob("*.py")
    )
    roots = {m.split(".")[0] for m in modules}
    try:
        for module in modules:
            importlib.import_module(module)
    finally:
        for name in list(sys.modules):
            if name.split(".")[0] in roots:
                del sys.modules[name]
