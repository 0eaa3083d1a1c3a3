"""Resolve stage: checked documents -> `ir.Program`.

Checks names against the naming rules, binds every type expression, error, event and handler
reference to its declaring package, finds clashes in the generated Python, and builds the frozen IR.
Every problem becomes a diagnostic; the IR is returned only when there is none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from restagen.compiler import ir, language
from restagen.compiler.durations import parse_duration
from restagen.compiler.eventhash import event_version
from restagen.compiler.load import DocPath
from restagen.compiler.names import (
    check_field_name,
    check_pascal,
    check_snake,
    pascal,
    py_field_name,
)
from restagen.compiler.sources import Unit
from restagen.compiler.structure import dotted
from restagen.compiler.typeexpr import Generic, Name, Opt, Syntax, TypeSyntaxError, Union, parse
from restagen.diagnostics import Diagnostics, did_you_mean

__all__ = ["resolve"]

_PACKAGE = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")
_MIDDLEWARE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_ENUM_VALUE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NUMERIC = ("int", "float", "decimal")
_SIZED = ("string", "bytes")
_WORKFLOW_CLIENT_METHODS = ("submit", "attach", "output")
_BROKEN = "broken"
"""The kind of a type left out for structural errors (see `structure.check_structure_partial`)."""
_SAGA_ERROR_ACTIONS = ("compensate", "fail")
_KIND_NAMES = {
    "string": "a string",
    "int": "an integer",
    "float": "a number",
    "decimal": "a decimal number",
    "bool": "true or false",
}


def _show(value: Any) -> str:
    """A default value as the user wrote it in YAML."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    return repr(value)


@dataclass
class _Scope:
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


