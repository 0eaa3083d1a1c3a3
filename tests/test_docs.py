"""Every code block of the documentation (README.md and docs/*.md) is checked or run.

How blocks are treated, by fence language and by the marker comment on the line right before the fence:

    ```yaml     A definition file when it has a top-level `restagen` or `package` key: it must validate,
                its code is generated and every generated module is imported. Other YAML (a compose
                file, say) must parse.
    ```toml     Must parse; a `[tool.restagen]` table in it must be a valid project configuration.
    ```json     Must parse.
    ```python   Must compile (syntax only), unless marked `run`.
    other       Not checked, unless marked `run`.

Markers are HTML comments, the last non-blank line before the opening fence, made of `key: value`
parts separated by ` | ` (`<!-- file: shop.restagen.yaml | error: unknown type -->`). A comment whose
first key is none of these is an ordinary comment.

    <!-- fragment -->          Skip the block: it is an excerpt, not a complete file.
    <!-- error: TEXT -->       A yaml definition file that must fail validation with TEXT in a diagnostic.
    <!-- file: PATH -->        Also save the block as PATH (relative) in the page's folder, so that other
                               blocks of the same page can import it or name it on a command line.
                               It is checked as well, by its language and other markers.
    <!-- run -->               python: executed in a fresh interpreter in the page's folder, with the
                               code generated from the nearest yaml definition block above it (and its
                               imports) and the page's `file:` blocks importable.
                               console/bash/shell: every `$ restagen ...` line runs through the CLI in
                               the page's folder, in order; each must exit 0, and every other
                               non-blank line must appear in the output of the command above it.
    <!-- run: exit N -->       Like `run`, but the last command of a console block must exit N.

Each block gets a fresh page folder holding every `file:` block of its page. Generated packages are
removed from `sys.modules` after each block, so pages may reuse package names.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from restagen.cli import main
from restagen.compiler import ir
from restagen.compiler.frontends.load import load_text
from restagen.compiler.pipeline import compile_paths, generate_files
from restagen.diagnostics import Diagnostics
from restagen.project import find_project

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)\s*(?P<lang>[\w+-]*)")
_COMMENT = re.compile(r"^<!--(?P<body>.*)-->$")
_KEYS = ("fragment", "error", "file", "run")
_CONSOLE = ("console", "bash", "sh", "shell", "shell-session")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    lang: str
    text: str
    markers: dict[str, str]  # key -> value ("" for a bare key)

    def has(self, key: str) -> bool:
        return key in self.markers

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def is_definition(self) -> bool:
        if self.lang != "yaml":
            return False
        # Read as restagen reads definition files: `string?}` ends a flow mapping there.
        document = load_text(self.text, "block.yaml", Diagnostics())
        return (
            document is not None
            and isinstance(document.data, dict)
            and ("restagen" in document.data or "package" in document.data)
        )


def parse_blocks(page: Path) -> list[Block]:
    """The fenced code blocks of a Markdown page, each with the marker right before it."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, fence = len(opening["indent"]), opening["fence"]
        body: list[str] = []
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            line = lines[end]
            body.append(line[indent:] if line[:indent].strip() == "" else line.lstrip())
            end += 1
        before = next((lines[i].strip() for i in range(index - 1, -1, -1) if lines[i].strip()), "")
        blocks.append(
            Block(page, index + 1, opening["lang"].lower(), "\n".join(body) + "\n", parse_markers(before))
        )
        index = end + 1
    return blocks


def parse_markers(line: str) -> dict[str, str]:
    """The markers of a comment line; empty for anything that is not a marker comment."""
    comment = _COMMENT.match(line)
    if not comment:
        return {}
    markers = {}
    for part in comment["body"].split(" | "):
        key, _, value = part.strip().partition(":")
        markers[key.strip()] = value.strip()
    if next(iter(markers)) not in _KEYS:
        return {}
    unknown = set(markers) - set(_KEYS)
    assert not unknown, f"unknown documentation marker(s) {sorted(unknown)} in {line!r}"
    return markers


ALL_BLOCKS = [block for page in PAGES for block in parse_blocks(page)]
CHECKED = [block for block in ALL_BLOCKS if not block.has("fragment")]


