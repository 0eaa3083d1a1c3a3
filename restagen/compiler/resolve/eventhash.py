"""Event versions: a hash of an event's canonical structure.

The structure is the event's fields sorted by name, each with its type written out in full (named
types expanded, recursively): changing a field anywhere in it changes the version; reordering keys
in the schema or renaming the package does not.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from restagen.compiler import ir

__all__ = ["event_version"]


def _canonical(program: ir.Program, ref: ir.TypeRef, seen: frozenset[ir.Named]) -> Any:
    if isinstance(ref, ir.Primitive):
        return ref.name
    if isinstance(ref, ir.ListOf):
        return ["list", _canonical(program, ref.item, seen)]
    if isinstance(ref, ir.MapOf):
        return ["map", _canonical(program, ref.value, seen)]
    if isinstance(ref, ir.Nullable):
        return ["nullable", _canonical(program, ref.inner, seen)]
    if isinstance(ref, ir.UnionOf):
        return ["union", sorted((_canonical(program, m, seen) for m in ref.members), key=json.dumps)]
    if ref in seen:
        return ["recursive", ref.name]
    decl = program.type(ref)
    inner = seen | {ref}
    if isinstance(decl, ir.EnumType):
        return ["enum", sorted(decl.values)]
    if isinstance(decl, ir.UnionType):
        members = sorted((_canonical(program, m, inner) for m in decl.members), key=json.dumps)
        return ["union", decl.discriminator, members]
    fields = sorted(
        [
            f.name,
            _canonical(program, f.type, inner),
            f.optional,
            sorted(f.constraints),
            f.has_default,
            f.default,
        ]
        for f in decl.fields
    )
    return ["object", sorted(decl.tags), fields]


def event_version(program: ir.Program, ref: ir.Named) -> str:
    structure = json.dumps(_canonical(program, ref, frozenset()), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(structure.encode()).hexdigest()[:16]