class _Resolver:
    """Binds the names of all units; see the module docstring."""

    def __init__(self, units: list[Unit], diagnostics: Diagnostics) -> None:
        self.units = units
        self.diagnostics = diagnostics
        self.scopes: dict[str, _Scope] = {}
        self.by_path: dict[Any, _Scope] = {}

    # -- reporting -----------------------------------------------------------------------------

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

    # -- pass 1: declarations --------------------------------------------------------------------

    def declare(self) -> None:
        for unit in self.units:
            doc = unit.document
            if not _PACKAGE.match(doc.package):
                suggestion = re.sub(r"[^a-z0-9_.]+", "_", doc.package.lower())
                self.error(
                    unit,
                    ("package",),
                    f"'{doc.package}' is not a dotted Python package name",
                    f"lowercase words separated by dots, like '{suggestion}'"
                    if _PACKAGE.match(suggestion)
                    else "lowercase words separated by dots, like 'shop.orders'",
                    code="name",
                )
            if doc.package in self.scopes:
                other = self.scopes[doc.package].unit.display
                self.error(
                    unit,
                    ("package",),
                    f"package '{doc.package}' is also defined by {other}",
                    code="duplicate",
                )
                continue
            scope = _Scope(unit, doc.package)
            self.scopes[doc.package] = scope
            self.by_path[unit.path] = scope
            self._declare_pruned(scope)
            for section, kind in (("types", None), ("events", "event")):
                for name, decl in getattr(doc, section).items():
                    self._check_pascal(unit, (section, name), name)
                    if isinstance(decl, language.TypeDef):
                        kind = (
                            "enum"
                            if decl.enum is not None
                            else "union"
                            if decl.union is not None
                            else "object"
                        )
                    scope.types[name] = kind or "object"
            for name in doc.errors:
                self._check_pascal(unit, ("errors", name), name)
                scope.errors.add(name)
            for section, ckind in (("services", "service"), ("objects", "object"), ("workflows", "workflow")):
                for name, component in getattr(doc, section).items():
                    problem = check_snake(name)
                    if problem:
                        self.error(unit, (section, name), problem, code="name", key=True)
                    if name not in scope.components:  # the duplicate is reported by _check_global_names
                        scope.components[name] = component
                        scope.kinds[name] = ckind  # type: ignore[assignment]
            for name in doc.sagas:
                problem = check_snake(name)
                if problem:
                    self.error(unit, ("sagas", name), problem, code="name", key=True)
        for unit in self.units:
            importer = self.by_path.get(unit.path)
            if importer is None:
                continue
            found = dict(unit.imports)
            for alias in unit.document.imports:
                problem = check_snake(alias)
                if problem:
                    self.error(unit, ("imports", alias), problem, code="name", key=True)
                if alias not in found:
                    importer.broken.add(alias)  # the file is missing, reported by sources
            for alias, target in unit.imports:
                target_scope = self.by_path.get(target)
                if target_scope is not None:
                    importer.aliases[alias] = target_scope.package
                else:
                    importer.broken.add(alias)  # the imported file has errors of its own, reported there
        self._check_global_names()

    def _declare_pruned(self, scope: _Scope) -> None:
        """Declarations left out for structural errors still exist: references to them stay quiet."""
        for section, name in scope.unit.pruned:
            if section in ("types", "events"):
                scope.types[name] = _BROKEN
            elif section == "errors":
                scope.errors.add(name)
            elif section in ("services", "objects", "workflows"):
                scope.broken_components.add(name)

    def _check_pascal(self, unit: Unit, path: DocPath, name: str) -> None:
        problem = check_pascal(name)
        if problem:
            self.error(unit, path, problem, code="name", key=True)

    def _check_global_names(self) -> None:
        """Restate service names are global: two components or sagas may not share one."""
        seen: dict[str, str] = {}
        for scope in self.scopes.values():
            doc = scope.unit.document
            for section in ("services", "objects", "workflows", "sagas"):
                for name in getattr(doc, section):
                    where = f"{section}.{name} in {scope.unit.display}"
                    if name in seen:
                        self.error(
                            scope.unit,
                            (section, name),
                            f"'{name}' is already the name of {seen[name]}",
                            "services, objects, workflows and sagas share one namespace in Restate, "
                            "across all packages; rename one of them",
                            code="duplicate",
                            key=True,
                        )
                    else:
                        seen[name] = where

    # -- type expressions ----------------------------------------------------------------------

    def bind(self, scope: _Scope, text: str, path: DocPath) -> ir.TypeRef | None:
        try:
            syntax = parse(text)
        except TypeSyntaxError as exc:
            position = scope.unit.source_map.position(path)
            position = type(position)(position.file, position.line, position.col + exc.offset)
            self.diagnostics.error("type-syntax", exc.message, position, dotted(path), exc.hint)
            return None
        return self._bind_syntax(scope, syntax, text, path)

    def _bind_syntax(self, scope: _Scope, syntax: Syntax, text: str, path: DocPath) -> ir.TypeRef | None:
        if isinstance(syntax, Opt):
            inner = self._bind_syntax(scope, syntax.inner, text, path)
            return ir.Nullable(inner) if inner is not None else None
        if isinstance(syntax, Generic):
            arg = self._bind_syntax(scope, syntax.arg, text, path)
            if arg is None:
                return None
            return ir.ListOf(arg) if syntax.name == "list" else ir.MapOf(arg)
        if isinstance(syntax, Union):
            members = [self._bind_syntax(scope, m, text, path) for m in syntax.members]
            if any(m is None for m in members):
                return None
            flat: list[ir.TypeRef] = []
            for member in members:
                assert member is not None
                flat.extend(member.members if isinstance(member, ir.UnionOf) else (member,))
            return ir.UnionOf(tuple(dict.fromkeys(flat)))
        return self._bind_name(scope, syntax, path)

    def _bind_name(self, scope: _Scope, syntax: Name, path: DocPath) -> ir.TypeRef | None:
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
        target = self._alias(scope, syntax.alias, path)
        if target is None:
            return None
        if syntax.name in target.types:
            return ir.Named(target.package, syntax.name)
        hint = did_you_mean(syntax.name, target.types)
        self.error(
            scope.unit,
            path,
            f"unknown type '{syntax.alias}.{syntax.name}' in package '{target.package}'",
            hint,
            code="unknown-type",
        )
        return None

    def _alias(self, scope: _Scope, alias: str, path: DocPath) -> _Scope | None:
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

    def _ref(self, scope: _Scope, text: str, path: DocPath, table: str, what: str) -> ir.Named | None:
        """Bind a plain reference to a declared error (`table='errors'`) or event type."""
        alias, _, name = text.rpartition(".")
        target = self._alias(scope, alias, path) if alias else scope
        if target is None:
            return None
        names = target.errors if table == "errors" else {n for n, k in target.types.items() if k == "event"}
        if name in names:
            return ir.Named(target.package, name)
        if target.types.get(name) == _BROKEN:
            return None
        hint = did_you_mean(name, names)
        if table == "events" and name in target.types:
            hint = f"'{name}' is a type, not an event; events are declared under 'events:'"
        elif table == "errors" and name in target.types:
            hint = f"'{name}' is a type, not an error; errors are declared under 'errors:'"
        self.error(scope.unit, path, f"unknown {what} '{text}'", hint, code=f"unknown-{what}")
        return None

    # -- fields ------------------------------------------------------------------------------------

    def fields(
        self, scope: _Scope, props: Mapping[str, str | language.FieldSpec], path: DocPath
    ) -> tuple[ir.Field, ...]:
        result = []
        for name, prop in props.items():
            fpath = (*path, name)
            problem = check_field_name(name)
            if problem:
                self.error(scope.unit, fpath, problem, code="name", key=True)
                continue
            built = self.field(scope, name, prop, fpath)
            if built is not None:
                result.append(built)
        return tuple(result)

    def field(
        self, scope: _Scope, name: str, prop: str | language.FieldSpec, path: DocPath
    ) -> ir.Field | None:
        spec = prop if isinstance(prop, language.FieldSpec) else language.FieldSpec(type=prop)
        tpath = path if isinstance(prop, str) else (*path, "type")
        ref = self.bind(scope, spec.type, tpath)
        if ref is None:
            return None
        optional = spec.optional
        if isinstance(ref, ir.Nullable):
            ref, optional = ref.inner, True
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
        self, scope: _Scope, spec: language.FieldSpec, ref: ir.TypeRef, path: DocPath
    ) -> tuple[tuple[str, Any], ...]:
        result: list[tuple[str, Any]] = []
        base = ref.name if isinstance(ref, ir.Primitive) else None
        sized = base in _SIZED or isinstance(ref, ir.ListOf | ir.MapOf)
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
            if not allowed:
                self.error(scope.unit, (*path, key), f"'{key}' applies only to {what}, not to '{ref}'")
                continue
            if key == "pattern":
                try:
                    re.compile(value)
                except re.error as exc:
                    self.error(scope.unit, (*path, key), f"invalid regular expression: {exc}")
                    continue
            result.append((key, value))
        return tuple(result)

    def _check_default(self, scope: _Scope, value: Any, ref: ir.TypeRef, path: DocPath) -> None:
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
            kind = self.scopes[ref.package].types.get(ref.name)
            if kind == _BROKEN:
                return None
            if kind == "enum":
                values = self.scopes[ref.package].unit.document.types[ref.name].enum or []
                return (
                    None if value in values else f"default {_show(value)} is not one of {', '.join(values)}"
                )
            return f"defaults are supported for primitives, enums, lists and maps, not for '{ref.name}'"
        if isinstance(ref, ir.Primitive):
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
        return "defaults are not supported for unions"

    # -- pass 2: packages ----------------------------------------------------------------------------

    def package(self, scope: _Scope) -> ir.Package:
        unit, doc = scope.unit, scope.unit.document
        generated: dict[str, DocPath] = {}

        def claim(name: str, path: DocPath, what: str) -> None:
            if name in generated:
                self.error(
                    unit,
                    path,
                    f"{what} '{name}' clashes with {_origin(generated[name], name)}",
                    "both would be the same class in the generated models; rename one of them",
                    code="clash",
                    key=True,
                )
            else:
                generated[name] = path

        for section in ("types", "events", "errors"):
            for name in getattr(doc, section):
                claim(name, (section, name), "name")

        tags = self._union_tags(scope)
        types: list[ir.TypeDecl] = []
        for name, tdef in doc.types.items():
            decl = self._type_decl(scope, name, tdef, tags.get(name, ()))
            if decl is not None:
                types.append(decl)
        events = []
        for name, edef in doc.events.items():
            fields = self.fields(scope, edef.properties, ("events", name, "properties"))
            types.append(ir.ObjectType(name, fields, edef.description, origin="event"))
            events.append(ir.EventDecl(name, ir.Named(scope.package, name), "", edef.description))
        errors = []
        for name, errdef in doc.errors.items():
            details = f"{name}Details"
            claim(details, ("errors", name), "error details type")
            fields = self.fields(scope, errdef.properties, ("errors", name, "properties"))
            types.append(ir.ObjectType(details, fields, f"The fields of {name}.", origin="error"))
            errors.append(
                ir.ErrorDecl(name, errdef.code, ir.Named(scope.package, details), errdef.description)
            )

        components = []
        for section, kind in (("services", "service"), ("objects", "object"), ("workflows", "workflow")):
            for name, cdef in getattr(doc, section).items():
                components.append(self._component(scope, kind, name, cdef, types, claim))  # type: ignore[arg-type]
        sagas = [self._saga(scope, name, sdef) for name, sdef in doc.sagas.items()]
        return ir.Package(
            name=scope.package,
            source=unit.source_name,
            types=tuple(types),
            errors=tuple(errors),
            events=tuple(events),
            components=tuple(components),
            sagas=tuple(s for s in sagas if s is not None),
            imports=tuple(sorted(scope.aliases.items())),
            description=doc.description,
            serde=doc.serde,
        )

    def _union_tags(self, scope: _Scope) -> dict[str, tuple[tuple[str, str], ...]]:
        """Discriminator fields that tagged unions add to their member types."""
        tags: dict[str, list[tuple[str, str]]] = {}
        for name, tdef in scope.unit.document.types.items():
            if tdef.union is None or tdef.discriminator is None:
                continue
            for index, member in enumerate(tdef.union):
                path = ("types", name, "union", index)
                if scope.types.get(member) == _BROKEN:
                    continue
                if scope.types.get(member) != "object" or "." in member:
                    self.error(
                        scope.unit,
                        path,
                        f"member '{member}' of a tagged union must be an object type of this package",
                        "use a union without 'discriminator' to combine other types",
                    )
                    continue
                props = scope.unit.document.types[member].properties or {}
                if tdef.discriminator in props:
                    self.error(
                        scope.unit,
                        ("types", member, "properties", tdef.discriminator),
                        f"'{tdef.discriminator}' is the discriminator of union '{name}' and is set by it",
                        "remove the field: its value is the member's type name",
                        key=True,
                    )
                    continue
                tags.setdefault(member, []).append((tdef.discriminator, member))
        return {member: tuple(sorted(set(values))) for member, values in tags.items()}

    def _type_decl(
        self, scope: _Scope, name: str, tdef: language.TypeDef, tags: tuple[tuple[str, str], ...]
    ) -> ir.TypeDecl | None:
        path: DocPath = ("types", name)
        shapes = [k for k in ("properties", "enum", "union") if getattr(tdef, k) is not None]
        if len(shapes) != 1:
            found = ", ".join(shapes) if shapes else "none"
            self.error(
                scope.unit,
                path,
                f"a type has exactly one of 'properties', 'enum', 'union' (found: {found})",
                "an object with no fields is written 'properties: {}'",
            )
            return None
        if tdef.discriminator is not None and tdef.union is None:
            self.error(scope.unit, (*path, "discriminator"), "'discriminator' applies only to a union")
        if tdef.enum is not None:
            return self._enum(scope, name, tdef, path)
        if tdef.union is not None:
            members = [self.bind(scope, m, (*path, "union", i)) for i, m in enumerate(tdef.union)]
            if len(tdef.union) < 2:
                self.error(scope.unit, (*path, "union"), "a union needs at least two members")
            if tdef.discriminator is not None and (problem := check_field_name(tdef.discriminator)):
                self.error(scope.unit, (*path, "discriminator"), problem, code="name")
            return ir.UnionType(
                name,
                tuple(m for m in members if m is not None),  # type: ignore[misc]
                tdef.discriminator,
                tdef.description,
            )
        fields = self.fields(scope, tdef.properties or {}, (*path, "properties"))
        return ir.ObjectType(name, fields, tdef.description, tags=tags)

    def _enum(self, scope: _Scope, name: str, tdef: language.TypeDef, path: DocPath) -> ir.EnumType:
        values = tdef.enum or []
        if not values:
            self.error(scope.unit, (*path, "enum"), "an enum needs at least one value")
        seen: set[str] = set()
        for index, value in enumerate(values):
            if not _ENUM_VALUE.match(value) or value in ("mro",) or value.startswith("_"):
                self.error(
                    scope.unit,
                    (*path, "enum", index),
                    f"enum value '{value}' must be an identifier (letters, digits and '_')",
                    code="name",
                )
            if value in seen:
                self.error(
                    scope.unit, (*path, "enum", index), f"duplicate enum value '{value}'", code="duplicate"
                )
            seen.add(value)
        return ir.EnumType(name, tuple(values), tdef.description)

    def _type_use(
        self,
        scope: _Scope,
        use: str | language.FieldSpec | language.InlineType | None,
        path: DocPath,
        inline_name: str,
        types: list[ir.TypeDecl],
        claim: Any,
    ) -> ir.TypeRef | None:
        if use is None:
            return None
        if isinstance(use, language.InlineType):
            claim(inline_name, path, "inline type")
            fields = self.fields(scope, use.properties, (*path, "properties"))
            types.append(ir.ObjectType(inline_name, fields, use.description, origin="inline"))
            return ir.Named(scope.package, inline_name)
        if isinstance(use, language.FieldSpec):
            ref = self.bind(scope, use.type, (*path, "type"))
            return (
                ir.Nullable(ref)
                if ref is not None and use.optional and not isinstance(ref, ir.Nullable)
                else ref
            )
        return self.bind(scope, use, path)

    def _options(
        self, scope: _Scope, options: language.Options | None, path: DocPath, kind: str
    ) -> ir.Options:
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

    def _middleware(self, scope: _Scope, names: Iterable[str], path: DocPath) -> tuple[str, ...]:
        for index, name in enumerate(names):
            if not _MIDDLEWARE.match(name):
                self.error(
                    scope.unit,
                    (*path, "middleware", index),
                    f"'{name}' is not a valid middleware name",
                    code="name",
                )
        return tuple(names)

    def _component(
        self,
        scope: _Scope,
        kind: ir.ComponentKind,
        name: str,
        cdef: language.ServiceDef | language.ObjectDef | language.WorkflowDef,
        types: list[ir.TypeDecl],
        claim: Any,
    ) -> ir.Component:
        section = f"{kind}s"
        path: DocPath = (section, name)
        handlers: list[ir.Handler] = []
        entries: list[tuple[str, language.HandlerDef, DocPath]] = []
        if isinstance(cdef, language.WorkflowDef):
            entries.append(("run", cdef.run, (*path, "run")))
            if "run" in cdef.handlers:
                self.error(
                    scope.unit,
                    (*path, "handlers", "run"),
                    "a workflow's 'run' handler is declared under 'run:'",
                    code="duplicate",
                    key=True,
                )
        entries.extend(
            (h, hdef, (*path, "handlers", h))
            for h, hdef in cdef.handlers.items()
            if not (kind == "workflow" and h == "run")
        )
        self._check_client_names(scope, kind, entries)
        for hname, hdef, hpath in entries:
            handler = self._handler(scope, kind, name, hname, hdef, hpath, types, claim)
            if handler is not None:
                handlers.append(handler)
        state: tuple[ir.Field, ...] = ()
        promises: tuple[ir.Field, ...] = ()
        if isinstance(cdef, language.ObjectDef | language.WorkflowDef):
            state = self._keyed_fields(scope, cdef.state, (*path, "state"))
        if isinstance(cdef, language.WorkflowDef):
            promises = self._keyed_fields(scope, cdef.promises, (*path, "promises"))
        return ir.Component(
            kind=kind,
            name=name,
            handlers=tuple(handlers),
            state=state,
            promises=promises,
            options=self._options(scope, cdef.options, path, kind),
            middleware=self._middleware(scope, cdef.middleware, path),
            description=cdef.description,
        )

    def _check_client_names(
        self, scope: _Scope, kind: ir.ComponentKind, entries: list[tuple[str, language.HandlerDef, DocPath]]
    ) -> None:
        """Generated clients have a method per handler, `send_<handler>`, and for workflows
        `submit`, `attach` and `output`: a handler may not take one of those names."""
        names = {hname for hname, _, _ in entries}
        for hname, _, hpath in entries:
            if hname.startswith("send_") and hname.removeprefix("send_") in names:
                self.error(
                    scope.unit,
                    hpath,
                    f"'{hname}' clashes with the client method that sends '{hname.removeprefix('send_')}'",
                    "rename one of the handlers",
                    code="clash",
                    key=True,
                )
            if kind == "workflow" and hname in _WORKFLOW_CLIENT_METHODS:
                self.error(
                    scope.unit,
                    hpath,
                    f"'{hname}' clashes with the workflow client's method of that name",
                    "rename the handler",
                    code="clash",
                    key=True,
                )

    def _keyed_fields(
        self, scope: _Scope, entries: Mapping[str, str | language.FieldSpec], path: DocPath
    ) -> tuple[ir.Field, ...]:
        result = []
        for key, prop in entries.items():
            problem = check_snake(key)
            if problem:
                self.error(scope.unit, (*path, key), problem, code="name", key=True)
                continue
            built = self.field(scope, key, prop, (*path, key))
            if built is not None:
                result.append(built)
        return tuple(result)

    def _handler(
        self,
        scope: _Scope,
        ckind: ir.ComponentKind,
        cname: str,
        name: str,
        hdef: language.HandlerDef,
        path: DocPath,
        types: list[ir.TypeDecl],
        claim: Any,
    ) -> ir.Handler | None:
        problem = check_snake(name)
        if problem:
            self.error(scope.unit, path, problem, code="name", key=True)
            return None
        kind: ir.HandlerKind = hdef.kind
        if ckind == "service" and kind is not None:
            self.error(
                scope.unit,
                (*path, "kind"),
                "services have no handler kinds",
                "'kind' applies to objects and workflows",
            )
            kind = None
        elif ckind == "object":
            kind = kind or "exclusive"
        elif ckind == "workflow":
            if name == "run":
                if kind is not None:
                    self.error(
                        scope.unit,
                        (*path, "kind"),
                        "a workflow's 'run' handler has no 'kind'",
                        "it runs once per workflow key; its other handlers are shared",
                    )
                kind = "workflow"
            elif kind == "exclusive":
                self.error(scope.unit, (*path, "kind"), "a workflow's handlers other than 'run' are shared")
            else:
                kind = "shared"
        base = pascal(cname) + pascal(name)
        input_ref = self._type_use(scope, hdef.input, (*path, "input"), f"{base}Request", types, claim)
        output_ref = self._type_use(scope, hdef.output, (*path, "output"), f"{base}Response", types, claim)
        errors = [
            self._ref(scope, e, (*path, "errors", i), "errors", "error") for i, e in enumerate(hdef.errors)
        ]
        subscribe = [
            self._ref(scope, e, (*path, "subscribe", i), "events", "event")
            for i, e in enumerate(hdef.subscribe)
        ]
        if hdef.subscribe and hdef.input is not None:
            self.error(
                scope.unit,
                (*path, "input"),
                "an event handler takes the event as its input",
                "remove 'input' or 'subscribe'",
            )
        return ir.Handler(
            name=name,
            kind=kind,
            input=input_ref,
            output=output_ref,
            errors=tuple(e for e in errors if e is not None),
            subscribe=tuple(e for e in subscribe if e is not None),
            options=self._options(scope, hdef.options, path, ckind),
            middleware=self._middleware(scope, hdef.middleware, path),
            description=hdef.description,
        )

    # -- sagas -----------------------------------------------------------------------------------

    def _participant(self, scope: _Scope, text: str, path: DocPath) -> tuple[str, str, str] | None:
        parts = text.split(".")
        if len(parts) not in (2, 3):
            self.error(
                scope.unit,
                path,
                f"'{text}' is not a handler reference",
                "write component.handler or alias.component.handler",
            )
            return None
        target = scope
        if len(parts) == 3:
            found = self._alias(scope, parts[0], path)
            if found is None:
                return None
            target = found
        component, handler = parts[-2], parts[-1]
        if component in target.broken_components:
            return None
        cdef = target.components.get(component)
        if target.kinds.get(component) == "workflow":
            self.error(
                scope.unit,
                path,
                f"'{component}' is a workflow; saga steps invoke handlers of services and objects",
                code="unknown-handler",
            )
            return None
        if cdef is None:
            names = [n for n, k in target.kinds.items() if k != "workflow"]
            self.error(
                scope.unit,
                path,
                f"unknown service or object '{component}'",
                did_you_mean(component, names),
                code="unknown-handler",
            )
            return None
        if handler not in cdef.handlers:
            self.error(
                scope.unit,
                path,
                f"'{component}' has no handler '{handler}'",
                did_you_mean(handler, cdef.handlers),
                code="unknown-handler",
            )
            return None
        return (target.package, component, handler)

    def _saga(self, scope: _Scope, name: str, sdef: language.SagaDef) -> ir.Saga | None:
        path: DocPath = ("sagas", name)
        data = self.bind(scope, sdef.data, (*path, "data"))
        if isinstance(data, ir.Named) and self.scopes[data.package].types.get(data.name) == _BROKEN:
            data = None
        elif data is not None and not (
            isinstance(data, ir.Named) and self.scopes[data.package].types.get(data.name) == "object"
        ):
            self.error(scope.unit, (*path, "data"), f"saga data must be an object type, not '{sdef.data}'")
            data = None
        data_fields = set()
        if isinstance(data, ir.Named):
            data_fields = set(self.scopes[data.package].unit.document.types[data.name].properties or {})
        if not sdef.steps:
            self.error(scope.unit, (*path, "steps"), "a saga needs at least one step")
        steps = []
        seen: set[str] = set()
        for index, step in enumerate(sdef.steps):
            spath: DocPath = (*path, "steps", index)
            if problem := check_snake(step.name):
                self.error(scope.unit, (*spath, "name"), problem, code="name")
            if step.name in seen:
                self.error(scope.unit, (*spath, "name"), f"duplicate step '{step.name}'", code="duplicate")
            seen.add(step.name)
            if step.local and (step.invoke or step.compensate or step.on_reply):
                self.error(scope.unit, spath, "a local step has no 'invoke', 'compensate' or 'on_reply'")
            if not step.local and step.invoke is None:
                self.error(scope.unit, spath, "a step needs 'invoke' or 'local: true'", code="missing-key")
            invoke = self._participant(scope, step.invoke, (*spath, "invoke")) if step.invoke else None
            compensate = (
                self._participant(scope, step.compensate, (*spath, "compensate")) if step.compensate else None
            )
            for participant, key in ((invoke, "invoke"), (compensate, "compensate")):
                if participant is None or step.key is not None:
                    continue
                if self.scopes[participant[0]].kinds.get(participant[1]) == "object":
                    self.error(
                        scope.unit,
                        (*spath, key),
                        f"object participant '{participant[1]}' needs a key",
                        "add 'key: <field of the saga data>'",
                        code="missing-key",
                    )
            if step.key is not None and data_fields and step.key not in data_fields:
                self.error(
                    scope.unit,
                    (*spath, "key"),
                    f"saga data has no field '{step.key}'",
                    did_you_mean(step.key, data_fields),
                )
            on_reply = []
            for rname, method in step.on_reply.items():
                ref = self.bind(scope, rname, (*spath, "on_reply", rname))
                if problem := check_snake(method):
                    self.error(scope.unit, (*spath, "on_reply", rname), problem, code="name")
                if isinstance(ref, ir.Named):
                    on_reply.append((ref, method))
            on_error = []
            for ename, action in step.on_error.items():
                ref = self._ref(scope, ename, (*spath, "on_error", ename), "errors", "error")
                if action not in _SAGA_ERROR_ACTIONS:
                    self.error(
                        scope.unit,
                        (*spath, "on_error", ename),
                        f"unknown on_error action '{action}'",
                        did_you_mean(action, _SAGA_ERROR_ACTIONS) or "use compensate or fail",
                    )
                elif ref is not None:
                    on_error.append((ref, action))
            steps.append(
                ir.SagaStep(
                    step.name,
                    invoke,
                    compensate,
                    step.key,
                    tuple(on_reply),
                    tuple(on_error),
                    step.local,
                    step.description,
                )
            )
        if not isinstance(data, ir.Named):
            return None
        return ir.Saga(
            name, data, tuple(steps), self._options(scope, sdef.options, path, "workflow"), sdef.description
        )


def _origin(path: DocPath, name: str) -> str:
    """What already claimed a generated name: `types.Order`, an inline type or an error's details."""
    if path[-1] in ("input", "output"):
        return f"the inline {path[-1]} type of {dotted(path[:-1])}"
    if len(path) == 2 and path[0] == "errors" and path[1] != name:
        return f"the details type generated for {dotted(path)}"
    return dotted(path)


def resolve(units: list[Unit], diagnostics: Diagnostics) -> ir.Program | None:
    """Bind every reference and build the IR; None when any error was found."""
    resolver = _Resolver(units, diagnostics)
    resolver.declare()
    packages = [resolver.package(scope) for scope in resolver.scopes.values()]
    if diagnostics.has_errors:
        return None
    program = ir.Program(tuple(sorted(packages, key=lambda p: p.name)))
    return _with_event_versions(program)


def _with_event_versions(program: ir.Program) -> ir.Program:
    from dataclasses import replace

    packages = []
    for package in program.packages:
        events = tuple(replace(e, version=event_version(program, e.type)) for e in package.events)
        packages.append(replace(package, events=events))
    return ir.Program(tuple(packages))
