"""Structural comparison of two types: what changed between an old type and a new one.

The comparison walks both types together, following named types into their declarations in
their own schema set (a pair already being compared is not entered again, so recursive types
end), and yields one `Change` per difference: a field added or removed, made optional or
required, an enum value or union member added or removed, a constraint tightened or loosened, a
type widened, narrowed or replaced. A change says nothing about whether it breaks: that depends
on which way values travel (`flows`). Types are matched by their wire form, not their Python
names: a named type may move to another package, and an enum value is its text.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from restagen.compiler import ir
from restagen.compiler.evolution.located import Loc, SchemaSet

__all__ = ["Change", "Kind", "compare_fields", "compare_types", "describe"]


class Kind(enum.Enum):
    """What changed, from the old type to the new one."""

    REPLACED = "replaced"
    """A type no value of which is a value of the other (string -> int, an object -> a list)."""
    WIDENED = "widened"
    """The new type holds every old value and more (int -> float, T -> T?, T -> any)."""
    NARROWED = "narrowed"
    """The reverse of WIDENED."""
    FIELD_ADDED_REQUIRED = "field-added-required"
    FIELD_ADDED_OPTIONAL = "field-added-optional"
    FIELD_REMOVED_REQUIRED = "field-removed-required"
    FIELD_REMOVED_OPTIONAL = "field-removed-optional"
    MADE_OPTIONAL = "made-optional"
    MADE_REQUIRED = "made-required"
    VALUE_ADDED = "value-added"
    """An enum value or union member was added."""
    VALUE_REMOVED = "value-removed"
    TIGHTENED = "tightened"
    """A constraint admits fewer values."""
    LOOSENED = "loosened"
    RECONSTRAINED = "reconstrained"
    """A constraint admits other values: a changed pattern, neither tighter nor looser."""


@dataclass(frozen=True)
class Change:
    kind: Kind
    path: str
    """Where in the compared value: `.items[].sku`, appended to the path of the compared element."""
    detail: str
    old: Loc | None
    new: Loc | None


_WIDER = {("int", "float")}
"""Primitive pairs (narrow, wide) where every JSON value of the first decodes as the second."""


def compare_types(
    old_set: SchemaSet, new_set: SchemaSet, old: ir.TypeRef, new: ir.TypeRef, old_loc: Loc, new_loc: Loc
) -> list[Change]:
    """Every change from `old` (of `old_set`) to `new` (of `new_set`)."""
    return list(_Walk(old_set, new_set).types(old, new, "", old_loc, new_loc))


def describe(ref: ir.TypeRef) -> str:
    """A type as the language writes it, without package names."""
    if isinstance(ref, ir.Named):
        return ref.name
    if isinstance(ref, ir.ListOf):
        return f"list[{describe(ref.item)}]"
    if isinstance(ref, ir.MapOf):
        return f"map[{describe(ref.value)}]"
    if isinstance(ref, ir.Nullable):
        return f"{describe(ref.inner)}?"
    if isinstance(ref, ir.UnionOf):
        return " | ".join(describe(m) for m in ref.members)
    return ref.name


class _Walk:
    """One comparison: `seen` holds the pairs of named types entered, so each is walked once."""

    def __init__(self, old_set: SchemaSet, new_set: SchemaSet) -> None:
        self.old_set = old_set
        self.new_set = new_set
        self.seen: set[tuple[ir.Named, ir.Named]] = set()

    def types(self, old: ir.TypeRef, new: ir.TypeRef, path: str, ol: Loc, nl: Loc) -> Iterator[Change]:
        if isinstance(old, ir.Nullable) or isinstance(new, ir.Nullable):
            yield from self._nullable(old, new, path, ol, nl)
        elif _is_any(old) or _is_any(new):
            if _is_any(old) != _is_any(new):
                kind = Kind.WIDENED if _is_any(new) else Kind.NARROWED
                yield Change(kind, path, f"{describe(old)} -> {describe(new)}, {kind.value}", ol, nl)
        elif self._is_union(old, self.old_set) or self._is_union(new, self.new_set):
            yield from self._union(old, new, path, ol, nl)
        elif isinstance(old, ir.ListOf) and isinstance(new, ir.ListOf):
            yield from self.types(old.item, new.item, f"{path}[]", ol, nl)
        elif isinstance(old, ir.MapOf) and isinstance(new, ir.MapOf):
            yield from self.types(old.value, new.value, f"{path}{{}}", ol, nl)
        elif isinstance(old, ir.Primitive) and isinstance(new, ir.Primitive):
            yield from self._primitive(old, new, path, ol, nl)
        elif isinstance(old, ir.Named) and isinstance(new, ir.Named):
            yield from self._named(old, new, path)
        else:
            yield Change(Kind.REPLACED, path, f"{describe(old)} -> {describe(new)}", ol, nl)

    def _nullable(self, old: ir.TypeRef, new: ir.TypeRef, path: str, ol: Loc, nl: Loc) -> Iterator[Change]:
        old_inner = old.inner if isinstance(old, ir.Nullable) else old
        new_inner = new.inner if isinstance(new, ir.Nullable) else new
        if isinstance(old, ir.Nullable) != isinstance(new, ir.Nullable):
            kind = Kind.WIDENED if isinstance(new, ir.Nullable) else Kind.NARROWED
            what = "may be null now" if kind is Kind.WIDENED else "may no longer be null"
            yield Change(kind, path, f"{describe(old)} -> {describe(new)}, {what}", ol, nl)
        yield from self.types(old_inner, new_inner, path, ol, nl)

    def _primitive(
        self, old: ir.Primitive, new: ir.Primitive, path: str, ol: Loc, nl: Loc
    ) -> Iterator[Change]:
        if old.name == new.name:
            return
        detail = f"{old.name} -> {new.name}"
        if (old.name, new.name) in _WIDER:
            yield Change(Kind.WIDENED, path, f"{detail}, widened", ol, nl)
        elif (new.name, old.name) in _WIDER:
            yield Change(Kind.NARROWED, path, f"{detail}, narrowed", ol, nl)
        else:
            yield Change(Kind.REPLACED, path, detail, ol, nl)

    def _is_union(self, ref: ir.TypeRef, schemas: SchemaSet) -> bool:
        return isinstance(ref, ir.UnionOf) or (
            isinstance(ref, ir.Named) and isinstance(schemas.program.type(ref), ir.UnionType)
        )

    def _members(
        self, ref: ir.TypeRef, schemas: SchemaSet, loc: Loc
    ) -> tuple[dict[str, tuple[ir.TypeRef, Loc]], str | None]:
        """The members of a union (or a type as a union of one) by wire name, where each is written,
        and the union's discriminator."""
        if isinstance(ref, ir.UnionOf):
            return {describe(m): (m, loc) for m in ref.members}, None
        if isinstance(ref, ir.Named):
            decl = schemas.program.type(ref)
            if isinstance(decl, ir.UnionType):
                at = schemas.decl(ref)
                members: dict[str, tuple[ir.TypeRef, Loc]] = {
                    m.name: (m, at.child("union", i, key=False)) for i, m in enumerate(decl.members)
                }
                return members, decl.discriminator
        return {describe(ref): (ref, loc)}, None

    def _union(self, old: ir.TypeRef, new: ir.TypeRef, path: str, ol: Loc, nl: Loc) -> Iterator[Change]:
        old_members, old_tag = self._members(old, self.old_set, ol)
        new_members, new_tag = self._members(new, self.new_set, nl)
        if old_tag != new_tag:
            tags = f"discriminator {old_tag or 'none'} -> {new_tag or 'none'}"
            yield Change(Kind.REPLACED, path, f"{describe(old)} -> {describe(new)}: {tags}", ol, nl)
            return
        for name, (_, at) in old_members.items():
            if name not in new_members:
                yield Change(Kind.VALUE_REMOVED, path, f"union member {name} removed", at, None)
        for name, (ref, at) in new_members.items():
            if name not in old_members:
                yield Change(Kind.VALUE_ADDED, path, f"union member {name} added", None, at)
            else:
                old_ref, old_at = old_members[name]
                yield from self.types(old_ref, ref, path, old_at, at)

    def _named(self, old: ir.Named, new: ir.Named, path: str) -> Iterator[Change]:
        if (old, new) in self.seen:
            return
        self.seen.add((old, new))
        old_decl, new_decl = self.old_set.program.type(old), self.new_set.program.type(new)
        ol, nl = self.old_set.decl(old), self.new_set.decl(new)
        if isinstance(old_decl, ir.ObjectType) and isinstance(new_decl, ir.ObjectType):
            yield from self._object(old_decl, new_decl, path, ol, nl)
        elif isinstance(old_decl, ir.EnumType) and isinstance(new_decl, ir.EnumType):
            yield from self._enum(old_decl, new_decl, path, ol, nl)
        else:
            detail = f"{old.name} ({_shape(old_decl)}) -> {new.name} ({_shape(new_decl)})"
            yield Change(Kind.REPLACED, path, detail, ol, nl)

    def _enum(self, old: ir.EnumType, new: ir.EnumType, path: str, ol: Loc, nl: Loc) -> Iterator[Change]:
        for index, value in enumerate(old.values):
            if value not in new.values:
                yield Change(
                    Kind.VALUE_REMOVED,
                    path,
                    f"enum value {value} removed",
                    ol.child("enum", index, key=False),
                    None,
                )
        for index, value in enumerate(new.values):
            if value not in old.values:
                yield Change(
                    Kind.VALUE_ADDED,
                    path,
                    f"enum value {value} added",
                    None,
                    nl.child("enum", index, key=False),
                )

    def _object(
        self, old: ir.ObjectType, new: ir.ObjectType, path: str, ol: Loc, nl: Loc
    ) -> Iterator[Change]:
        if old.tags != new.tags:
            detail = f"{old.name} -> {new.name}: tagged {dict(old.tags)} -> {dict(new.tags)}"
            yield Change(Kind.REPLACED, path, detail, ol, nl)
        old_fields = {f.name: f for f in old.fields}
        new_fields = {f.name: f for f in new.fields}
        for name, fld in old_fields.items():
            at = ol.child("properties", name)
            if name not in new_fields:
                required = _required(fld)
                kind = Kind.FIELD_REMOVED_REQUIRED if required else Kind.FIELD_REMOVED_OPTIONAL
                what = f"{'required' if required else 'optional'} field {name} removed"
                yield Change(kind, f"{path}.{name}", what, at, None)
        for name, fld in new_fields.items():
            at = nl.child("properties", name)
            if name not in old_fields:
                required = _required(fld)
                kind = Kind.FIELD_ADDED_REQUIRED if required else Kind.FIELD_ADDED_OPTIONAL
                what = f"new {'required' if required else 'optional'} field {name}"
                yield Change(kind, f"{path}.{name}", what, None, at)
            else:
                yield from self.field(
                    old_fields[name], fld, f"{path}.{name}", ol.child("properties", name), at
                )

    def field(self, old: ir.Field, new: ir.Field, path: str, ol: Loc, nl: Loc) -> Iterator[Change]:
        """A field (or state key, or promise) present on both sides."""
        if _required(old) and not _required(new):
            yield Change(Kind.MADE_OPTIONAL, path, f"{new.name} made optional", ol, nl)
        elif _required(new) and not _required(old):
            yield Change(Kind.MADE_REQUIRED, path, f"{new.name} made required", ol, nl)
        yield from self.types(old.type, new.type, path, ol, nl)
        yield from _constraints(old, new, path, ol, nl)


