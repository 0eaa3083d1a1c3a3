"""Codec constants never take the name of a class their module imports.

`codecs.py` imports the classes its annotations name (`UUID`, the package's models) and binds one
constant per codec; a constant named like one of those classes would rebind it, and a later codec
of that class would wrap a codec instead of the class.
"""

from __future__ import annotations

import importlib
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from restagen.compiler.pipeline import compile_paths, generate_files

PACKAGE = "codec_names"
SCHEMA = f"""\
restagen: 1
package: {PACKAGE}
types:
  A:
    properties:
      x: string
  STRING:
    properties:
      y: int
services:
  s:
    handlers:
      a: {{input: uuid}}
      b: {{input: uuid | bool}}
      c: {{input: A}}
      d: {{input: A | bool}}
      e: {{input: string}}
      f: {{input: STRING}}
"""


@pytest.fixture
def codecs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    schema = tmp_path / "schema" / "names.restagen.yaml"
    schema.parent.mkdir()
    schema.write_text(SCHEMA, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = compile_paths([schema])
    assert result.program is not None, "\n".join(d.render() for d in result.diagnostics)
    out = tmp_path / "out"
    for rel, content in generate_files(result.program).items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    monkeypatch.syspath_prepend(str(out))
    try:
        importlib.import_module(PACKAGE)  # every module the package opens with
        yield importlib.import_module(f"{PACKAGE}.codecs")
    finally:
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_no_codec_rebinds_an_imported_class(codecs: ModuleType) -> None:
    models = importlib.import_module(f"{PACKAGE}.models")
    assert codecs.UUID is uuid.UUID
    for name in ("A", "STRING"):
        assert getattr(codecs, name) is getattr(models, name)


def test_each_codec_carries_its_own_type(codecs: ModuleType) -> None:
    models = importlib.import_module(f"{PACKAGE}.models")
    types = {
        name: value.type
        for name, value in vars(codecs).items()
        if name.isupper() and hasattr(value, "encode")
    }
    assert types["A_CODEC"] is models.A
    assert types["STRING_CODEC"] is str
    assert types["UUID_CODEC"] is uuid.UUID
    assert sorted(map(repr, types.values())) == sorted(
        map(repr, [uuid.UUID, uuid.UUID | bool, models.A, models.A | bool, str, models.STRING])
    )


def test_a_codec_whose_name_is_no_class_keeps_its_name(codecs: ModuleType) -> None:
    # The type STRING's constant, S_T_R_I_N_G, cannot be a class name: it takes no suffix.
    assert codecs.S_T_R_I_N_G.type is importlib.import_module(f"{PACKAGE}.models").STRING
