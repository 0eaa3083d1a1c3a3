"""Protocol front end: a Python module of decorated `typing.Protocol` classes -> the same plain data a YAML file gives.

The module is imported by file path (an import failure becomes a diagnostic naming the file and line), its
decorated classes, models, dataclasses, enums, errors and union aliases are walked in definition order, and
Python types are translated into the language's type expressions. The result is a `SourceDocument` whose
source map points at the Python lines, so `check_structure` and `resolve` report problems in the module itself.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import importlib.util
import inspect
import os
import re
import sys
import traceback
import types
import typing
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import AwareDatetime, BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from restagen.compiler.frontends.load import DocPath, SourceDocument, SourceMap
from restagen.compiler.frontends.protocol_sagas import saga_decl
from restagen.compiler.structure.check import check_structure, dotted
from restagen.compiler.structure.language import Document
from restagen.decorators import (
    COMPONENT_ATTR,
    EVENT_ATTR,
    HANDLER_ATTR,
    SAGA_ATTR,
    Error,
    ProtocolComponent,
    ProtocolHandler,
    ProtocolSaga,
    duration_text,
)
from restagen.diagnostics import Diagnostics, Position, Severity

__all__ = ["PACKAGE_ATTR", "read_protocol_module", "translate_module"]

PACKAGE_ATTR = "__restagen_package__"

_PRIMITIVES: dict[Any, str] = {
    str: "string",
    int: "int",
    float: "float",
    bool: "bool",
    bytes: "bytes",
    datetime: "datetime",
    AwareDatetime: "datetime",  # and the runtime's UtcDatetime, an annotated AwareDatetime
    date: "date",
    time: "time",
    timedelta: "duration",
    uuid.UUID: "uuid",
    Decimal: "decimal",
    Any: "any",
    object: "any",
}
_LISTS = (list, Sequence, tuple, typing.Sequence)
_MAPS = (dict, Mapping, typing.Mapping)
_SECTIONS = {"service": "services", "object": "objects", "workflow": "workflows"}


class _Unsupported(Exception):
    """A Python type the language cannot express; reported once, at the use that needs it."""


def read_protocol_module(
    path: Path, display: str, diagnostics: Diagnostics
) -> tuple[Document, SourceMap] | None:
    """Import a Protocol-style module and check it as a definition file; None on any error."""
    before = _error_count(diagnostics)
    source = translate_module(path, display, diagnostics)
    if source is None:
        return None
    document = check_structure(source, diagnostics)
    return (document, source.source_map) if document and _error_count(diagnostics) == before else None


def translate_module(path: Path, display: str, diagnostics: Diagnostics) -> SourceDocument | None:
    """The plain data (as a YAML file would give it) and positions of a Protocol-style module.

    None when the module cannot be imported. Problems found while translating are added to `diagnostics`
    and the (partial) document is still returned, so that its structural problems show in the same run.
    """
    with _imported(path, display, diagnostics) as module:
        if module is None:
            return None
        return _Translator(module, path, display, diagnostics).document()


def _error_count(diagnostics: Diagnostics) -> int:
    return sum(1 for d in diagnostics.items if d.severity is Severity.ERROR)


@contextmanager
def _imported(path: Path, display: str, diagnostics: Diagnostics) -> Iterator[types.ModuleType | None]:
    """Import the file under a private name; keep it in `sys.modules` while it is read, then drop it."""
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    name = f"_restagen_protocol_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        diagnostics.error("import", "cannot import this file as a Python module", Position(display))
        yield None
        return
    module = importlib.util.module_from_spec(spec)
    saved_path, saved_modules = list(sys.path), set(sys.modules)
    # Like running a script: sibling modules (shared models, other Protocol modules) are importable.
    sys.path.insert(0, str(path.parent))
    sys.modules[name] = module
    try:
        try:
            spec.loader.exec_module(module)
        except (Exception, SystemExit) as exc:
            _report_import_error(exc, path, display, diagnostics)
            yield None
            return
        yield module
    finally:
        sys.path[:] = saved_path
        # Forget the user's own modules so that the next run (e.g. `restagen dev`) sees their edits.
        for added in set(sys.modules) - saved_modules:
            file = getattr(sys.modules[added], "__file__", None)
            if added == name or (file and Path(file).resolve().is_relative_to(path.parent.resolve())):
                del sys.modules[added]


def _report_import_error(exc: BaseException, path: Path, display: str, diagnostics: Diagnostics) -> None:
    line, col = 1, 1
    if isinstance(exc, SyntaxError) and exc.filename and Path(exc.filename).resolve() == path.resolve():
        line, col = exc.lineno or 1, exc.offset or 1
    else:
        here = path.resolve()
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == here]
        if frames:
            line, col = frames[-1].lineno or 1, (frames[-1].colno or 0) + 1
    message = f"cannot import the module: {type(exc).__name__}: {exc}"
    if isinstance(exc, SyntaxError):
        message = f"cannot import the module: SyntaxError: {exc.msg}"
    diagnostics.error(
        "import",
        message,
        Position(display, line, col),
        hint="the module is imported to read its definitions, so it must import without errors",
    )


def _description(obj: Any) -> str | None:
    doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
    if not isinstance(doc, str) or not doc.strip():
        return None
    if dataclasses.is_dataclass(obj) and isinstance(obj, type):
        # A dataclass without a docstring gets its signature as one; that is no description.
        auto = obj.__name__ + str(inspect.signature(obj)).replace(" -> None", "")
        if doc == auto:
            return None
    return inspect.cleandoc(doc)


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and (issubclass(value, BaseModel) or dataclasses.is_dataclass(value))


def _is_named(value: Any) -> bool:
    return _is_model(value) or (isinstance(value, type) and issubclass(value, enum.Enum))


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """`Annotated[T, m1, m2]` -> (T, [m1, m2]); nested `Annotated` are flattened."""
    metadata: list[Any] = []
    while typing.get_origin(annotation) is typing.Annotated:
        args = typing.get_args(annotation)
        annotation, metadata = args[0], [*args[1:], *metadata]
    return annotation, metadata


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _discriminator(metadata: list[Any]) -> Any:
    for meta in metadata:
        found = getattr(meta, "discriminator", None)
        if found is not None:
            return found
    return None


class _Translator:
    def __init__(self, module: types.ModuleType, path: Path, display: str, diagnostics: Diagnostics) -> None:
        self.module = module
        self.path = path.resolve()
        self.display = display
        self.diagnostics = diagnostics
        self.smap = SourceMap(display)
        self.lines = path.read_text(encoding="utf-8").splitlines()
        self.names: dict[str, Any] = {}  # declared name -> the Python object that declares it
        self.queue: list[tuple[str, Any]] = []  # (name, class or union alias), in declaration order
        self.aliases: list[tuple[Any, str]] = []  # module-level union aliases -> their names
        self.tags: dict[type, set[str]] = {}  # tagged union members -> their discriminator fields
        self.imports: dict[str, str] = {}
        self.types: dict[str, Any] = {}
        self.events: dict[str, Any] = {}
        self.errors: dict[str, Any] = {}
        self.components: dict[str, dict[str, Any]] = {s: {} for s in _SECTIONS.values()}

    # -- reporting and positions ------------------------------------------------------------------

    def error(self, path: DocPath, message: str, hint: str | None = None) -> None:
        self.diagnostics.error("protocol", message, self.smap.position(path), dotted(path), hint)

    def mark(self, path: DocPath, line: int | None, name: str | None = None) -> None:
        if not line:
            return
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        col = text.find(name) + 1 if name and name in text else len(text) - len(text.lstrip()) + 1
        self.smap.values[path] = self.smap.keys[path] = (line, col)

    def source_span(self, obj: Any) -> tuple[int, int] | None:
        """First and last line of a class or function defined in this module."""
        try:
            if Path(inspect.getsourcefile(obj) or "").resolve() != self.path:
                return None
            lines, start = inspect.getsourcelines(obj)
        except (OSError, TypeError):
            return None
        return start, start + len(lines) - 1

    def find_line(self, span: tuple[int, int] | None, pattern: str) -> int | None:
        if span is None:
            return None
        regex = re.compile(pattern)
        for number in range(span[0], span[1] + 1):
            if regex.search(self.lines[number - 1]):
                return number
        return span[0]

    def mark_definition(self, path: DocPath, obj: Any, keyword: str, name: str) -> tuple[int, int] | None:
        span = self.source_span(obj)
        self.mark(path, self.find_line(span, rf"^\s*(async\s+)?{keyword}\s+{re.escape(name)}\b"), name)
        return span

    def module_line(self, name: str) -> int | None:
        regex = re.compile(rf"^{re.escape(name)}\s*(:[^=]*)?=")
        return next((i + 1 for i, text in enumerate(self.lines) if regex.match(text)), None)

    # -- the document -----------------------------------------------------------------------------

    def document(self) -> SourceDocument:
        self.smap.values[()] = (1, 1)
        namespace = vars(self.module)
        data: dict[str, Any] = {"restagen": 1}
        package = namespace.get(PACKAGE_ATTR)
        self.mark(("package",), self.module_line(PACKAGE_ATTR), PACKAGE_ATTR)
        if package is None:
            self.error(
                (),
                f"missing {PACKAGE_ATTR}: a Protocol module names the package it generates",
                f'add {PACKAGE_ATTR} = "your.package" at module level',
            )
            data["package"] = ""  # reported above; keeps `check_structure` from reporting it again
        else:
            data["package"] = package
        if description := _description(self.module):
            data["description"] = description
        components = self.collect(namespace)
        declared = self.declare_queued(0)
        for cls in components:
            self.component(cls, getattr(cls, COMPONENT_ATTR))
        sagas = {
            info.name: saga_decl(self, value, info)
            for value in namespace.values()
            if isinstance(value, type) and isinstance(info := value.__dict__.get(SAGA_ATTR), ProtocolSaga)
        }
        self.declare_queued(declared)
        if self.imports:
            data["imports"] = dict(sorted(self.imports.items()))
        for key, section in (("types", self.types), ("errors", self.errors), ("events", self.events)):
            if section:
                data[key] = section
        data.update({key: value for key, value in self.components.items() if value})
        if sagas:
            data["sagas"] = sagas
        return SourceDocument(self.display, data, self.smap)

    def collect(self, namespace: Mapping[str, Any]) -> list[type]:
        """Queue this module's declarations in definition order; return its component classes."""
        components: list[type] = []
        for name, value in namespace.items():
            if name.startswith("_"):
                continue
            if isinstance(value, type) and value.__module__ == self.module.__name__:
                if COMPONENT_ATTR in value.__dict__:
                    components.append(value)
                elif (issubclass(value, Error) and value is not Error) or _is_named(value):
                    self.enqueue(value.__name__, value)
            elif self.union_members(value) is not None:
                self.aliases.append((value, name))
                self.enqueue(name, value)
                discriminator = _discriminator(_unwrap(value)[1])
                for member in self.union_members(value) or ():
                    if isinstance(discriminator, str):
                        self.tags.setdefault(member, set()).add(discriminator)
        return components

    def union_members(self, value: Any) -> list[type] | None:
        """The member classes of a module-level union alias, or None when `value` is not one."""
        inner, _ = _unwrap(value)
        if not _is_union(inner):
            return None
        members = list(typing.get_args(inner))
        return members if len(members) > 1 and all(_is_model(m) for m in members) else None

    def enqueue(self, name: str, value: Any) -> bool:
        """Queue a declaration once; False (with a diagnostic) when another object has the name."""
        known = self.names.get(name)
        if known is None:
            self.names[name] = value
            self.queue.append((name, value))
            return True
        return known is value

    def declare_queued(self, start: int) -> int:
        """Declare what is queued from `start` on, including what joins the queue meanwhile."""
        index = start
        while index < len(self.queue):  # classes from other modules join the queue when first used
            name, value = self.queue[index]
            self.declare(name, value)
            index += 1
        return index

    def declare(self, name: str, value: Any) -> None:
        if isinstance(value, type) and issubclass(value, Error):
            self.error_decl(value)
        elif isinstance(value, type) and EVENT_ATTR in value.__dict__:
            path: DocPath = ("events", name)
            self.mark_definition(path, value, "class", name)
            self.events[name] = self.object_type(value, path)
        elif isinstance(value, type) and issubclass(value, enum.Enum):
            self.enum_type(value)
        elif isinstance(value, type):
            path = ("types", name)
            self.mark_definition(path, value, "class", name)
            self.types[name] = self.object_type(value, path)
        else:
            self.union_type(name, value)

    # -- types ------------------------------------------------------------------------------------

    def enum_type(self, cls: type[enum.Enum]) -> None:
        path: DocPath = ("types", cls.__name__)
        self.mark_definition(path, cls, "class", cls.__name__)
        members = list(cls)
        # String values are the wire values; other values (ints, auto()) have only their names to offer.
        values = [m.value if all(isinstance(x.value, str) for x in members) else m.name for m in members]
        decl: dict[str, Any] = {}
        if description := _description(cls):
            decl["description"] = description
        decl["enum"] = values
        self.types[cls.__name__] = decl

    def union_type(self, name: str, alias: Any) -> None:
        path: DocPath = ("types", name)
        self.mark(path, self.module_line(name), name)
        inner, metadata = _unwrap(alias)
        decl: dict[str, Any] = {"union": [self.named(m, path) for m in typing.get_args(inner)]}
        discriminator = _discriminator(metadata)
        if discriminator is not None:
            if not isinstance(discriminator, str):
                self.error(
                    path, "only a field name can be a union's discriminator", 'Field(discriminator="kind")'
                )
            else:
                decl["discriminator"] = discriminator
        self.types[name] = decl

    def object_type(self, cls: type, path: DocPath) -> dict[str, Any]:
        decl: dict[str, Any] = {}
        if description := _description(cls):
            decl["description"] = description
        decl["properties"] = self.properties(cls, path)
        return decl

    def properties(self, cls: type, path: DocPath) -> dict[str, Any]:
        span = self.source_span(cls)
        hints = self.hints(cls, path)
        props: dict[str, Any] = {}
        for name, annotation, wire, info in self.fields_of(cls, hints):
            ppath = (*path, "properties", wire)
            self.mark(ppath, self.find_line(span, rf"^\s+{re.escape(name)}\s*[:=]"), name)
            if wire in self.tags.get(cls, ()):
                self.check_tag(cls, wire, annotation, ppath)
                continue
            prop = self.property(annotation, ppath, info)
            if prop is not None:
                props[wire] = prop
        return props

    def hints(self, obj: Any, path: DocPath) -> dict[str, Any]:
        try:
            return typing.get_type_hints(obj, include_extras=True)
        except Exception as exc:  # unresolvable forward references and the like, in user code
            self.error(path, f"cannot read the type annotations: {type(exc).__name__}: {exc}")
            return {}

    def fields_of(self, cls: type, hints: dict[str, Any]) -> Iterator[tuple[str, Any, str, dict[str, Any]]]:
        """(attribute, annotation, wire name, {description, default, metadata}) of each field."""
        if isinstance(cls, type) and issubclass(cls, BaseModel):
            for name, field in cls.model_fields.items():
                yield name, hints.get(name, field.annotation), field.alias or name, self.pydantic_info(field)
        elif dataclasses.is_dataclass(cls):
            for dfield in dataclasses.fields(cls):
                yield dfield.name, hints.get(dfield.name, Any), dfield.name, _dataclass_info(dfield)
        else:
            yield from _error_fields(cls, hints)

    @staticmethod
    def pydantic_info(field: FieldInfo) -> dict[str, Any]:
        info: dict[str, Any] = {"metadata": list(field.metadata)}
        if field.description:
            info["description"] = field.description
        if field.default is not PydanticUndefined:
            info["default"] = field.default
        elif field.default_factory in (list, dict):
            info["default"] = field.default_factory()
        return info

    def check_tag(self, cls: type, field: str, annotation: Any, path: DocPath) -> None:
        inner, _ = _unwrap(annotation)
        if typing.get_origin(inner) is not typing.Literal or typing.get_args(inner) != (cls.__name__,):
            self.error(
                path,
                f"the tag '{field}' of a tagged union member must be Literal[{cls.__name__!r}]",
                "the generated code sets the tag to the member's type name",
            )

    def property(self, annotation: Any, path: DocPath, info: dict[str, Any]) -> str | dict[str, Any] | None:
        try:
            # A field without a default that may be None must be sent: `T | null`, not `T?`.
            expr = self.expr(annotation, path, required_field="default" not in info)
        except _Unsupported as exc:
            self.error(path, str(exc))
            return None
        _, extra = _unwrap(annotation)
        metadata = [*info.get("metadata", []), *extra]
        spec: dict[str, Any] = {}
        description = info.get("description") or next(
            (m.description for m in extra if isinstance(m, FieldInfo) and m.description), None
        )
        if description:
            spec["description"] = description
        default = info.get("default")
        if isinstance(default, enum.Enum):
            default = default.value
        elif isinstance(default, Decimal | tuple):  # as YAML writes them: decimals as text, lists as lists
            default = str(default) if isinstance(default, Decimal) else list(default)
        if default is not None:
            spec["default"] = default
        spec.update(self.constraints(metadata, path))
        return {"type": expr, **spec} if spec else expr

    def constraints(self, metadata: list[Any], path: DocPath) -> dict[str, Any]:
        flat: list[Any] = []
        for meta in metadata:
            flat.extend(meta.metadata if isinstance(meta, FieldInfo) else [meta])
        found: dict[str, Any] = {}
        for meta in flat:
            for attr, key in (
                ("ge", "min"),
                ("le", "max"),
                ("min_length", "min_length"),
                ("max_length", "max_length"),
                ("pattern", "pattern"),
            ):
                value = getattr(meta, attr, None)
                if value is not None:
                    found[key] = value
            for attr in ("gt", "lt", "multiple_of"):
                if getattr(meta, attr, None) is not None:
                    self.error(
                        path, f"the constraint '{attr}' has no equivalent", "use ge/le (inclusive bounds)"
                    )
        return found

    # -- type expressions ---------------------------------------------------------------------------

    def expr(self, annotation: Any, path: DocPath, *, required_field: bool = False) -> str:
        for alias, name in self.aliases:
            if alias is annotation or alias == annotation:
                return name
        inner, metadata = _unwrap(annotation)
        if inner is not annotation:
            if _is_union(inner) and _discriminator(metadata) is not None:
                raise _Unsupported(
                    "a tagged union needs a name: declare it at module level, "
                    'e.g. Payment = Annotated[Card | Cash, Field(discriminator="kind")]'
                )
            return self.expr(inner, path, required_field=required_field)
        if _is_union(inner):
            return self.union_expr(inner, path, required_field=required_field)
        generic = self.generic_expr(inner, path)
        if generic is not None:
            return generic
        if inner in (list, dict):
            return "list[any]" if inner is list else "map[any]"
        if isinstance(inner, typing.Hashable) and inner in _PRIMITIVES:
            return str(_PRIMITIVES[inner])
        if isinstance(inner, type) and (_is_named(inner) or issubclass(inner, Error)):
            return self.named(inner, path)
        raise _Unsupported(f"the type {_show(inner)} has no equivalent in the definition language")

    def union_expr(self, union: Any, path: DocPath, *, required_field: bool = False) -> str:
        """`A | B`, with a trailing `?` when one member is None (`| null` for a required field)."""
        args = typing.get_args(union)
        members = [self.expr(a, path) for a in args if a is not type(None)]
        text = " | ".join(members)
        if len(members) < len(args):
            if required_field:
                return f"{text} | null"
            return f"({text})?" if len(members) > 1 else f"{text}?"
        return text

    def generic_expr(self, inner: Any, path: DocPath) -> str | None:
        """A subscripted list, tuple or mapping; None when `inner` is none of them."""
        origin, args = typing.get_origin(inner), typing.get_args(inner)
        if origin in _LISTS:
            if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
                raise _Unsupported(f"fixed-length tuples have no equivalent: {_show(inner)}; use list[T]")
            return f"list[{self.expr(args[0], path) if args else 'any'}]"
        if origin in _MAPS:
            if args and args[0] is not str:
                raise _Unsupported(f"map keys are always strings, not {_show(args[0])}")
            return f"map[{self.expr(args[1], path) if args else 'any'}]"
        if origin is typing.Literal:
            raise _Unsupported(f"{_show(inner)} has no equivalent; declare an enum")
        return None

    def named(self, cls: Any, path: DocPath) -> str:
        """The name of a declared class, declaring it (or importing its package) on first use."""
        if not isinstance(cls, type):
            raise _Unsupported(f"{_show(cls)} is not a class")
        name: str = cls.__name__
        alias = self.import_alias(cls)
        if alias is not None:
            return f"{alias}.{name}"
        if self.names.get(name, cls) is not cls:
            raise _Unsupported(f"two different classes are named '{name}'")
        if not (_is_named(cls) or issubclass(cls, Error)):
            raise _Unsupported(f"the type {_show(cls)} has no equivalent in the definition language")
        self.enqueue(name, cls)
        return name

    def import_alias(self, cls: type) -> str | None:
        """For a class of another Protocol module: its import alias (the module's last name)."""
        module = sys.modules.get(cls.__module__)
        if module is None or module is self.module or not hasattr(module, PACKAGE_ATTR):
            return None
        file = getattr(module, "__file__", None)
        if file is None or Path(file).resolve() == self.path:
            return None
        alias = cls.__module__.rpartition(".")[2]
        relative = os.path.relpath(Path(file).resolve(), self.path.parent).replace(os.sep, "/")
        self.imports[alias] = relative if relative.startswith("../") else f"./{relative}"
        return alias

    # -- errors -----------------------------------------------------------------------------------

    def error_decl(self, cls: type[Error]) -> None:
        path: DocPath = ("errors", cls.__name__)
        self.mark_definition(path, cls, "class", cls.__name__)
        decl: dict[str, Any] = {}
        if description := _description(cls):
            decl["description"] = description
        decl["code"] = cls.code
        decl["properties"] = self.properties(cls, path)
        self.errors[cls.__name__] = decl

    # -- components -------------------------------------------------------------------------------

    def component(self, cls: type, info: ProtocolComponent) -> None:
        section = _SECTIONS[info.kind]
        path: DocPath = (section, info.name)
        span = self.mark_definition(path, cls, "class", cls.__name__)
        decl: dict[str, Any] = {}
        if description := info.description or _description(cls):
            decl["description"] = description
        # State keys, promises and options are written in the decorator, above the class line.
        decorator = (
            (span[0], self.find_line(span, rf"^\s*class\s+{cls.__name__}\b") or span[0]) if span else None
        )
        for key, entries in (("state", info.state), ("promises", info.promises)):
            if entries:
                decl[key] = self.decorator_entries(entries, decorator, (*path, key))
        self.component_handlers(cls, info, decl, path)
        if info.options is not None:
            self.mark((*path, "options"), self.find_line(decorator, r"\boptions\s*="), "options")
            decl["options"] = _plain_options(info.options)
        if info.middleware:
            decl["middleware"] = list(info.middleware)
        self.components[section][info.name] = decl

    def decorator_entries(
        self, entries: Mapping[str, Any], decorator: tuple[int, int] | None, path: DocPath
    ) -> dict[str, Any]:
        """The state keys or promises named in a component's decorator, each marked at its line there."""
        found: dict[str, Any] = {}
        for name, annotation in entries.items():
            line = self.find_line(decorator, rf"[\"']{re.escape(name)}[\"']")
            self.mark((*path, name), line, name)
            prop = self.property(annotation, (*path, name), {})
            if prop is not None:
                found[name] = prop
        return found

    def component_handlers(
        self, cls: type, info: ProtocolComponent, decl: dict[str, Any], path: DocPath
    ) -> None:
        """The public methods of a component: its handlers, and a workflow's run."""
        handlers: dict[str, Any] = {}
        for name, func in cls.__dict__.items():
            if name.startswith("_") or not inspect.isfunction(func):
                continue
            if info.kind == "workflow" and name == "run":
                decl["run"] = self.handler(func, (*path, "run"))
            else:
                handlers[name] = self.handler(func, (*path, "handlers", name))
        if handlers:
            decl["handlers"] = handlers

    def handler(self, func: Any, path: DocPath) -> dict[str, Any]:
        span = self.mark_definition(path, func, "def", func.__name__)
        for key in ("input", "output", "errors", "subscribe", "kind", "options", "kafka"):
            self.mark((*path, key), span[0] if span else None, func.__name__)
        info: ProtocolHandler = getattr(func, HANDLER_ATTR, None) or ProtocolHandler()
        decl: dict[str, Any] = {}
        if description := info.description or _description(func):
            decl["description"] = description
        if info.kind is not None:
            decl["kind"] = info.kind
        self.handler_types(func, info, decl, path)
        self.handler_settings(info, decl, path)
        return decl

    def handler_types(self, func: Any, info: ProtocolHandler, decl: dict[str, Any], path: DocPath) -> None:
        """A handler's input and output, from its signature."""
        hints = self.hints(func, path)
        params = list(inspect.signature(func).parameters.values())[1:]  # after `self`
        if len(params) > 1:
            self.error(path, "a handler takes at most one input", "bundle the parameters into one model")
        elif params and not info.subscribe:  # an event handler's parameter is the event itself
            self.type_use(decl, "input", hints.get(params[0].name), path)
        if "return" not in hints:
            self.error(path, "a handler needs a return annotation", "write -> None when it returns nothing")
        elif hints["return"] is not type(None) and hints["return"] is not None:
            self.type_use(decl, "output", hints["return"], path)

    def handler_settings(self, info: ProtocolHandler, decl: dict[str, Any], path: DocPath) -> None:
        """What a handler's decorator says: errors, subscriptions, Kafka, options and middleware."""
        if info.errors:
            decl["errors"] = [e if isinstance(e, str) else self.reference(e, path) for e in info.errors]
        if info.subscribe:
            decl["subscribe"] = [e if isinstance(e, str) else self.reference(e, path) for e in info.subscribe]
        if info.kafka is not None:
            decl["kafka"] = _plain_options(info.kafka)
        if info.options is not None:
            decl["options"] = _plain_options(info.options)
        if info.middleware:
            decl["middleware"] = list(info.middleware)

    def type_use(self, decl: dict[str, Any], key: str, annotation: Any, path: DocPath) -> None:
        if annotation is None:
            self.error((*path, key), f"the {key} of a handler needs a type annotation")
            return
        prop = self.property(annotation, (*path, key), {})
        if prop is not None:
            decl[key] = prop

    def reference(self, cls: Any, path: DocPath) -> str:
        try:
            return self.named(cls, path)
        except _Unsupported as exc:
            self.error(path, str(exc))
            return _show(cls)