def compare_fields(
    old_set: SchemaSet, new_set: SchemaSet, old: ir.Field, new: ir.Field, path: str, ol: Loc, nl: Loc
) -> list[Change]:
    """Every change of a field present on both sides: optionality, type and constraints."""
    return list(_Walk(old_set, new_set).field(old, new, path, ol, nl))


def _required(fld: ir.Field) -> bool:
    return not fld.optional and not fld.has_default


def _is_any(ref: ir.TypeRef) -> bool:
    return isinstance(ref, ir.Primitive) and ref.name == "any"


def _shape(decl: ir.TypeDecl) -> str:
    if isinstance(decl, ir.EnumType):
        return "an enum"
    if isinstance(decl, ir.UnionType):
        return "a union"
    return "an object"


_LOWER = ("min", "min_length")
_UPPER = ("max", "max_length")


def _constraints(old: ir.Field, new: ir.Field, path: str, ol: Loc, nl: Loc) -> Iterator[Change]:
    before: dict[str, Any] = dict(old.constraints)
    after: dict[str, Any] = dict(new.constraints)
    for key in sorted(set(before) | set(after)):
        was, now = before.get(key), after.get(key)
        if was == now:
            continue
        detail = f"{key} {_show(was)} -> {_show(now)}"
        at = nl.child(key) if now is not None else nl
        if was is None or now is None:
            kind = Kind.TIGHTENED if was is None else Kind.LOOSENED
        elif key in _LOWER:
            kind = Kind.TIGHTENED if now > was else Kind.LOOSENED
        elif key in _UPPER:
            kind = Kind.TIGHTENED if now < was else Kind.LOOSENED
        else:
            kind = Kind.RECONSTRAINED
        yield Change(kind, path, f"{detail}, {_CONSTRAINT_WORDS[kind]}", ol, at)


_CONSTRAINT_WORDS = {Kind.TIGHTENED: "tightened", Kind.LOOSENED: "loosened", Kind.RECONSTRAINED: "changed"}


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # `min: 1` is read as 1.0
    return str(value)
