"""Binding, shared by the resolve stage's parts: type expressions, fields, references, options.

The `Binder` reports problems as positioned diagnostics and turns what the user wrote into IR
values; the resolver and its parts for components and sagas share one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from restagen.compiler import ir
from restagen.compiler.frontends.load import DocPath
from restagen.compiler.frontends.sources import Unit
from restagen.compiler.resolve.durations import parse_duration
from restagen.compiler.resolve.names import (
    check_field_name,
    py_field_name,
)
from restagen.compiler.resolve.typeexpr import Generic, Name, Opt, Syntax, TypeSyntaxError, Union, parse
from restagen.compiler.structure import language
from restagen.compiler.structure.check import dotted
from restagen.diagnostics import Diagnostics, did_you_mean

__all__ = ["BROKEN", "NULL", "Binder", "Scope"]

PACKAGE = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*\Z")
_MIDDLEWARE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
ENUM_VALUE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")
_NUMERIC = ("int", "float", "decimal")
_SIZED = ("string", "bytes")
WORKFLOW_CLIENT_METHODS = ("submit", "attach", "output")
BROKEN = "broken"
NULL = "null"
"""The member of a union that lets a value be null: `T | null`."""
"""The kind of a type left out for structural errors (see `structure.check.check_structure_partial`)."""
SAGA_ERROR_ACTIONS = ("compensate", "fail")
_KIND_NAMES = {
    "string": "a string",
    "int": "an integer",
    "float": "a number",
    "decimal": "a decimal number",
    "bool": "true or false",
}


def _nullable(ref: ir.TypeRef) -> ir.Nullable:
    return ref if isinstance(ref, ir.Nullable) else ir.Nullable(ref)


def _show(value: Any) -> str:
    """A default value as the user wrote it in YAML."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    return repr(value)


@dataclass
class Scope:
    """What one package declares, by kind, for binding references."""

    unit: Unit
    package: str
    types: dict[str, str] = field(default_factory=dict)  # name -> "object" | "enum" | "union" | "event"
    errors: set[str] = field(default_factory=set)
    components: dict[str, language.ServiceDef] = field(default_factory=dict)
    kinds: dict[str, ir.ComponentKind] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # import alias -> package
    broken: set[str] = field(default_factory=set)  # aliases of imports that failed to load
    broken_components: set[str] = field(default_factory=set)  # left out for structural errors
    python_named: set[str] = field(default_factory=set)  # components whose Python name is valid and unique
    imported: dict[str, str] = field(default_factory=dict)  # name -> package, of names used from imports