def _dataclass_info(dfield: dataclasses.Field[Any]) -> dict[str, Any]:
    info: dict[str, Any] = {"metadata": []}
    if "description" in dfield.metadata:
        info["description"] = dfield.metadata["description"]
    if dfield.default is not dataclasses.MISSING:
        info["default"] = dfield.default
    elif dfield.default_factory in (list, dict):
        info["default"] = dfield.default_factory()
    return info


def _error_fields(cls: type, hints: dict[str, Any]) -> Iterator[tuple[str, Any, str, dict[str, Any]]]:
    """The fields of an error class: the annotations it declares itself, less its code."""
    for name in inspect.get_annotations(cls):
        annotation = hints.get(name, Any)
        if typing.get_origin(annotation) is typing.ClassVar or name == "code":
            continue
        info: dict[str, Any] = {"metadata": []}
        if name in cls.__dict__:
            info["default"] = cls.__dict__[name]
        yield name, annotation, name, info


def _plain_options(options: Mapping[str, Any]) -> dict[str, Any]:
    plain: dict[str, Any] = {}
    for key, value in options.items():
        if isinstance(value, timedelta):
            value = duration_text(value)
        elif isinstance(value, Mapping):
            value = _plain_options(value)
        plain[key] = value
    return plain


def _show(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__qualname__
    return repr(annotation).replace("typing.", "")
