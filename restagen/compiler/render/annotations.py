"""Python annotations for IR type references, with the imports they need.

Computed here, printed by templates: `Annotation("list[Money]", {("ftgo.common.models", "Money")})`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from restagen.compiler import ir

__all__ = ["PRIMITIVE_CLASSES", "Annotation", "Imports", "annotation"]

_PRIMITIVES: dict[str, tuple[str, tuple[str, str] | None]] = {
    "string": ("str", None),
    "int": ("int", None),
    "float": ("float", None),
    "bool": ("bool", None),
    "bytes": ("bytes", None),
    # Aware, held in UTC and written with `Z`; a `datetime` for a type checker.
    "datetime": ("UtcDatetime", ("restagen.runtime", "UtcDatetime")),
    "date": ("date", ("datetime", "date")),
    "time": ("time", ("datetime", "time")),
    "duration": ("timedelta", ("datetime", "timedelta")),
    "uuid": ("UUID", ("uuid", "UUID")),
    "decimal": ("Decimal", ("decimal", "Decimal")),
    "any": ("Any", ("typing", "Any")),
}
PRIMITIVE_CLASSES = frozenset(needed[1] for _, needed in _PRIMITIVES.values() if needed)
"""The classes that primitives' annotations import: `UUID`, `Decimal`, `datetime`..."""


@dataclass
class Imports:
    """The imports of one module, collected while its names are decided and printed sorted.

    Names from one module share a line (`from .models import Order, OrderDetails`), which ruff
    wraps only when it is too long.
    """

    names: set[tuple[str, str]] = field(default_factory=set)
    modules: set[str] = field(default_factory=set)
    typing_names: set[tuple[str, str]] = field(default_factory=set)
    """Names only annotations use: imported for type checkers, under `if TYPE_CHECKING:`."""

    def add(self, module: str, name: str) -> None:
        """`from module import name`."""
        self.names.add((module, name))

    def add_for_typing(self, module: str, name: str) -> None:
        """`from module import name` under `if TYPE_CHECKING:`, unless it is imported anyway."""
        self.typing_names.add((module, name))

    def add_module(self, module: str) -> None:
        """`import module`."""
        self.modules.add(module)

    def update(self, other: Imports) -> Imports:
        self.names |= other.names
        self.modules |= other.modules
        self.typing_names |= other.typing_names
        return self

    def copy(self) -> Imports:
        return Imports(set(self.names), set(self.modules), set(self.typing_names))

    def from_subpackage(self) -> Imports:
        """The same imports written in a subpackage: `.models` becomes `..models`."""
        return Imports({(f".{m}" if m.startswith(".") else m, n) for m, n in self.names}, set(self.modules))

    def lines(self) -> list[str]:
        typing_only = bool(self.typing_lines())
        names = self.names | {("typing", "TYPE_CHECKING")} if typing_only else self.names
        return [f"import {m}" for m in sorted(self.modules)] + _from_lines(names)

    def typing_lines(self) -> list[str]:
        """The imports of the `if TYPE_CHECKING:` block (none: no block)."""
        return _from_lines(self.typing_names - self.names)


def _from_lines(names: set[tuple[str, str]]) -> list[str]:
    by_module: dict[str, set[str]] = {}
    for module, name in names:
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
