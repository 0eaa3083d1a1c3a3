"""Hostile strings in schemas: quotes, triple quotes, backslashes, template syntax, newlines, code.

Nothing written in a schema string may become code. Each string goes through the whole pipeline into
docstrings, defaults and patterns; the generated modules must compile and import, the strings must
come back unchanged, and nothing in them may run.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from restagen.compiler.pipeline import compile_paths, generate_files
from restagen.compiler.render.templates import docstring

HOSTILE = [
    '"""; import os; os.system("x")',
    "'''; import os; os.system('x')",
    'x"""',
    "x'''",
    'ends with a quote "',
    "ends with a single quote '",
    "ends with a backslash \\",
    "back\\slash \\n \\t \\x00 \\N{BULLET} \\u00e9 \\\\",
    "{{ config }} {% for x in y %}{{ x }}{% endfor %} {# comment #} ${x} {x}",
    "line one\nline two\n\nline four",
    "tab\there",
    "# not a comment\n    indented?",
    "unicode: café ✓ ☃ 😀",
    "f\"{__import__('os').system('x')}\"",
    "\"); __import__('os').system('x'); (\"",
    "*/ --> ]]> %s %(x)s",
    "nul \x00 bell \x07 escape \x1b[2K",
    "breaks: ff \x0c vt \x0b nel \x85 ls \u2028 ps \u2029 cr\rx",
]
# Docstrings are compared after removing the indentation the generator adds (as inspect.cleandoc
# does, but without expanding tabs); strings with indented continuation lines are left out.
DOC_SAFE = [s for s in HOSTILE if "\n    " not in s]
# datamodel-code-generator writes the class docstrings of models, and starts a new line at each
# line break `str.splitlines` knows: there the words survive, not the characters between them.
MODEL_DOC_SAFE = [s for s in DOC_SAFE if len(s.splitlines()) == len(s.split("\n"))]


def _doc(text: str | None) -> str:
    """inspect.cleandoc without its tab expansion."""
    assert text is not None
    lines = text.split("\n")
    indent = min((len(line) - len(line.lstrip(" ")) for line in lines[1:] if line.strip()), default=0)
    lines = [lines[0].lstrip(" "), *(line[indent:] for line in lines[1:])]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def _words(text: str) -> list[str]:
    return text.split()


def _pattern(text: str) -> str:
    try:
        re.compile(text)
    except re.error:
        return re.escape(text)
    return text


def _schema(package: str) -> dict[str, Any]:
    types: dict[str, Any] = {}
    for index, text in enumerate(HOSTILE):
        types[f"Doc{index}"] = {"description": text, "properties": {"value": "string"}}
    types["Defaults"] = {
        "description": "String defaults.",
        "properties": {
            f"d{index}": {"type": "string", "default": text, "description": text}
            for index, text in enumerate(HOSTILE)
        },
    }
    types["Patterns"] = {
        "properties": {
            f"p{index}": {"type": "string", "pattern": _pattern(text)} for index, text in enumerate(HOSTILE)
        }
    }
    types["Anchored"] = {
        "properties": {
            f"a{index}": {"type": "string", "pattern": f"^{re.escape(text)}$"}
            for index, text in enumerate(HOSTILE)
        }
    }
    types["OptionalPattern"] = {
        "properties": {"code": {"type": "string", "pattern": _pattern(HOSTILE[0]), "optional": True}}
    }
    types["ListDefaults"] = {
        "properties": {"items": {"type": "list[string]", "default": HOSTILE}},
    }
    types["Status"] = {"description": HOSTILE[0], "enum": ["A", "B"]}
    return {
        "restagen": 1,
        "package": package,
        "description": HOSTILE[0] + "\n" + HOSTILE[1],
        "types": types,
        "errors": {
            f"Failed{index}": {"code": 400, "description": text, "properties": {"reason": "string"}}
            for index, text in enumerate(HOSTILE)
        },
        "events": {"Happened": {"description": HOSTILE[8], "properties": {"what": "string"}}},
        "services": {"svc": {"handlers": {"act": {"input": "string"}, "undo": {"input": "string"}}}},
        "sagas": {
            "deal": {
                "description": HOSTILE[0],
                "data": "Doc0",
                "steps": [
                    {
                        "name": f"step{index}",
                        "description": text,
                        "invoke": "svc.act",
                        "compensate": "svc.undo",
                    }
                    for index, text in enumerate(HOSTILE)
                ],
            }
        },
    }


@pytest.fixture
def generated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, dict[str, str]]]:
    package = "hostile_strings"
    schema = tmp_path / "schema" / "hostile.restagen.yaml"
    schema.parent.mkdir()
    # JSON is YAML: the strings reach the loader exactly as written here.
    schema.write_text(json.dumps(_schema(package), ensure_ascii=False, indent=2), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = compile_paths([schema])
    assert result.program is not None, "\n".join(d.render() for d in result.diagnostics)
    files = generate_files(result.program)
    out = tmp_path / "out"
    for rel, content in files.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    calls: list[Any] = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a) or 0)
    monkeypatch.syspath_prepend(str(out))
    yield package, files
    assert calls == [], "a schema string was executed"
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[name]


def test_every_generated_module_compiles(generated: tuple[str, dict[str, str]]) -> None:
    _, files = generated
    modules = [rel for rel in files if rel.endswith(".py")]
    assert modules
    for rel in modules:
        compile(files[rel], rel, "exec")


