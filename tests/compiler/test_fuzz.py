"""Fuzzing the compiler: whatever a definition file holds, `restagen` answers in a way a user can read.

Three strategies feed the command line: schemas built from the language (types, enums, unions,
errors, events, services, objects, workflows, sagas, and imports between two files), and the
project's own valid schemas (examples/*/schemas/, tests/e2e/*/) mutated as bytes (characters,
lines, control characters, bytes that are not UTF-8, YAML anchors, aliases, merge keys, tags,
deep brackets) and as data (a value of another kind, a renamed, dropped or added key, a shared or
recursive value). For every input `restagen validate` must, within a time bound, either exit 0 or
exit 1 with well-formed diagnostics: each one line `file:line:col: path: message` (and an optional
indented hint), its position inside the file, no raw control character or terminal escape, a bad
byte reported where it is, and an error count that is the number of errors printed. A schema that
validates must generate, and the generated code must compile; a deterministic share of them is
imported in a fresh interpreter.

The settings profile `ci` (the default) runs a small, derandomized number of cases; `long` runs
many: `python -m tests.compiler.test_fuzz --examples 10000`, or `RESTAGEN_FUZZ=long pytest` on
this file (with `RESTAGEN_FUZZ_EXAMPLES` for the total).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import functools
import importlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any
from unittest import mock

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# The compiler's entry points this test uses, in one place.
from restagen.cli import main as restagen_main
from restagen.compiler.frontends.load import load_text
from restagen.diagnostics import Diagnostics

ROOT = Path(__file__).resolve().parents[2]
SUFFIX = ".restagen.yaml"

# -- settings -------------------------------------------------------------------------------------

STRATEGIES = 3  # the tests below that share the examples of a profile
_TOTAL = int(os.environ.get("RESTAGEN_FUZZ_EXAMPLES", "10000"))
_COMMON: dict[str, Any] = {
    "deadline": None,  # the time bound is the alarm of `_run`, which a loaded machine does not trip
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
}
settings.register_profile("ci", max_examples=50, derandomize=True, **_COMMON)
settings.register_profile("long", max_examples=-(-_TOTAL // STRATEGIES), derandomize=False, **_COMMON)
FUZZ = settings.get_profile(os.environ.get("RESTAGEN_FUZZ", "ci"))

VALIDATE_SECONDS = 20  # a small file validates in milliseconds; this catches a hang, not slowness
GENERATE_SECONDS = 120
IMPORT_SECONDS = 120
IMPORT_ONE_IN = 8  # valid schemas whose generated packages are also imported

OUTCOMES: Counter[str] = Counter()
STARTED = time.monotonic()


# -- running the command line ---------------------------------------------------------------------


class TookTooLong(BaseException):
    """Raised by the alarm; a BaseException so that the CLI's handler of internal errors lets it by."""


@dataclass
class Run:
    code: int
    out: str
    err: str


@contextlib.contextmanager
def _alarm(seconds: int) -> Iterator[None]:
    def ring(signum: int, frame: FrameType | None) -> None:
        raise TookTooLong(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _run(argv: list[str], cwd: Path, seconds: int) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.chdir(cwd),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        _alarm(seconds),
    ):
        code = restagen_main(argv)
    return Run(int(code), out.getvalue(), err.getvalue())


# -- the oracle -----------------------------------------------------------------------------------

_DIAGNOSTIC = re.compile(r"(?P<file>[^:\s][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<rest>.+)")
_HINT = re.compile(r"    hint: .+")
_COUNT = re.compile(r"(?P<n>\d+) errors?")


def _lines(text: str) -> list[str]:
    """The lines of `text` as YAML counts them: broken at `\\n`, `\\r\\n` and `\\r`."""
    return re.split(r"\r\n|\r|\n", text)