def _page_folder(block: Block, tmp_path: Path) -> Path:
    """A folder with every `file:` block of the page in it."""
    folder = tmp_path / "page"
    for named in parse_blocks(block.page):
        if named.has("file"):
            target = folder / named.markers["file"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(named.text, encoding="utf-8")
    folder.mkdir(exist_ok=True)
    return folder


def _definition_path(block: Block, folder: Path) -> Path:
    if block.has("file"):
        return folder / block.markers["file"]
    path = folder / f"block_{block.line}.restagen.yaml"
    path.write_text(block.text, encoding="utf-8")
    return path


def _generate(path: Path, out: Path) -> ir.Program:
    result = compile_paths([path])
    problems = "\n".join(d.render() for d in result.diagnostics)
    assert result.program is not None, f"{path.name} does not validate:\n{problems}"
    for rel, content in generate_files(result.program).items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    return result.program


def _forget(program: ir.Program) -> None:
    tops = {package.name.split(".")[0] for package in program.packages}
    for name in [n for n in sys.modules if n.split(".")[0] in tops]:
        del sys.modules[name]


def _check_definition(block: Block, tmp_path: Path) -> None:
    folder = _page_folder(block, tmp_path)
    path = _definition_path(block, folder)
    if block.has("error"):
        expected = block.markers["error"]
        result = compile_paths([path])
        rendered = "\n".join(d.render() for d in result.diagnostics)
        assert result.program is None, f"expected a failure containing {expected!r}, but it validates"
        assert expected in rendered, f"expected {expected!r} in the diagnostics:\n{rendered}"
        return
    out = tmp_path / "gen"
    program = _generate(path, out)
    sys.path.insert(0, str(out))
    _forget(program)
    try:
        for package in program.packages:
            for module in sorted((out / package.name.replace(".", "/")).glob("*.py")):
                name = package.name if module.stem == "__init__" else f"{package.name}.{module.stem}"
                importlib.import_module(name)
    finally:
        sys.path.remove(str(out))
        _forget(program)


def _definition_above(block: Block) -> Block:
    above = [
        b
        for b in parse_blocks(block.page)
        if b.line < block.line and not b.has("fragment") and not b.has("error") and b.is_definition
    ]
    assert above, f"{block.id}: a python run block needs a yaml definition block above it"
    return above[-1]


def _run_python(block: Block, tmp_path: Path) -> None:
    folder = _page_folder(block, tmp_path)
    out = tmp_path / "gen"
    _generate(_definition_path(_definition_above(block), folder), out)
    script = tmp_path / "example.py"
    script.write_text(block.text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(out), str(folder), *sys.path])}
    result = subprocess.run(
        [sys.executable, str(script)], cwd=folder, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{block.id} failed:\n{result.stdout}{result.stderr}"


def _run_console(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(_page_folder(block, tmp_path))
    commands: list[tuple[list[str], list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            argv = shlex.split(line[2:], comments=True)
            assert argv[0] == "restagen", f"{block.id}: only restagen commands can run, not {line!r}"
            commands.append((argv[1:], []))
        elif line.strip():
            assert commands, f"{block.id}: output before the first command: {line!r}"
            commands[-1][1].append(line.strip())
    assert commands, f"{block.id}: a run block without `$ restagen` commands"
    expected_last = int(block.markers["run"].removeprefix("exit").strip() or 0)
    for number, (argv, expected) in enumerate(commands, 1):
        capsys.readouterr()
        code = main(argv)
        captured = capsys.readouterr()
        output = " ".join((captured.out + captured.err).split())
        want = expected_last if number == len(commands) else 0
        assert code == want, f"{block.id}: restagen {shlex.join(argv)} exited {code}, not {want}:\n{output}"
        for line in expected:
            assert " ".join(line.split()) in output, f"{block.id}: {line!r} not in the output:\n{output}"


@pytest.mark.parametrize("block", CHECKED, ids=lambda b: b.id)
def test_block(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if block.has("run"):
        if block.lang == "python":
            _run_python(block, tmp_path)
        elif block.lang in _CONSOLE:
            _run_console(block, tmp_path, monkeypatch, capsys)
        else:
            pytest.fail(f"{block.id}: cannot run a {block.lang or 'plain'} block")
    elif block.has("error") or block.is_definition:
        assert block.lang == "yaml", f"{block.id}: 'error' is for yaml definition files"
        _check_definition(block, tmp_path)
    elif block.lang == "yaml":
        yaml.safe_load(block.text)
    elif block.lang == "toml":
        data = tomllib.loads(block.text)
        if "restagen" in data.get("tool", {}):
            (tmp_path / "pyproject.toml").write_text(block.text, encoding="utf-8")
            assert find_project(tmp_path) is not None
    elif block.lang == "json":
        json.loads(block.text)
    elif block.lang == "python":
        compile(block.text, block.id, "exec")


def test_the_documentation_has_checked_blocks() -> None:
    pages = {block.page.name for block in CHECKED}
    assert {"language.md", "cli.md"} <= pages
    language = [b for b in CHECKED if b.page.name == "language.md"]
    assert sum(b.is_definition for b in language) >= 20
    assert sum(b.has("error") for b in language) >= 10
    assert sum(b.has("run") and b.lang == "python" for b in language) >= 5
    cli = [b for b in CHECKED if b.page.name == "cli.md"]
    assert sum(b.has("run") and b.lang in _CONSOLE for b in cli) >= 3


def test_markers_are_recognised(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "text\n\n<!-- fragment -->\n```yaml\na: b\n```\n\n<!-- error: unknown type 'X' -->\n\n"
        "```yaml\nrestagen: 1\n```\n<!-- a comment, not a marker -->\n```python\nprint(1)\n```\n"
        "<!-- run: exit 1 -->\n```console\n$ restagen validate\n```\n- item\n\n  ```toml\n  [x]\n  ```\n"
        "<!-- file: b.restagen.yaml | error: a: b -->\n```yaml\nrestagen: [\n```\n"
    )
    blocks = parse_blocks(page)
    assert [(b.lang, b.markers) for b in blocks] == [
        ("yaml", {"fragment": ""}),
        ("yaml", {"error": "unknown type 'X'"}),
        ("python", {}),
        ("console", {"run": "exit 1"}),
        ("toml", {}),
        ("yaml", {"file": "b.restagen.yaml", "error": "a: b"}),
    ]
    assert blocks[4].text == "[x]\n"
    assert blocks[1].is_definition and not blocks[0].is_definition and not blocks[5].is_definition
    with pytest.raises(AssertionError, match="unknown documentation marker"):
        parse_markers("<!-- run | rnu -->")


def test_a_wrong_example_fails_its_test(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("<!-- error: no such message -->\n```yaml\nrestagen: 1\npackage: ok.pkg\n```\n")
    (block,) = parse_blocks(page)
    with pytest.raises(AssertionError, match="it validates"):
        _check_definition(block, tmp_path)
