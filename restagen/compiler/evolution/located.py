"""A schema set loaded and resolved, with the position of each of its elements.

The IR holds no positions, so a `SchemaSet` keeps beside the program each package's source map
and the document path of each declared type: a type's fields, enum values and union members are
located from there. Loading runs the compiler's own front ends and resolver, so a broken schema
gives the usual diagnostics. `label` renames files in positions: the old schemas of a git
revision are read from a temporary folder but shown as `REVISION:path`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from restagen.compiler import ir
from restagen.compiler.frontends.load import DocPath, SourceMap
from restagen.compiler.frontends.sources import load_units
from restagen.compiler.heap import paused_collection
from restagen.compiler.resolve.resolver import resolve
from restagen.diagnostics import Diagnostics, Position

__all__ = ["EMPTY", "Label", "Loc", "SchemaSet", "component_path", "handler_path", "load_schema_set"]

Label = Callable[[Path], str | None]
"""The name to show for a file (by absolute path), or None to show it as usual."""


@dataclass(frozen=True)
class Loc:
    """An element of a schema set: its package and its path in that package's document."""

    package: str
    path: DocPath
    key: bool = True
    """Point at the element's key (`name:`) rather than at its value."""

    def child(self, *parts: str | int, key: bool = True) -> Loc:
        return Loc(self.package, (*self.path, *parts), key)


@dataclass(frozen=True)
class SchemaSet:
    program: ir.Program
    maps: dict[str, SourceMap] = field(default_factory=dict)
    """Package name -> the source map of its file."""
    decls: dict[tuple[str, str], DocPath] = field(default_factory=dict)
    """(package, type name) -> the document path declaring the type."""

    def position(self, loc: Loc) -> Position:
        smap = self.maps.get(loc.package)
        if smap is None:
            return Position(loc.package)
        return smap.position(loc.path, key=loc.key)

    def decl(self, ref: ir.Named) -> Loc:
        return Loc(ref.package, self.decls.get((ref.package, ref.name), ("types", ref.name)))


EMPTY = SchemaSet(ir.Program(()))


def component_path(component: ir.Component) -> DocPath:
    return (f"{component.kind}s", component.name)


def handler_path(component: ir.Component, handler: ir.Handler) -> DocPath:
    if component.kind == "workflow" and handler.kind == "workflow":
        return (*component_path(component), "run")
    return (*component_path(component), "handlers", handler.name)


def load_schema_set(
    paths: list[Path], diagnostics: Diagnostics, label: Label | None = None
) -> SchemaSet | None:
    """Load and resolve `paths`; None when any error was reported (into `diagnostics`)."""
    found = Diagnostics()
    with paused_collection():
        units = load_units(paths, found)
        program = resolve(units, found) if units else ir.Program(())
    if label is not None:
        found = _relabelled(found, label)
    diagnostics.extend(found.items)
    if found.has_errors or program is None:
        return None
    maps = {}
    for unit in units:
        shown = label(unit.path) if label is not None else None
        maps[unit.document.package] = replace(unit.source_map, file=shown) if shown else unit.source_map
    return SchemaSet(program, maps, _declarations(program))


def _relabelled(diagnostics: Diagnostics, label: Label) -> Diagnostics:
    result = Diagnostics()
    for diagnostic in diagnostics.items:
        shown = label((Path.cwd() / diagnostic.position.file).resolve())
        if shown is not None:
            diagnostic = replace(diagnostic, position=replace(diagnostic.position, file=shown))
        result.add(diagnostic)
    return result


def _declarations(program: ir.Program) -> dict[tuple[str, str], DocPath]:
    """Where each type is declared: under `types`, `events` or `errors`, or in place as the inline
    input or output of a handler."""
    decls: dict[tuple[str, str], DocPath] = {}
    for package in program.packages:
        for decl in package.types:
            decls[(package.name, decl.name)] = ("types", decl.name)
        for event in package.events:
            decls[(package.name, event.name)] = ("events", event.name)
        for error in package.errors:
            decls[(package.name, error.details.name)] = ("errors", error.name)
        for component in package.components:
            for handler in component.handlers:
                for side, ref in (("input", handler.input), ("output", handler.output)):
                    if isinstance(ref, ir.Named) and ref.package == package.name:
                        decl = package.type(ref.name)
                        if isinstance(decl, ir.ObjectType) and decl.origin == "inline":
                            decls[(package.name, ref.name)] = (*handler_path(component, handler), side)
    return decls