def test_descriptions_become_docstrings_unchanged(generated: tuple[str, dict[str, str]]) -> None:
    package, _ = generated
    models = importlib.import_module(f"{package}.models")
    for index, text in enumerate(HOSTILE):
        if text in MODEL_DOC_SAFE:
            assert _doc(getattr(models, f"Doc{index}").__doc__) == text
        else:
            assert _words(_doc(getattr(models, f"Doc{index}").__doc__)) == _words(text)
    assert _doc(models.Status.__doc__) == HOSTILE[0]
    init = importlib.import_module(package)
    assert HOSTILE[0] in init.__doc__ and HOSTILE[1] in init.__doc__


def test_field_descriptions_are_string_literals_not_code(generated: tuple[str, dict[str, str]]) -> None:
    package, files = generated
    models = importlib.import_module(f"{package}.models")
    for index, text in enumerate(HOSTILE):
        assert models.Defaults.model_fields[f"d{index}"].description == text
    tree = ast.parse(files[f"{package}/models.py"])
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Defaults")
    # Only annotated assignments and the class docstring: no statements smuggled in.
    for node in cls.body:
        assert isinstance(node, ast.AnnAssign | ast.Expr), ast.dump(node)
        if isinstance(node, ast.Expr):
            assert isinstance(node.value, ast.Constant)
        else:
            calls = [n for n in ast.walk(node) if isinstance(n, ast.Call)]
            assert all(isinstance(c.func, ast.Name) and c.func.id == "Field" for c in calls), ast.dump(node)


def test_defaults_come_back_unchanged(generated: tuple[str, dict[str, str]]) -> None:
    package, _ = generated
    models = importlib.import_module(f"{package}.models")
    instance = models.Defaults()
    for index, text in enumerate(HOSTILE):
        assert getattr(instance, f"d{index}") == text
    assert models.ListDefaults().items == HOSTILE
    dumped = models.Defaults().model_dump_json(by_alias=True)
    assert json.loads(dumped) == {f"d{index}": text for index, text in enumerate(HOSTILE)}


def test_patterns_come_back_unchanged(generated: tuple[str, dict[str, str]]) -> None:
    package, _ = generated
    models = importlib.import_module(f"{package}.models")
    for index, text in enumerate(HOSTILE):
        field = models.Patterns.model_fields[f"p{index}"]
        patterns = [m.pattern for m in field.metadata if getattr(m, "pattern", None) is not None]
        assert patterns == [_pattern(text)]
    # Validation really uses them: each pattern matches the text it was made from.
    values = {f"a{index}": text for index, text in enumerate(HOSTILE)}
    assert models.Anchored(**values).model_dump() == values
    with pytest.raises(ValueError):
        models.Anchored(**{**values, "a0": HOSTILE[0] + "!"})


def test_optional_field_keeps_its_pattern(generated: tuple[str, dict[str, str]]) -> None:
    package, _ = generated
    models = importlib.import_module(f"{package}.models")
    field = models.OptionalPattern.model_fields["code"]
    assert [m.pattern for m in field.metadata if getattr(m, "pattern", None)] == [_pattern(HOSTILE[0])]
    assert not hasattr(models, "Code")


def test_error_descriptions_survive(generated: tuple[str, dict[str, str]]) -> None:
    package, files = generated
    errors_module = next((rel for rel in files if rel == f"{package}/errors.py"), None)
    if errors_module is None:
        pytest.skip("no errors module generated")
    errors = importlib.import_module(f"{package}.errors")
    for index, text in enumerate(HOSTILE):
        if text in DOC_SAFE:
            # The errors template wraps long lines (textwrap), so compare the words.
            assert _words(_doc(getattr(errors, f"Failed{index}").__doc__)) == _words(text)


def test_saga_descriptions_are_literals_and_docstrings(generated: tuple[str, dict[str, str]]) -> None:
    package, files = generated
    sagas = importlib.import_module(f"{package}.sagas")
    assert sagas.DEAL.description == HOSTILE[0]
    assert [step.description for step in sagas.DEAL.steps] == HOSTILE
    assert HOSTILE[0] in sagas.DealSagaBase.__doc__
    assert "import os" not in files[f"{package}/sagas.md"]  # the picture shows names, not descriptions


@pytest.mark.parametrize("text", [s for s in HOSTILE if "\n" not in s and "\t" not in s])
def test_a_docstring_keeps_every_character(text: str) -> None:
    assert ast.literal_eval(docstring(text, 4)) == text.strip()


@pytest.mark.parametrize("text", ["", " ", " \n\t ", "\u2028"])
def test_a_blank_description_is_no_description(tmp_path: Path, text: str) -> None:
    schema = {
        "restagen": 1,
        "package": "blank",
        "description": text,
        "types": {
            "Item": {"description": text, "properties": {"a": {"type": "string", "description": text}}}
        },
        "errors": {"Failed": {"code": 400, "description": text}},
        "events": {"Happened": {"description": text, "properties": {"what": "string"}}},
        "services": {
            "svc": {
                "description": text,
                "handlers": {"act": {"input": "string", "description": text}, "undo": {"input": "string"}},
            }
        },
        "objects": {
            "obj": {"description": text, "handlers": {"get": {"output": "string", "description": text}}}
        },
        "sagas": {
            "deal": {
                "description": text,
                "data": "Item",
                "steps": [
                    {"name": "one", "description": text, "invoke": "svc.act", "compensate": "svc.undo"}
                ],
            }
        },
    }
    path = tmp_path / "blank.restagen.yaml"
    path.write_text(json.dumps(schema), encoding="utf-8")
    result = compile_paths([path])
    assert result.program is not None, "\n".join(d.render() for d in result.diagnostics)
    for rel, content in generate_files(result.program).items():
        if rel.endswith(".py"):
            compile(content, rel, "exec")
