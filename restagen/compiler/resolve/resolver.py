"""The resolver: checked documents -> `ir.Program`.

Checks names against the naming rules, binds every type expression, error, event and handler
reference to its declaring package, finds clashes in the generated Python, and builds the frozen IR.
Every problem becomes a diagnostic; the IR is returned only when there is none.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

from restagen.compiler import ir
from restagen.compiler.frontends.load import DocPath
from restagen.compiler.frontends.sources import Unit
from restagen.compiler.resolve.binder import BROKEN, ENUM_VALUE, PACKAGE, Binder, Scope
from restagen.compiler.resolve.components import Components
from restagen.compiler.resolve.eventhash import event_version
from restagen.compiler.resolve.names import (
    APP_NAMES,
    GENERATED_MODULES,
    MAX_NAME,
    TAKEN_TOP_LEVEL,
    check_component_name,
    check_field_name,
    check_pascal,
    check_snake,
    python_name,
    snake,
)
from restagen.compiler.resolve.sagas import Sagas
from restagen.compiler.structure import language
from restagen.compiler.structure.check import dotted
from restagen.diagnostics import Diagnostics

__all__ = ["resolve"]

# An error's fields become attributes of its exception class.
_ERROR_ATTRIBUTES = frozenset(
    {
        "add_note",
        "args",
        "code",
        "details",
        "details_model",
        "from_wire",
        "self",
        "to_terminal",
        "to_wire",
        "with_traceback",
    }
)


def _type_kind(decl: language.TypeDef) -> str:
    if decl.enum is not None:
        return "enum"
    if decl.union is not None:
        return "union"
    return "object"


class _Resolver:
    """Declares every unit's names, then builds each package; components and sagas are resolved by
    parts of their own, sharing the resolver's binder (and so its scopes and diagnostics)."""

    def __init__(self, units: list[Unit], diagnostics: Diagnostics) -> None:
        self.binder = Binder(units, diagnostics)
        self.components = Components(self.binder)
        self.sagas = Sagas(self.binder)

    def declare(self) -> None:
        for unit in self.binder.units:
            self._declare_unit(unit)
        for unit in self.binder.units:
            self._declare_imports(unit)
        self._check_global_names()
        self._check_sub_packages()

    def _declare_unit(self, unit: Unit) -> None:
        """The package of `unit` and the names it declares, each checked against the naming rules."""
        doc = unit.document
        self._check_package_name(unit)
        if doc.package in self.binder.scopes:
            other = self.binder.scopes[doc.package].unit.display
            self.binder.error(
                unit,
                ("package",),
                f"package '{doc.package}' is also defined by {other}",
                code="duplicate",
            )
            return
        scope = Scope(unit, doc.package)
        self.binder.scopes[doc.package] = scope
        self.binder.by_path[unit.path] = scope
        self._declare_pruned(scope)
        for name, decl in doc.types.items():
            self._check_pascal(unit, ("types", name), name)
            scope.types[name] = _type_kind(decl)
        for name in doc.events:
            self._check_pascal(unit, ("events", name), name)
            scope.types[name] = "event"
        for name in doc.errors:
            self._check_pascal(unit, ("errors", name), name)
            scope.errors.add(name)
        python_names: dict[str, DocPath] = {}
        self._declare_components(scope, python_names)
        for name in doc.sagas:
            # A saga runs as a Restate workflow of its name, which is its Python name too.
            problem = check_component_name(name)
            if problem:
                self.binder.error(unit, ("sagas", name), problem, code="name", key=True)
            else:
                self._check_app_name(unit, ("sagas", name), name, python_names)

    def _declare_components(self, scope: Scope, python_names: dict[str, DocPath]) -> None:
        unit = scope.unit
        for section, ckind in (("services", "service"), ("objects", "object"), ("workflows", "workflow")):
            for name, component in getattr(unit.document, section).items():
                problem = check_component_name(name)
                path = (section, name)
                if problem:
                    self.binder.error(unit, path, problem, code="name", key=True)
                elif self._check_python_name(unit, path, name, component.python_name, python_names):
                    scope.python_named.add(name)
                if name not in scope.components:  # the duplicate is reported by _check_global_names
                    scope.components[name] = component
                    scope.kinds[name] = ckind  # type: ignore[assignment]

    def _check_python_name(
        self, unit: Unit, path: DocPath, name: str, explicit: str | None, taken: dict[str, DocPath]
    ) -> bool:
        """The Python name of a component: `python_name`, or its Restate name in snake_case."""
        if explicit is None and check_snake(snake(name)):
            self.binder.error(
                unit,
                path,
                f"'{name}' gives no usable Python name ('{snake(name)}')",
                "set 'python_name' to a snake_case name",
                code="name",
                key=True,
            )
            return False
        where = (*path, "python_name") if explicit else path
        return self._check_app_name(unit, where, python_name(name, explicit), taken)

    def _check_app_name(self, unit: Unit, path: DocPath, name: str, taken: dict[str, DocPath]) -> bool:
        """A component's or saga's Python name: its module in `impl/` and its parameter of the app."""
        problem = check_snake(name)
        if not problem and name in APP_NAMES:
            problem = f"'{name}' is a name the generated app module uses"
        if not problem and name in taken:
            if taken[name][1] == path[1]:
                return False  # the same Restate name twice: reported as a duplicate
            other = ".".join(str(part) for part in taken[name][:2])
            problem = f"the Python name '{name}' is also that of {other}"
            self.binder.error(
                unit,
                path,
                problem,
                "set 'python_name' on one of them",
                code="clash",
                key=path[-1] != "python_name",
            )
            return False
        if problem:
            self.binder.error(unit, path, problem, code="name", key=path[-1] != "python_name")
            return False
        taken[name] = path
        return True

    def _declare_imports(self, unit: Unit) -> None:
        """The aliases of `unit`, each bound to the package it imports or marked broken."""
        importer = self.binder.by_path.get(unit.path)
        if importer is None:
            return
        found = dict(unit.imports)
        for alias in unit.document.imports:
            problem = check_snake(alias)
            if problem:
                self.binder.error(unit, ("imports", alias), problem, code="name", key=True)
            if alias not in found:
                importer.broken.add(alias)  # the file is missing, reported by sources
        for alias, target in unit.imports:
            target_scope = self.binder.by_path.get(target)
            if target_scope is not None:
                importer.aliases[alias] = target_scope.package
            else:
                importer.broken.add(alias)  # the imported file has errors of its own, reported there

    def _check_sub_packages(self) -> None:
        """`shop.models` beside `shop`: its folder and the models module of `shop` share a name."""
        for package, scope in self.binder.scopes.items():
            parent, _, last = package.rpartition(".")
            if parent in self.binder.scopes and last in GENERATED_MODULES:
                self.binder.error(
                    scope.unit,
                    ("package",),
                    f"package '{package}' clashes with the '{last}' module generated for package '{parent}'",
                    code="name",
                )

    def _declare_pruned(self, scope: Scope) -> None:
        """Declarations left out for structural errors still exist: references to them stay quiet."""
        for section, name in scope.unit.pruned:
            if section in ("types", "events"):
                scope.types[name] = BROKEN
            elif section == "errors":
                scope.errors.add(name)
            elif section in ("services", "objects", "workflows"):
                scope.broken_components.add(name)

    def _check_package_name(self, unit: Unit) -> None:
        """A package name must be importable: dotted identifiers, no keyword, not hiding the
        standard library or the runtime, parts short enough for file names."""
        doc = unit.document
        if not PACKAGE.match(doc.package):
            suggestion = re.sub(r"[^a-z0-9_.]+", "_", doc.package.lower()).strip("_")
            self.binder.error(
                unit,
                ("package",),
                f"'{doc.package}' is not a dotted Python package name",
                f"lowercase words separated by dots, like '{suggestion}'"
                if PACKAGE.match(suggestion)
                else "lowercase words separated by dots, like 'shop.orders'",
                code="name",
            )
        elif keywords := [part for part in doc.package.split(".") if keyword.iskeyword(part)]:
            self.binder.error(
                unit,
                ("package",),
                f"'{doc.package}' cannot be imported: '{keywords[0]}' is a Python keyword",
                code="name",
            )
        elif (top := doc.package.split(".")[0]) in TAKEN_TOP_LEVEL:
            self.binder.error(
                unit,
                ("package",),
                f"'{doc.package}' cannot be imported: '{top}' is a module of Python or of restagen's runtime",
                f"start with a name of your own, like 'myapp.{doc.package}'",
                code="name",
            )
        elif len(longest := max(doc.package.split("."), key=len)) > MAX_NAME:
            self.binder.error(
                unit,
                ("package",),
                f"a package name part of {len(longest)} characters is too long (at most {MAX_NAME})",
                code="name",
            )

    def _check_pascal(self, unit: Unit, path: DocPath, name: str) -> None:
        problem = check_pascal(name)
        if problem:
            self.binder.error(unit, path, problem, code="name", key=True)

    def _check_global_names(self) -> None:
        """Restate service names are global: two components or sagas may not share one."""
        seen: dict[str, str] = {}
        for scope in self.binder.scopes.values():
            doc = scope.unit.document
            for section in ("services", "objects", "workflows", "sagas"):
                for name in getattr(doc, section):
                    where = f"{section}.{name} in {scope.unit.display}"
                    if name in seen:
                        self.binder.error(
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

    def package(self, scope: Scope) -> ir.Package:
        unit, doc = scope.unit, scope.unit.document
        generated: dict[str, DocPath] = {}

        def claim(
            name: str,
            path: DocPath,
            what: str,
            hint: str = "both would be the same class in the generated models; rename one of them",
        ) -> None:
            if name in generated:
                self.binder.error(
                    unit,
                    path,
                    f"{what} '{name}' clashes with {_origin(generated[name], name)}",
                    hint,
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
            fields = self.binder.fields(scope, edef.properties, ("events", name, "properties"))
            types.append(ir.ObjectType(name, fields, edef.description, origin="event"))
            events.append(ir.EventDecl(name, ir.Named(scope.package, name), "", edef.description))
        errors = [self._error_decl(scope, name, errdef, types, claim) for name, errdef in doc.errors.items()]

        components = []
        for section, kind in (("services", "service"), ("objects", "object"), ("workflows", "workflow")):
            for name, cdef in getattr(doc, section).items():
                components.append(self.components.component(scope, kind, name, cdef, types, claim))  # type: ignore[arg-type]
        sagas = [self.sagas.saga(scope, name, sdef) for name, sdef in doc.sagas.items()]
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
            unknown_fields=doc.unknown_fields if doc.unknown_fields == "reject" else None,
        )

    def _error_decl(
        self, scope: Scope, name: str, errdef: language.ErrorDef, types: list[ir.TypeDecl], claim: Any
    ) -> ir.ErrorDecl:
        """An error, and the type of its details added to `types`."""
        details = f"{name}Details"
        claim(details, ("errors", name), "error details type")
        for field_name in errdef.properties:
            if field_name in _ERROR_ATTRIBUTES:
                self.binder.error(
                    scope.unit,
                    ("errors", name, "properties", field_name),
                    f"'{field_name}' would shadow an attribute of the generated exception class",
                    "rename the field",
                    code="name",
                    key=True,
                )
        fields = self.binder.fields(scope, errdef.properties, ("errors", name, "properties"))
        types.append(ir.ObjectType(details, fields, f"The fields of {name}.", origin="error"))
        return ir.ErrorDecl(name, errdef.code, ir.Named(scope.package, details), errdef.description)

    def _union_tags(self, scope: Scope) -> dict[str, tuple[tuple[str, str], ...]]:
        """Discriminator fields that tagged unions add to their member types."""
        tags: dict[str, list[tuple[str, str]]] = {}
        for name, tdef in scope.unit.document.types.items():
            if tdef.union is None or tdef.discriminator is None:
                continue
            for index, member in enumerate(tdef.union):
                path = ("types", name, "union", index)
                if scope.types.get(member) == BROKEN:
                    continue
                if scope.types.get(member) != "object" or "." in member:
                    self.binder.error(
                        scope.unit,
                        path,
                        f"member '{member}' of a tagged union must be an object type of this package",
                        "use a union without 'discriminator' to combine other types",
                    )
                    continue
                props = scope.unit.document.types[member].properties or {}
                if tdef.discriminator in props:
                    self.binder.error(
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
        self, scope: Scope, name: str, tdef: language.TypeDef, tags: tuple[tuple[str, str], ...]
    ) -> ir.TypeDecl | None:
        path: DocPath = ("types", name)
        shapes = [k for k in ("properties", "enum", "union") if getattr(tdef, k) is not None]
        if len(shapes) != 1:
            found = ", ".join(shapes) if shapes else "none"
            self.binder.error(
                scope.unit,
                path,
                f"a type has exactly one of 'properties', 'enum', 'union' (found: {found})",
                "an object with no fields is written 'properties: {}'",
            )
            return None
        if tdef.discriminator is not None and tdef.union is None:
            self.binder.error(scope.unit, (*path, "discriminator"), "'discriminator' applies only to a union")
        if tdef.enum is not None:
            return self._enum(scope, name, tdef, path)
        if tdef.union is not None:
            members = [self.binder.bind(scope, m, (*path, "union", i)) for i, m in enumerate(tdef.union)]
            if len(tdef.union) < 2:
                self.binder.error(scope.unit, (*path, "union"), "a union needs at least two members")
            if tdef.discriminator is not None and (problem := check_field_name(tdef.discriminator)):
                self.binder.error(scope.unit, (*path, "discriminator"), problem, code="name")
            return ir.UnionType(
                name,
                tuple(m for m in members if m is not None),  # type: ignore[misc]
                tdef.discriminator,
                tdef.description,
            )
        fields = self.binder.fields(scope, tdef.properties or {}, (*path, "properties"))
        return ir.ObjectType(name, fields, tdef.description, tags=tags)

    def _enum(self, scope: Scope, name: str, tdef: language.TypeDef, path: DocPath) -> ir.EnumType:
        values = tdef.enum or []
        if not values:
            self.binder.error(scope.unit, (*path, "enum"), "an enum needs at least one value")
        seen: set[str] = set()
        for index, value in enumerate(values):
            if not ENUM_VALUE.match(value) or value in ("mro",) or value.startswith("_"):
                self.binder.error(
                    scope.unit,
                    (*path, "enum", index),
                    f"enum value '{value}' must be an identifier (letters, digits and '_')",
                    code="name",
                )
            if value in seen:
                self.binder.error(
                    scope.unit, (*path, "enum", index), f"duplicate enum value '{value}'", code="duplicate"
                )
            seen.add(value)
        return ir.EnumType(name, tuple(values), tdef.description)


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
    packages = [resolver.package(scope) for scope in resolver.binder.scopes.values()]
    program = ir.Program(tuple(sorted(packages, key=lambda p: p.name)))
    resolver.sagas.check_sagas(program)
    resolver.components.check_discriminators(program)
    if diagnostics.has_errors:
        return None
    return _with_event_versions(program)


def _with_event_versions(program: ir.Program) -> ir.Program:
    from dataclasses import replace

    packages = []
    for package in program.packages:
        events = tuple(replace(e, version=event_version(program, e.type)) for e in package.events)
        packages.append(replace(package, events=events))
    return ir.Program(tuple(packages))