def _first_bad_byte(data: bytes) -> tuple[int, int] | None:
    """The line and column of the first byte that is not UTF-8, counted as an editor shows them
    (and as YAML counts lines)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        start = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
        line = len(_lines(before.decode("utf-8")))
        return line, len(data[start : exc.start].decode("utf-8", errors="replace")) + 1
    return None


def check_validate(run: Run, files: dict[str, bytes]) -> None:
    """The outcome of `restagen validate` on `files` is one a user can read."""
    assert run.code in (0, 1), f"exit {run.code}\n{run.err}"
    assert "Traceback" not in run.err and "internal error" not in run.err, run.err
    for stream in (run.out, run.err):
        for line in stream.splitlines():
            assert line.isprintable(), f"unprintable character in {line!r}"
    lines = run.err.splitlines()
    if run.code == 0:
        assert run.out.startswith("ok: "), run.out
        assert not lines, run.err
        return
    assert lines and _COUNT.fullmatch(lines[-1]), f"no error count at the end:\n{run.err}"
    errors = 0
    previous = ""
    positions: list[tuple[str, int, int]] = []
    for line in lines[:-1]:
        if _HINT.fullmatch(line):
            assert previous == "diagnostic", f"a hint without its diagnostic:\n{run.err}"
            previous = "hint"
            continue
        match = _DIAGNOSTIC.fullmatch(line)
        assert match, f"not a diagnostic: {line!r}\n{run.err}"
        previous = "diagnostic"
        errors += not re.match(r"(?:[^:]*: )?warning: ", match["rest"])
        file, at_line, at_col = match["file"], int(match["line"]), int(match["col"])
        positions.append((file, at_line, at_col))
        if file in files and not match["rest"].startswith("not UTF-8"):  # that one is checked below
            text = _lines(files[file].decode("utf-8", errors="replace"))
            assert 1 <= at_line <= len(text), f"line {at_line} outside {file} ({len(text)} lines): {line}"
            assert 1 <= at_col <= len(text[at_line - 1]) + 1, f"column outside line {at_line}: {line}"
    count = int(_COUNT.fullmatch(lines[-1])["n"])  # type: ignore[index]
    assert errors >= 1 and count == errors, f"{count} counted, {errors} printed:\n{run.err}"
    for name, data in files.items():
        bad = _first_bad_byte(data)
        assert bad is None or (name, *bad) in positions, f"{name}: bad byte at {bad}:\n{run.err}"


def check_generate(folder: Path, files: dict[str, bytes]) -> None:
    """A schema that validates generates code that compiles, and sometimes imports."""
    out = folder.parent / "out"
    run = _run(["generate", ".", "-o", str(out)], folder, GENERATE_SECONDS)
    assert run.code == 0, f"exit {run.code}\n{run.err}{run.out}"
    assert "Traceback" not in run.err, run.err
    modules = []
    for path in sorted(out.rglob("*.py")):
        compile(path.read_bytes(), str(path), "exec")
        rel = path.relative_to(out).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        modules.append(".".join(parts))
    assert modules, "nothing generated"
    OUTCOMES["generated"] += 1
    digest = zlib.crc32(b"".join(files[name] for name in sorted(files)))
    if digest % IMPORT_ONE_IN == 0:
        script = (
            "import importlib, sys\n"
            f"sys.path.insert(0, {str(out)!r})\n"
            f"for name in {modules!r}:\n"
            "    importlib.import_module(name)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=IMPORT_SECONDS
        )
        assert done.returncode == 0, done.stderr
        OUTCOMES["imported"] += 1


def check(files: dict[str, bytes]) -> None:
    """Write `files` into a fresh folder, validate them, and generate them when they are valid."""
    with tempfile.TemporaryDirectory(prefix="restagen-fuzz-") as tmp:
        folder = Path(tmp) / "schemas"
        folder.mkdir()
        for name, data in files.items():
            (folder / name).write_bytes(data)
        run = _run(["validate", "."], folder, VALIDATE_SECONDS)
        check_validate(run, files)
        OUTCOMES[f"exit {run.code}"] += 1
        if FUZZ.max_examples > 1000 and (OUTCOMES["exit 0"] + OUTCOMES["exit 1"]) % 500 == 0:
            print(f"{time.monotonic() - STARTED:.0f} s: {dict(sorted(OUTCOMES.items()))}", flush=True)
        if run.code == 0:
            check_generate(folder, files)


# -- schemas built from the language --------------------------------------------------------------

PRIMITIVES = ["string", "int", "float", "bool", "bytes", "datetime", "date", "time", "duration"]
PRIMITIVES += ["uuid", "decimal", "any"]
HOSTILE = [
    "",
    " ",
    "a\nb",
    "x\x00y",
    "\x1b[31mred\x1b[0m",
    "line\u2028break",
    "nel\x85",
    "'''\"\"\"",
    "{{ x }}",
    "é" * 3,
    "😀",
    "\u202etxt",
    "a" * 120,
    "class",
    "model_dump",
    "from",
    "_private",
    "send_x",
    "Decimal",
    "BaseModel",
    "json",
    "9lives",
    "a.b",
    "a-b",
    "*a",
    "&a",
    "!!str",
    "<<",
]
DURATIONS = ["100ms", "10s", "5m", "1h", "1d", "PT5S", "PT1M30S", "P1DT2H", "0s", "5 minutes"]
DURATIONS += ["99999999999999999999d", "P99999999999Y", "PT", "-1s", "1.5s", ""]

# A built schema is "wild" one time in four: then its names and type expressions may be anything;
# otherwise they are well formed, and most such schemas validate and go on to be generated. Free
# text (descriptions) is hostile in both.
hostile = st.sampled_from(HOSTILE)
text = st.one_of(st.text(max_size=30), hostile)
_pascal = st.one_of(
    st.sampled_from(["Order", "Item", "Money", "Point", "State", "Payment", "Card", "Cash", "Ticket"]),
    st.from_regex(r"\A[A-Z][A-Za-z0-9]{0,10}\Z"),
)
_snake = st.one_of(
    st.sampled_from(["order", "create", "get", "place", "ping", "items", "cancel", "send_get", "run"]),
    st.from_regex(r"\A[a-z][a-z0-9]{0,6}(_[a-z0-9]{1,4}){0,2}\Z"),
)
_field = st.one_of(_snake, st.sampled_from(["from", "class", "type", "id", "str", "date", "kind", "x1"]))


def pascal(wild: bool) -> st.SearchStrategy[str]:
    return st.one_of(_pascal, hostile) if wild else _pascal


def snake(wild: bool) -> st.SearchStrategy[str]:
    return st.one_of(_snake, hostile) if wild else _snake


def field_name(wild: bool) -> st.SearchStrategy[str]:
    return st.one_of(_field, hostile) if wild else _field


scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    hostile,
    st.sampled_from(DURATIONS),
)
any_value = st.recursive(
    scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(_field, st.text(max_size=5)), inner, max_size=3),
    ),
    max_leaves=6,
)


@st.composite
def _expr(draw: st.DrawFn, names: list[str], depth: int = 0) -> str:
    if depth >= 3 or draw(st.integers(0, 2)):
        return draw(st.sampled_from(PRIMITIVES + names))
    form = draw(st.sampled_from(["list[{}]", "map[{}]", "{}?", "({})?", "{} | {}"]))
    return form.format(*(draw(_expr(names, depth + 1)) for _ in range(form.count("{}"))))


def type_expr(names: list[str], wild: bool) -> st.SearchStrategy[str]:
    expr = _expr(names)
    return st.one_of(expr, expr, expr, st.text(max_size=10), hostile) if wild else expr


@st.composite
def field_type(draw: st.DrawFn, names: list[str], wild: bool) -> Any:
    expr = draw(type_expr(names, wild))
    if draw(st.integers(0, 3)):
        return expr
    full: dict[str, Any] = {"type": expr}
    keys: list[tuple[str, st.SearchStrategy[Any]]] = [("description", text), ("optional", st.booleans())]
    numbers = [("min", st.integers(-5, 5)), ("max", st.integers(5, 100))]
    lengths = [("min_length", st.integers(0, 5)), ("max_length", st.integers(5, 10))]
    pattern = ("pattern", st.sampled_from(["^[A-Z]{3}$", "^x$", "(", "a" * 50, "((((((((((a))))))))))"]))
    if wild:
        keys += [*numbers, *lengths, pattern, ("default", any_value), ("min", st.floats())]
    elif expr in ("int", "float", "decimal"):
        keys += [*numbers, ("default", st.integers(5, 5))]
    elif expr == "string":
        keys += [*lengths, ("pattern", st.just("^x+$")), ("default", st.just("xxxxx"))]
    for key, value in keys:
        if draw(st.integers(0, 3)) == 0:
            full[key] = draw(value)
    return full


def properties(draw: st.DrawFn, names: list[str], wild: bool) -> dict[str, Any]:
    keys = draw(st.lists(field_name(wild), max_size=4, unique=True))
    return {key: draw(field_type(names, wild)) for key in keys}


@st.composite
def type_definition(draw: st.DrawFn, names: list[str], objects: list[str], wild: bool) -> dict[str, Any]:
    shape = draw(st.sampled_from(["object", "object", "object", "enum", "union", "union"]))
    definition: dict[str, Any] = {}
    if draw(st.booleans()):
        definition["description"] = draw(text)
    if shape == "object":
        definition["properties"] = properties(draw, names, wild)
    elif shape == "enum":
        values = st.one_of(st.from_regex(r"\A[A-Z][A-Z0-9_]{0,8}\Z"), st.sampled_from(["yes", "no", "from"]))
        if wild:
            values = st.one_of(values, hostile)
        definition["enum"] = draw(st.lists(values, min_size=0 if wild else 1, max_size=4, unique=not wild))
    else:
        tagged = bool(objects) and draw(st.booleans())
        members = st.sampled_from(objects) if tagged else type_expr(names, wild)
        definition["union"] = draw(st.lists(members, min_size=1 if wild else 2, max_size=3))
        if tagged:
            definition["discriminator"] = draw(st.sampled_from(["kind", "type", "from", "x"]))
    return definition


@st.composite
def options(draw: st.DrawFn, wild: bool) -> dict[str, Any]:
    duration = st.sampled_from(DURATIONS if wild else DURATIONS[:9])
    choices: dict[str, st.SearchStrategy[Any]] = {
        "inactivity_timeout": duration,
        "abort_timeout": duration,
        "idempotency_retention": duration,
        "journal_retention": duration,
        "workflow_retention": duration,
        "ingress_private": st.booleans(),
        "enable_lazy_state": st.booleans(),
        "serde": st.sampled_from(["json", "bson", "xml"]),
        "retry": st.fixed_dictionaries(
            {},
            optional={
                "max_attempts": st.integers(-1, 20),
                "initial_interval": duration,
                "max_interval": duration,
                "factor": st.floats(-1, 10),
                "on_max_attempts": st.sampled_from(["pause", "kill", "stop"]),
            },
        ),
    }
    if not wild:
        del choices["workflow_retention"], choices["enable_lazy_state"], choices["retry"], choices["serde"]
    keys = draw(st.lists(st.sampled_from(sorted(choices)), max_size=3, unique=True))
    return {key: draw(choices[key]) for key in keys}


@st.composite
def handler(
    draw: st.DrawFn, names: list[str], errors: list[str], events: list[str], kinds: bool, wild: bool
) -> Any:
    if draw(st.integers(0, 5)) == 0:
        return None  # `name:` alone
    value: dict[str, Any] = {}
    io_type = st.one_of(
        type_expr(names, wild),
        field_type(names, wild),
        st.builds(dict, properties=st.just(properties(draw, names, wild))),
    )
    if events and draw(st.integers(0, 3)) == 0:
        value["subscribe"] = draw(st.lists(st.sampled_from(events), min_size=1, max_size=2))
        if draw(st.integers(0, 3)) == 0:
            value["kafka"] = {
                "topic": draw(
                    st.sampled_from(["stock.changes", "a b", "x" * 300, "t"] if wild else ["stock.changes"])
                )
            }
    elif draw(st.booleans()):
        value["input"] = draw(io_type)
    if draw(st.booleans()):
        value["output"] = draw(io_type)
    if errors and draw(st.booleans()):
        value["errors"] = draw(st.lists(st.sampled_from(errors), max_size=2))
    if kinds and draw(st.integers(0, 2)) == 0:
        value["kind"] = draw(st.sampled_from(["exclusive", "shared", "workflow"] if wild else ["shared"]))
    if draw(st.integers(0, 4)) == 0:
        value["options"] = draw(options(wild))
    if draw(st.integers(0, 6)) == 0:
        value["middleware"] = draw(
            st.lists(
                st.sampled_from(["auth.require_user", "x", "1bad", ""] if wild else ["auth.require_user"]),
                max_size=2,
            )
        )
    return value


@st.composite
def schema(draw: st.DrawFn, package: str, imported: dict[str, list[str]]) -> dict[str, Any]:
    """One definition file; `imported` holds the names of an imported file, by kind."""
    wild = draw(st.integers(0, 3)) == 0
    declared = draw(st.lists(pascal(wild), max_size=9, unique=not wild))
    type_names = declared[:5]
    error_names, event_names = declared[5:7], declared[7:]
    names = type_names + imported.get("types", [])
    errors = error_names + imported.get("errors", [])
    events = event_names + imported.get("events", [])
    version = draw(st.sampled_from([1, 2, "1"])) if wild else 1
    document: dict[str, Any] = {"restagen": version, "package": package}
    if draw(st.booleans()):
        document["description"] = draw(text)
    if imported:
        document["imports"] = {"common": "./common.restagen.yaml"}
    shapes = {name: draw(type_definition(names, [], wild)) for name in type_names}
    objects = [name for name, definition in shapes.items() if "properties" in definition]
    for name in type_names:  # tagged unions need the object types, known only now
        if "union" in shapes[name] and objects and draw(st.booleans()):
            shapes[name] = {"union": draw(st.lists(st.sampled_from(objects), min_size=2, max_size=3))}
            shapes[name]["discriminator"] = "kind"
    if shapes:
        document["types"] = shapes
    if error_names:
        document["errors"] = {
            name: {
                "code": draw(
                    st.sampled_from([400, 404, 409, 500, 503, 200, 999] if wild else [400, 409, 503])
                ),
                "properties": properties(draw, names, wild),
            }
            for name in error_names
        }
    if event_names:
        document["events"] = {name: {"properties": properties(draw, names, wild)} for name in event_names}
    components = draw(st.lists(snake(wild), max_size=4, unique=True))
    invocable: list[str] = []
    for component in components:
        section = draw(st.sampled_from(["services", "objects", "workflows"]))
        body: dict[str, Any] = {}
        handler_names = draw(st.lists(snake(wild), min_size=0, max_size=3, unique=True))
        body["handlers"] = {
            name: draw(handler(names, errors, events, section != "services", wild)) for name in handler_names
        }
        if section != "workflows":
            invocable += [f"{component}.{name}" for name in handler_names]
        if section != "services" and draw(st.booleans()):
            body["state"] = {
                key: draw(field_type(names, wild))
                for key in draw(st.lists(snake(wild), max_size=2, unique=True))
            }
        if section == "workflows":
            body["run"] = draw(handler(names, errors, [], False, wild))
            if draw(st.booleans()):
                body["promises"] = {
                    key: draw(type_expr(names, wild)) for key in draw(st.lists(snake(wild), max_size=2))
                }
        if draw(st.integers(0, 3)) == 0:
            body["options"] = draw(options(wild))
        document.setdefault(section, {})[component] = body
    if objects and invocable and draw(st.integers(0, 3)) == 0:
        steps = []
        for step_name in draw(st.lists(snake(wild), min_size=1, max_size=3, unique=True)):
            step: dict[str, Any] = {"name": step_name}
            if draw(st.integers(0, 4)) == 0:
                step["local"] = True
            else:
                step["invoke"] = draw(st.sampled_from(invocable))
                if draw(st.booleans()):
                    step["compensate"] = draw(st.sampled_from(invocable))
            steps.append(step)
        document["sagas"] = {draw(snake(wild)): {"data": draw(st.sampled_from(objects)), "steps": steps}}
    return document


def _dump(document: Any, style: str) -> bytes:
    if style == "json":
        return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8", "surrogatepass")
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, default_flow_style=style == "flow")
    return text.encode("utf-8", "surrogatepass")


@st.composite
def built_files(draw: st.DrawFn) -> dict[str, bytes]:
    style = draw(st.sampled_from(["block", "block", "flow", "json"]))
    if draw(st.booleans()):
        return {"main.restagen.yaml": _dump(draw(schema("fz.main", {})), style)}
    common = draw(schema("fz.common", {}))
    exported = {kind: list(common.get(kind, {})) for kind in ("types", "errors", "events")}
    imported = {kind: [f"common.{name}" for name in names] for kind, names in exported.items()}
    main = draw(schema("fz.main", imported))
    return {"common.restagen.yaml": _dump(common, style), "main.restagen.yaml": _dump(main, style)}


# -- the project's valid schemas, mutated ---------------------------------------------------------


def _seeds() -> list[dict[str, bytes]]:
    """Each example's schemas, and each end-to-end test's, as one set of files."""
    folders = sorted(ROOT.glob("examples/*/schemas")) + sorted(
        p for p in ROOT.glob("tests/e2e/*") if p.is_dir()
    )
    seeds = []
    for folder in folders:
        files = {path.name: path.read_bytes() for path in sorted(folder.glob(f"*{SUFFIX}"))}
        if files:
            seeds.append(files)
    return seeds


SEEDS = _seeds()
SNIPPETS = [
    b"&a ",
    b"*a",
    b"*undefined",
    b"<<: *a\n",
    b"<<: [*a, *a]\n",
    b"a: &a [*a]\n",
    b"x: &x {y: *x}\n",
    b"!!python/object/apply:os.system ['true']",
    b"!!binary ",
    b"!!int ",
    b"!!float ",
    b"!!timestamp ",
    b"!!set ",
    b"!custom ",
    b"[" * 60,
    b"{" * 60,
    b"- " * 30,
    b"]",
    b"}",
    b"? ",
    b": ",
    b"- ",
    b"---\n",
    b"...\n",
    b"%YAML 1.1\n",
    b"%TAG ! tag:x,2000:\n",
    b"'",
    b'"',
    b"#",
    b"|\n",
    b">-\n",
    b"\t",
    b"\r",
    b"\r\n",
    b"\x00",
    b"\x01",
    b"\x1b[2K",
    b"\x7f",
    b"\xff",
    b"\xc3",
    b"\xe2\x80",
    b"\xed\xa0\x80",
    b"\xef\xbb\xbf",
    "\u2028".encode(),
    "\u2029".encode(),
    "\x85".encode(),
    "\u202e".encode(),
    "\ufeff".encode(),
    "😀".encode(),
    b"9" * 400,
    b"1e999",
    b"0x10",
    b"99999999999999999999d",
    b"P99999999999999DT1H",
    b"null",
    b"~",
    b"true",
    b"yes",
    b"2024-02-30",
    b"a" * 300,
]
snippet = st.one_of(
    st.sampled_from(SNIPPETS),
    st.binary(min_size=1, max_size=6),
    st.text(min_size=1, max_size=6).map(lambda text: text.encode("utf-8", "surrogatepass")),
)


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    for _ in range(draw(st.integers(1, 4))):
        operation = draw(st.sampled_from(["insert", "delete", "replace", "line", "line", "indent"]))
        at = draw(st.integers(0, len(data)))
        if operation == "insert":
            data = data[:at] + draw(snippet) + data[at:]
        elif operation == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 40)) :]
        elif operation == "replace":
            data = data[:at] + draw(snippet) + data[at + draw(st.integers(1, 8)) :]
        else:
            lines = data.splitlines(keepends=True) or [b""]
            index = draw(st.integers(0, len(lines) - 1))
            line = lines[index]
            if operation == "indent":
                stripped = line.lstrip(b" ")
                lines[index] = b" " * draw(st.integers(0, 12)) + stripped
            else:
                how = draw(st.sampled_from(["drop", "copy", "swap", "new"]))
                if how == "drop":
                    del lines[index]
                elif how == "copy":
                    lines.insert(draw(st.integers(0, len(lines))), line)
                elif how == "swap":
                    other = draw(st.integers(0, len(lines) - 1))
                    lines[index], lines[other] = lines[other], lines[index]
                else:
                    indent = line[: len(line) - len(line.lstrip(b" "))]
                    lines.insert(index, indent + draw(snippet) + b"\n")
            data = b"".join(lines)
    return data


@st.composite
def text_mutants(draw: st.DrawFn) -> dict[str, bytes]:
    files = dict(draw(st.sampled_from(SEEDS)))
    name = draw(st.sampled_from(sorted(files)))
    files[name] = draw(mutated_bytes(files[name]))
    return files


def _places(
    value: Any, path: tuple[Any, ...] = (), seen: frozenset[int] = frozenset()
) -> Iterator[tuple[Any, ...]]:
    """The path of every value below `value` (its own included), once around a loop."""
    yield path
    if id(value) in seen:
        return
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield from _places(child, (*path, key), seen | {id(value)})


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        document = document[key]
    return document


KEYS = ["properties", "handlers", "input", "output", "type", "enum", "union", "errors", "events", "types"]
KEYS += ["services", "objects", "workflows", "sagas", "imports", "state", "run", "promises", "steps", "kind"]
KEYS += ["options", "default", "optional", "subscribe", "kafka", "invoke", "compensate", "data", "<<", "~x"]


@st.composite
def mutated_data(draw: st.DrawFn, document: Any) -> Any:
    for _ in range(draw(st.integers(1, 3))):
        places = [path for path in _places(document) if path]
        if not places:
            return document
        path = draw(st.sampled_from(places))
        parent, key = _parent(document, path), path[-1]
        operation = draw(st.sampled_from(["replace", "replace", "rename", "drop", "add", "share"]))
        if operation == "replace":
            parent[key] = draw(any_value)
        elif operation == "drop":
            del parent[key]
        elif operation == "share":  # the same value in two places: an anchor and an alias, or a loop
            parent[key] = _parent(document, (*draw(st.sampled_from(places)), None))
        elif isinstance(parent, dict) and operation == "rename":
            new = draw(st.one_of(st.sampled_from(KEYS), field_name(True), st.text(max_size=8), st.integers()))
            parent[new] = parent.pop(key)
        elif isinstance(parent, dict):
            parent[draw(st.one_of(st.sampled_from(KEYS), field_name(True)))] = draw(any_value)
        else:
            parent.insert(key, draw(any_value))
    return document


@functools.cache
def _parsed(data: bytes) -> Any:
    # As restagen reads it: PyYAML's own 1.1 rules refuse `{note: string?}`.
    document = load_text(data.decode("utf-8"), "seed", Diagnostics())
    assert document is not None
    return document.data


@st.composite
def data_mutants(draw: st.DrawFn) -> dict[str, bytes]:
    files = dict(draw(st.sampled_from(SEEDS)))
    name = draw(st.sampled_from(sorted(files)))
    document = draw(mutated_data(copy.deepcopy(_parsed(files[name]))))
    style = draw(st.sampled_from(["block", "flow", "json"]))
    try:
        files[name] = _dump(document, "block" if style == "json" else style)
        if style == "json":
            files[name] = _dump(document, style)
    except (ValueError, yaml.YAMLError):  # a loop JSON cannot write, or a key YAML cannot: YAML it is
        files[name] = _dump(document, "block")
    return files


# -- the tests ------------------------------------------------------------------------------------


def test_there_are_seeds() -> None:
    assert len(SEEDS) >= 4 and all(SEEDS)


@FUZZ
@given(built_files())
def test_built_schemas(files: dict[str, bytes]) -> None:
    check(files)


@FUZZ
@given(text_mutants())
def test_text_mutations(files: dict[str, bytes]) -> None:
    check(files)


@FUZZ
@given(data_mutants())
def test_data_mutations(files: dict[str, bytes]) -> None:
    check(files)


def _strictly(files: dict[str, bytes]) -> None:
    """Validate `files` with the oracle; it counts nothing it does not also pass."""
    with tempfile.TemporaryDirectory(prefix="restagen-fuzz-") as tmp:
        for name, data in files.items():
            (Path(tmp) / name).write_bytes(data)
        run = _run(["validate", "."], Path(tmp), VALIDATE_SECONDS)
    before = +OUTCOMES
    check_validate(run, files)
    assert before == +OUTCOMES, run.err


def test_type_error_in_a_multiline_value() -> None:
    _strictly(
        {
            "main.restagen.yaml": b"restagen: 1\npackage: fz.main\ntypes:\n  A:\n    properties:\n      b: '\n\n        0'\n"
        }
    )


def test_bad_byte_after_a_lone_cr() -> None:
    _strictly({"main.restagen.yaml": b"restagen: 1\rpackage: fz.main\rdescription: caf\xe9\n"})


def test_codec_constant_named_like_a_class() -> None:
    text = b"restagen: 1\npackage: fz.main\nservices:\n  s:\n    handlers:\n      a: {input: uuid}\n      b: {input: uuid | bool}\n"
    files = {"main.restagen.yaml": text}
    with tempfile.TemporaryDirectory(prefix="restagen-fuzz-") as tmp:
        folder = Path(tmp) / "schemas"
        folder.mkdir()
        (folder / "main.restagen.yaml").write_bytes(text)
        with mock.patch(f"{__name__}.IMPORT_ONE_IN", 1):
            check_generate(folder, files)


FUZZ_TESTS: list[Callable[[], None]] = [test_built_schemas, test_text_mutations, test_data_mutations]


def _long_run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fuzz restagen validate and generate.")
    parser.add_argument("--examples", type=int, default=10_000, help="cases in all (default 10000)")
    parser.add_argument("--only", metavar="TEST", help="run one strategy's test, such as test_built_schemas")
    args = parser.parse_args(argv)
    os.environ["RESTAGEN_FUZZ"] = "long"
    # The long profile shares its examples among the strategies; one strategy alone takes them all.
    os.environ["RESTAGEN_FUZZ_EXAMPLES"] = str(args.examples * (STRATEGIES if args.only else 1))
    # Imported by its own name, after the environment is set: its tests take the long profile.
    module = importlib.import_module("tests.compiler.test_fuzz")
    started = time.monotonic()
    failed = 0
    for test in [t for t in module.FUZZ_TESTS if args.only in (None, t.__name__)]:
        began = time.monotonic()
        try:
            test()
        except Exception as exc:  # report every strategy's failure, then the counts
            failed += 1
            print(f"{test.__name__}: FAILED: {exc}", flush=True)
        print(
            f"{test.__name__}: {time.monotonic() - began:.0f} s, {dict(sorted(module.OUTCOMES.items()))}",
            flush=True,
        )
    total = module.OUTCOMES["exit 0"] + module.OUTCOMES["exit 1"]
    print(f"{total} cases in {time.monotonic() - started:.0f} s: {dict(sorted(module.OUTCOMES.items()))}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(_long_run())
