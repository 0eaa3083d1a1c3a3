"""The values generated code spells out read as a person writes them, and type-check as they read.

Durations in their largest exact unit, sequences without a trailing comma (which ruff would
explode one item per line), no argument that repeats a default, and codecs whose type parameter
the type checker infers from the type they are given.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from restagen.compiler import ir
from restagen.compiler.pipeline import compile_paths, generate_files
from restagen.compiler.render import expressions
from restagen.compiler.render.annotations import Imports

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (timedelta(days=7), "timedelta(days=7)"),
        (timedelta(hours=36), "timedelta(hours=36)"),
        (timedelta(minutes=90), "timedelta(minutes=90)"),
        (timedelta(seconds=60), "timedelta(minutes=1)"),
        (timedelta(seconds=61), "timedelta(seconds=61)"),
        (timedelta(milliseconds=1500), "timedelta(milliseconds=1500)"),
        (timedelta(microseconds=7), "timedelta(microseconds=7)"),
        (timedelta(0), "timedelta(0)"),
    ],
)
def test_a_duration_is_written_in_its_largest_exact_unit(value: timedelta, expected: str) -> None:
    imports = Imports()
    text = expressions.duration(value, imports)
    assert text == expected
    assert eval(text, {"timedelta": timedelta}) == value
    assert imports.lines() == ["from datetime import timedelta"]


def test_sequences_have_no_trailing_comma_but_a_one_tuple_keeps_its_own() -> None:
    assert expressions.tuple_of(["A"]) == "(A,)"
    assert expressions.tuple_of(["A", "B"]) == "(A, B)"
    assert expressions.list_of(["'a'", "'b'"]) == "['a', 'b']"
    assert expressions.dict_of([("'a'", "a")]) == "{'a': a}"


@pytest.mark.parametrize(
    ("value", "ref", "expected"),
    [
        (0, ir.Primitive("int"), "0"),
        ("EUR", ir.Primitive("string"), "'EUR'"),
        ([], ir.ListOf(ir.Primitive("string")), "[]"),
        ("M", ir.Named("shop", "Size"), "Size.M"),
        (["S", "M"], ir.ListOf(ir.Named("shop", "Size")), "[Size.S, Size.M]"),
        ("x-large", ir.Named("shop", "Size"), "Size('x-large')"),
        ("class", ir.Named("shop", "Size"), "Size('class')"),
        ({"a": 1}, ir.MapOf(ir.Primitive("int")), "{'a': 1}"),
        ("M", ir.Nullable(ir.Named("shop", "Size")), "Size.M"),
    ],
)
def test_a_default_is_the_python_value_of_its_type(value: object, ref: ir.TypeRef, expected: str) -> None:
    assert expressions.default_value(value, ref, lambda named: str(getattr(named, "name", named))) == expected


def test_options_leave_out_what_is_unset_and_import_what_they_name() -> None:
    imports = Imports()
    assert expressions.options(ir.Options(serde="bson"), imports) is None
    assert imports.lines() == []
    text = expressions.options(
        ir.Options(workflow_retention=timedelta(days=7), retry=ir.Retry(max_attempts=3)),
        imports,
        with_workflow_retention=False,
    )
    assert text == "Options(retry=RetryPolicy(max_attempts=3))"
    assert imports.lines() == ["from restagen.runtime import Options, RetryPolicy"]


SCHEMA = """\
restagen: 1
package: shapes
types:
  Item: {properties: {name: string}}
errors:
  Gone: {code: 410}
  Bad: {code: 400, properties: {why: string}}
services:
  shop:
    handlers:
      ping: {}
      get: {input: string, output: "Item?", errors: [Gone, Bad]}
workflows:
  flow:
    run: {output: Item}
    options: {workflow_retention: 7d}
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("shapes")
    (folder / "shapes.restagen.yaml").write_text(SCHEMA)
    result = compile_paths([folder / "shapes.restagen.yaml"])
    assert result.program is not None, [d.render() for d in result.diagnostics]
    out = folder / "out"
    for path, text in generate_files(result.program).items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(text)
    return out


def test_generated_code_has_no_templated_shapes(generated: Path) -> None:
    definitions = (generated / "shapes" / "definitions.py").read_text()
    assert "kind=None" not in definitions and "input=None" not in definitions
    assert "options=Options(workflow_retention=timedelta(days=7))" in definitions
    assert "errors=(Gone, Bad)," in definitions
    codecs = (generated / "shapes" / "codecs.py").read_text()
    assert "ITEM: Final = JsonCodec(Item)\n" in codecs
    assert "OPTIONAL_ITEM: Final[JsonCodec[Item | None]] = JsonCodec(Item | None)\n" in codecs
    errors = (generated / "shapes" / "errors.py").read_text()
    assert '__all__ = ["Bad", "Gone"]\n' in errors
    assert "super().__init__(GoneDetails())" in errors
    assert 'super().__init__(BadDetails.model_validate({"why": why}))' in errors
    for module in ("handlers.py", "impl/shop.py", "impl/flow.py"):
        text = (generated / "shapes" / module).read_text()
        assert "import (\n" not in text, module  # every import here fits on its line
    assert "from ..contexts import ShopContext\n" in (generated / "shapes" / "impl" / "shop.py").read_text()


def test_codecs_carry_their_type_to_the_type_checker(generated: Path) -> None:
    check = generated / "check_codecs.py"
    check.write_text(
        textwrap.dedent(
            """\
            from typing import assert_type

            from restagen.runtime import JsonCodec
            from shapes import codecs
            from shapes.models import Item

            assert_type(codecs.ITEM, JsonCodec[Item])
            assert_type(codecs.OPTIONAL_ITEM, JsonCodec[Item | None])
            assert_type(codecs.STRING, JsonCodec[str])
            assert_type(JsonCodec(list[Item]), JsonCodec[list[Item]])
            """
        )
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--config-file",
            "/dev/null",
            check.name,
        ],
        cwd=generated,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