class Binder:
    """Binds the names of all units; see the package docstring."""

    def __init__(self, units: list[Unit], diagnostics: Diagnostics) -> None:
        self.units = units
        self.diagnostics = diagnostics
        self.scopes: dict[str, Scope] = {}
        self.by_path: dict[Any, Scope] = {}

    def error(
        self,
        unit: Unit,
        path: DocPath,
        message: str,
        hint: str | None = None,
        *,
        code: str = "invalid",
        key: bool = False,
    ) -> None:
        position = unit.source_map.position(path, key=key)
        self.diagnostics.error(code, message, position, dotted(path), hint)

    def bind(self, scope: Scope, text: str, path: DocPath) -> ir.TypeRef | None:
        """The type of an expression; `T?` is `T | null` here: only a field can be absent."""
        syntax = self._parse(scope, text, path)
        return None if syntax is None else self._bind_syntax(scope, syntax, text, path)

    def bind_field_type(self, scope: Scope, text: str, path: DocPath) -> tuple[ir.TypeRef | None, bool]:
        """The type of a field and whether it may be absent: a trailing `?` says so."""
        syntax = self._parse(scope, text, path)
        if syntax is None:
            return None, False
        if isinstance(syntax, Opt):
            return self._bind_syntax(scope, syntax.inner, text, path), True
        return self._bind_syntax(scope, syntax, text, path), False

    def _parse(self, scope: Scope, text: str, path: DocPath) -> Syntax | None:
        try:
            return parse(text)
        except TypeSyntaxError as exc:
            position = scope.unit.source_map.text_position(path, exc.offset)
            self.diagnostics.error("type-syntax", exc.message, position, dotted(path), exc.hint)
            return None

    def _bind_syntax(self, scope: Scope, syntax: Syntax, text: str, path: DocPath) -> ir.TypeRef | None:
        if isinstance(syntax, Opt):
            inner = self._bind_syntax(scope, syntax.inner, text, path)
            return _nullable(inner) if inner is not None else None
        if isinstance(syntax, Name) and syntax.alias is None and syntax.name == NULL:
            position = scope.unit.source_map.text_position(path, syntax.offset)
            self.diagnostics.error(
                "null",
                "'null' is not a type of its own",
                position,
                dotted(path),
                "it is a member of a union: 'T | null' is a T or null",
            )
            return None
        if isinstance(syntax, Generic):
            arg = self._bind_syntax(scope, syntax.arg, text, path)
            if arg is None:
                return None
            return ir.ListOf(arg) if syntax.name == "list" else ir.MapOf(arg)
        if isinstance(syntax, Union):
            nulls = [m for m in syntax.members if isinstance(m, Name) and m.alias is None and m.name == NULL]
            members = [self._bind_syntax(scope, m, text, path) for m in syntax.members if m not in nulls]
            if any(m is None for m in members):
                return None
            nullable = bool(nulls)
            flat: list[ir.TypeRef] = []
            for member in members:
                assert member is not None
                if isinstance(member, ir.Nullable):
                    member, nullable = member.inner, True
                flat.extend(member.members if isinstance(member, ir.UnionOf) else (member,))
            unique = tuple(dict.fromkeys(flat))
            if not unique:
                position = scope.unit.source_map.text_position(path, 0)
                self.diagnostics.error("null", "a union of nulls alone has no value", position, dotted(path))
                return None
            ref = unique[0] if len(unique) == 1 else ir.UnionOf(unique)
            return ir.Nullable(ref) if nullable else ref
        return self._bind_name(scope, syntax, path)

    def _bind_name(self, scope: Scope, syntax: Name, path: DocPath) -> ir.TypeRef | None:
        if syntax.alias is None:
            if syntax.name in ir.PRIMITIVES:
                return ir.Primitive(syntax.name)
            if syntax.name in scope.types:
                return ir.Named(scope.package, syntax.name)
            candidates = [*ir.PRIMITIVES, *scope.types]
            for alias, package in scope.aliases.items():
                candidates.extend(f"{alias}.{n}" for n in self.scopes[package].types)
            hint = did_you_mean(syntax.name, candidates)
            if syntax.name in scope.errors:
                hint = f"'{syntax.name}' is an error; errors are listed under a handler's 'errors'"
            self.error(scope.unit, path, f"unknown type '{syntax.name}'", hint, code="unknown-type")
            return None
        target = self.alias(scope, syntax.alias, path)
        if target is None:
            return None
        if syntax.name in target.types:
            return self._imported(scope, target, syntax.name, f"{syntax.alias}.{syntax.name}", path)
        hint = did_you_mean(syntax.name, target.types)
        self.error(
            scope.unit,
            path,
            f"unknown type '{syntax.alias}.{syntax.name}' in package '{target.package}'",
            hint,
            code="unknown-type",
        )
        return None

    def alias(self, scope: Scope, alias: str, path: DocPath) -> Scope | None:
        package = scope.aliases.get(alias)
        if package is not None:
            return self.scopes[package]
        if alias in scope.broken:
            return None
        hint = did_you_mean(alias, scope.aliases) or (
            "declare it under 'imports:'"
            if not scope.aliases
            else "imports: " + ", ".join(sorted(scope.aliases))
        )
        self.error(scope.unit, path, f"unknown import alias '{alias}'", hint, code="unknown-import")
        return None

    def _imported(self, scope: Scope, target: Scope, name: str, text: str, path: DocPath) -> ir.Named | None:
        """A name of `target` used in `scope`; generated modules import it under its own name, so it
        may not be the name of one of this package's declarations or of another package's."""
        if target is scope:
            return ir.Named(scope.package, name)
        if name in scope.types or name in scope.errors:
            self.error(
                scope.unit,
                path,
                f"'{text}' has the name of this package's own '{name}'",
                "rename one of the two",
                code="clash",
            )
            return None
        other = scope.imported.setdefault(name, target.package)
        if other != target.package:
            self.error(
                scope.unit,
                path,
                f"'{text}' has the name of '{name}' of package '{other}', also used here",
                "rename one of the two",
                code="clash",
            )
            return None
        return ir.Named(target.package, name)

    def ref(self, scope: Scope, text: str, path: DocPath, table: str, what: str) -> ir.Named | None:
        """Bind a plain reference to a declared error (`table='errors'`) or event type."""
        alias, _, name = text.rpartition(".")
        target = self.alias(scope, alias, path) if alias else scope
        if target is None:
            return None
        names = target.errors if table == "errors" else {n for n, k in target.types.items() if k == "event"}
        if name in names:
            return self._imported(scope, target, name, text, path)
        if target.types.get(name) == BROKEN:
            return None
        hint = did_you_mean(name, names)
        if table == "events" and name in target.types:
            hint = f"'{name}' is a type, not an event; events are declared under 'events:'"
        elif table == "errors" and name in target.types:
            hint = f"'{name}' is a type, not an error; errors are declared under 'errors:'"
        self.error(scope.unit, path, f"unknown {what} '{text}'", hint, code=f"unknown-{what}")
        return None

    def fields(
        self, scope: Scope, props: Mapping[str, str | language.FieldSpec], path: DocPath
    ) -> tuple[ir.Field, ...]:
        result = []
        renamed = {py_field_name(name): name for name in props if py_field_name(name) != name}
        for name, prop in props.items():
            fpath = (*path, name)
            problem = check_field_name(name)
            if not problem and name in renamed:
                # A keyword field is `from_` in Python: a field called `from_` would take its place.
                problem = f"'{name}' is the Python name of field '{renamed[name]}'"
            if problem:
                hint = "rename one of them" if name in renamed else None
                self.error(scope.unit, fpath, problem, hint, code="name", key=True)
                continue
            built = self.field(scope, name, prop, fpath)
            if built is not None:
                result.append(built)
        return tuple(result)

    def field(
        self, scope: Scope, name: str, prop: str | language.FieldSpec, path: DocPath
    ) -> ir.Field | None:
        spec = prop if isinstance(prop, language.FieldSpec) else language.FieldSpec(type=prop)
        tpath = path if isinstance(prop, str) else (*path, "type")
        ref, absent = self.bind_field_type(scope, spec.type, tpath)
        if ref is None:
            return None
        optional = spec.optional or absent
        default_null = "default" in spec.model_fields_set and spec.default is None
        if isinstance(ref, ir.Nullable) and (optional or default_null):
            where = tpath if absent else (*path, "optional" if spec.optional else "default")
            self.error(
                scope.unit,
                where,
                f"field '{name}' is both optional and nullable",
                f"write '{ref.inner}?' for a field that may be left out (restagen leaves None out, and reads"
                f" null as absent too), or '{ref.inner} | null' for one that is always sent and may be null",
                code="null",
            )
            return None
        has_default = "default" in spec.model_fields_set and spec.default is not None
        constraints = self._constraints(scope, spec, ref, path)
        if has_default:
            self._check_default(scope, spec.default, ref, (*path, "default"))
        return ir.Field(
            name=name,
            py_name=py_field_name(name),
            type=ref,
            optional=optional,
            description=spec.description,
            has_default=has_default,
            default=spec.default,
            constraints=constraints,
        )

    def _constraints(
        self, scope: Scope, spec: language.FieldSpec, ref: ir.TypeRef, path: DocPath
    ) -> tuple[tuple[str, Any], ...]:
        result: list[tuple[str, Any]] = []
        nullable, shown = isinstance(ref, ir.Nullable), ref
        if isinstance(ref, ir.Nullable):  # the constraints of `T | null` bound its T
            ref = ref.inner
        base = ref.name if isinstance(ref, ir.Primitive) else None
        # The models cannot bound the size of a map that may be null (pydantic's `Field` of a
        # `dict | None` is not generated).
        sized = base in _SIZED or isinstance(ref, ir.ListOf) or (isinstance(ref, ir.MapOf) and not nullable)
        for key, allowed, what in (
            ("min", base in _NUMERIC, "numbers"),
            ("max", base in _NUMERIC, "numbers"),
            ("min_length", sized, "strings, bytes, lists and maps"),
            ("max_length", sized, "strings, bytes, lists and maps"),
            ("pattern", base == "string", "strings"),
        ):
            value = getattr(spec, key)
            if value is None:
                continue
            if not allowed and nullable and isinstance(ref, ir.MapOf) and key in ("min_length", "max_length"):
                message = f"'{key}' does not apply to a map that may be null ('{shown}')"
                self.error(
                    scope.unit, (*path, key), message, f"'{ref}?', a field that may be left out, takes it"
                )
                continue
            if not allowed:
                self.error(scope.unit, (*path, key), f"'{key}' applies only to {what}, not to '{shown}'")
                continue
            if key == "pattern":
                try:
                    re.compile(value)
                except re.error as exc:
                    self.error(scope.unit, (*path, key), f"invalid regular expression: {exc}")
                    continue
                except RecursionError:  # `re` parses groups recursively
                    self.error(scope.unit, (*path, key), "invalid regular expression: groups nest too deeply")
                    continue
            result.append((key, value))
        return tuple(result)

    def _check_default(self, scope: Scope, value: Any, ref: ir.TypeRef, path: DocPath) -> None:
        problem = self._default_problem(value, ref)
        if problem:
            self.error(scope.unit, path, problem, code="default")

    def _default_problem(self, value: Any, ref: ir.TypeRef) -> str | None:
        if isinstance(ref, ir.Nullable):
            return None if value is None else self._default_problem(value, ref.inner)
        if isinstance(ref, ir.ListOf):
            if not isinstance(value, list):
                return f"default {_show(value)} is not a list"
            return next((p for p in (self._default_problem(v, ref.item) for v in value) if p), None)
        if isinstance(ref, ir.MapOf):
            if not isinstance(value, dict):
                return f"default {_show(value)} is not a mapping"
            return next((p for p in (self._default_problem(v, ref.value) for v in value.values()) if p), None)
        if isinstance(ref, ir.Named):
            return self._named_default_problem(value, ref)
        if isinstance(ref, ir.Primitive):
            return _primitive_default_problem(value, ref)
        return "defaults are not supported for unions"

    def _named_default_problem(self, value: Any, ref: ir.Named) -> str | None:
        kind = self.scopes[ref.package].types.get(ref.name)
        if kind == BROKEN:
            return None
        if kind == "enum":
            values = self.scopes[ref.package].unit.document.types[ref.name].enum or []
            return None if value in values else f"default {_show(value)} is not one of {', '.join(values)}"
        return f"defaults are supported for primitives, enums, lists and maps, not for '{ref.name}'"

    def options(self, scope: Scope, options: language.Options | None, path: DocPath, kind: str) -> ir.Options:
        if options is None:
            return ir.Options()

        def duration(value: str | None, key: str, base: DocPath = (*path, "options")) -> Any:
            if value is None:
                return None
            try:
                return parse_duration(value)
            except ValueError as exc:
                self.error(
                    scope.unit, (*base, key), str(exc), "use 100ms, 10s, 5m, 1h, 1d or ISO-8601 like PT5S"
                )
                return None

        if options.workflow_retention is not None and kind != "workflow":
            self.error(
                scope.unit,
                (*path, "options", "workflow_retention"),
                "'workflow_retention' applies only to workflows",
            )
        if options.enable_lazy_state is not None and kind not in ("object", "workflow"):
            self.error(
                scope.unit,
                (*path, "options", "enable_lazy_state"),
                "'enable_lazy_state' applies only to objects and workflows",
            )
        retry = None
        if options.retry is not None:
            rpath: DocPath = (*path, "options", "retry")
            retry = ir.Retry(
                options.retry.max_attempts,
                duration(options.retry.initial_interval, "initial_interval", rpath),
                duration(options.retry.max_interval, "max_interval", rpath),
                options.retry.factor,
                options.retry.on_max_attempts,
            )
        return ir.Options(
            inactivity_timeout=duration(options.inactivity_timeout, "inactivity_timeout"),
            abort_timeout=duration(options.abort_timeout, "abort_timeout"),
            idempotency_retention=duration(options.idempotency_retention, "idempotency_retention"),
            journal_retention=duration(options.journal_retention, "journal_retention"),
            workflow_retention=duration(options.workflow_retention, "workflow_retention"),
            ingress_private=options.ingress_private,
            enable_lazy_state=options.enable_lazy_state,
            retry=retry,
            serde=options.serde,
        )

    def middleware(self, scope: Scope, names: Iterable[str], path: DocPath) -> tuple[str, ...]:
        for index, name in enumerate(names):
            if not _MIDDLEWARE.match(name):
                self.error(
                    scope.unit,
                    (*path, "middleware", index),
                    f"'{name}' is not a valid middleware name",
                    code="name",
                )
        return tuple(names)


def _primitive_default_problem(value: Any, ref: ir.Primitive) -> str | None:
    checks: dict[str, Any] = {
        "string": str,
        "int": int,
        "float": (int, float),
        "bool": bool,
    }
    expected = checks.get(ref.name)
    if ref.name == "any":
        return None
    if expected is None:
        # A decimal default would be rendered as a str or float literal, which is not a Decimal.
        return f"defaults are not supported for '{ref.name}'"
    wrong = f"default {_show(value)} is not {_KIND_NAMES[ref.name]}"
    if isinstance(value, bool) and ref.name != "bool":
        return wrong
    return None if isinstance(value, expected) else wrong
