"""Python annotations for IR type references, with the imports they need.

Computed here, printed by templates: `Annotation("list[Money]", {("ftgo.common.models", "Money")})`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from restagen.compiler import ir

__all__ = ["Annotation", "Imports", "annotation"]

_PRIMITIVES: dict[str, tuple[str, tuple[str, str] | None]] = {
    "string": ("str", None),
    "int": ("int", None),
    "float": ("float", None),
    "bool": ("bool", None),
    "bytes": ("bytes", None),
    "datetime": ("datetime", ("datetime", "datetime")),
    "date": ("date", ("datetime", "date")),
    "time": ("time", ("datetime", "time")),
    "duration": ("timedelta", ("datetime", "timedelta")),
    "uuid": ("UUID", ("uuid", "UUID")),
    "decimal": ("Decimal", ("decimal", "Decimal")),
    "any": ("Any", ("typing", "Any")),
}


@dataclass
class Imports:
    """`from module import name` lines, collected and printed sorted."""

    names: set[tuple[str, str]] = field(default_factory=set)

    def add(self, module: str, name: str) -> None:
        self.names.add((module, name))

    def lines(self) -> list[str]:
        by_module: dict[str, set[str]] = {}
        for module, name in self.names:
            by_module.setdefault(module, set()).add(name)
        return [f"from {m} import {', '.join(sorted(n))}" for m, n in sorted(by_module.items())]


@dataclass(frozen=True)
class Annotation:
    text: str


def annotation(ref: ir.TypeRef, imports: Imports, *, package: str) -> Annotation:
    """The annotation of `ref` in a module of `package`; named types come from their models module."""
    if isinstance(ref, ir.Primitive):
        text, needed = _PRIMITIVES[ref.name]
        if needed:
            imports.add(*needed)
        return Annotation(text)
    if isinstance(ref, ir.Named):
        imports.add(".models" if ref.package == package else f"{ref.package}.models", ref.name)
        return Annotation(ref.name)
    if isinstance(ref, ir.ListOf):
        return Annotation(f"list[{annotation(ref.item, imports, package=package).text}]")
    if isinstance(ref, ir.MapOf):
        return Annotation(f"dict[str, {annotation(ref.value, imports, package=package).text}]")
    if isinstance(ref, ir.Nullable):
        return Annotation(f"{annotation(ref.inner, imports, package=package).text} | None")
    return Annotation(" | ".join(annotation(m, imports, package=package).text for m in ref.members))
