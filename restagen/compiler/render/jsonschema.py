"""JSON Schema of a package's types, built from the IR, as datamodel-code-generator's input.

Types of other packages are referenced through `x-python-import`, so the models module imports
them from their own package instead of defining them again; so is the runtime's `UtcDatetime`,
the type of a `datetime` (aware, held in UTC, written with `Z`).

A field that may be absent (`T?`) is one that is not required, of type T: the models render it as
`T | None = None`, and the base class leaves None out of what it writes. A field that may be null
(`T | null`) is required, of type T or null: `T | None` without a default, always written.
"""

from __future__ import annotations

from typing import Any

from restagen.compiler import ir

__all__ = ["package_schema", "type_schema"]

_PRIMITIVES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "bytes": {"type": "string", "format": "binary"},
    "date": {"type": "string", "format": "date"},
    "time": {"type": "string", "format": "time"},
    "duration": {"type": "string", "format": "duration"},
    "uuid": {"type": "string", "format": "uuid"},
    "decimal": {"type": "string", "format": "decimal"},
    "any": {},
}

_CONSTRAINTS = {"min": "minimum", "max": "maximum", "pattern": "pattern"}


_DATETIME = ("restagen.runtime", "UtcDatetime")

External = dict[str, tuple[str, str]]
"""`$defs` key -> (module, name) of a type the models module imports."""


def _imported(module: str, name: str, external: External) -> dict[str, Any]:
    key = f"{module}.{name}"
    external[key] = (module, name)
    return {"$ref": f"#/$defs/{key}"}


def type_schema(ref: ir.TypeRef, package: str, external: External) -> dict[str, Any]:
    if isinstance(ref, ir.Primitive):
        if ref.name == "datetime":
            return _imported(*_DATETIME, external)
        return dict(_PRIMITIVES[ref.name])
    if isinstance(ref, ir.Named):
        if ref.package == package:
            return {"$ref": f"#/$defs/{ref.name}"}
        return _imported(f"{ref.package}.models", ref.name, external)
    if isinstance(ref, ir.ListOf):
        return {"type": "array", "items": type_schema(ref.item, package, external)}
    if isinstance(ref, ir.MapOf):
        return {"type": "object", "additionalProperties": type_schema(ref.value, package, external)}
    if isinstance(ref, ir.Nullable):
        return {"anyOf": [type_schema(ref.inner, package, external), {"type": "null"}]}
    return {"anyOf": [type_schema(m, package, external) for m in ref.members]}


def _field_schema(fld: ir.Field, package: str, external: External) -> dict[str, Any]:
    # Constraints bound the value, not its null: on T of `T | null`.
    nullable = isinstance(fld.type, ir.Nullable)
    value_type = fld.type.inner if isinstance(fld.type, ir.Nullable) else fld.type
    schema = type_schema(value_type, package, external)
    for key, value in fld.constraints:
        if key in ("min_length", "max_length"):
            container = isinstance(value_type, ir.ListOf | ir.MapOf)
            name = {"min_length": "min", "max_length": "max"}[key]
            if isinstance(value_type, ir.MapOf):
                schema[f"{name}Properties"] = value
            else:
                schema[f"{name}Items" if container else f"{name}Length"] = value
        else:
            schema[_CONSTRAINTS[key]] = value
    if nullable and fld.constraints and isinstance(schema.get("type"), str):
        schema["type"] = [schema["type"], "null"]  # read as `Annotated[T | None, Field(...)]`
    elif nullable:
        schema = {"anyOf": [schema, {"type": "null"}]}
    # An optional field is simply not required: the models render it as `T | None = None`,
    # keeping its constraints on T (wrapping it in anyOf with null would lose them).
    if fld.has_default:
        schema["default"] = fld.default
    if fld.description:
        schema["description"] = fld.description
    return schema


def _object_schema(decl: ir.ObjectType, package: str, external: External) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field_name, value in decl.tags:
        properties[field_name] = {"const": value}
        required.append(field_name)
    for fld in decl.fields:
        properties[fld.name] = _field_schema(fld, package, external)
        if not fld.optional and not fld.has_default:
            required.append(fld.name)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def package_schema(package: ir.Package) -> dict[str, Any]:
    """A JSON Schema document whose `$defs` are the package's types, in declaration order."""
    external: External = {}
    defs: dict[str, Any] = {}
    for decl in package.types:
        if isinstance(decl, ir.ObjectType):
            schema = _object_schema(decl, package.name, external)
        elif isinstance(decl, ir.EnumType):
            schema = {"type": "string", "enum": list(decl.values)}
        else:
            members = [type_schema(m, package.name, external) for m in decl.members]
            if decl.discriminator:
                mapping = {m.name: f"#/$defs/{m.name}" for m in decl.members if isinstance(m, ir.Named)}
                schema = {
                    "oneOf": members,
                    "discriminator": {"propertyName": decl.discriminator, "mapping": mapping},
                }
            else:
                schema = {"anyOf": members}
        if decl.description:
            schema["description"] = decl.description
        defs[decl.name] = schema
    for key, (module, name) in sorted(external.items()):
        defs[key] = {"x-python-import": {"module": module, "name": name}}
    return {"$defs": defs}
