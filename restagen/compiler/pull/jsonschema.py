"""JSON Schema (2020-12, as Restate's admin API serves a handler's input and output) read as the
types of the definition language.

One `Types` per pulled file collects the named types: each `$defs` entry, and each anonymous
object or enum, hoisted under a name made from where it was found (`QuoteRequest`,
`QuoteResponseCurrency`). A `$defs` entry met again in another handler's schema is one type when
it says the same, and a numbered one when it does not. What the language cannot say becomes `any`
(any JSON) with a warning naming the service, the handler and the JSON pointer; a validation
keyword it cannot keep is dropped with a warning. Nothing here raises on a schema, however odd.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from restagen.compiler.resolve.names import check_field_name, check_pascal

__all__ = ["Translator", "Types"]

# JavaScript's safe-integer bounds, which zod writes on every integer: an artefact of JS numbers.
_JS_SAFE = 2**53 - 1
_FORMATS = {"date-time": "datetime", "date": "date", "time": "time", "uuid": "uuid", "duration": "duration"}
# Keywords that only annotate, or that the translation reads where they apply.
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "$defs",
        "definitions",
        "title",
        "description",
        "default",
        "examples",
        "readOnly",
        "writeOnly",
        "deprecated",
        "contentMediaType",
    }
)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")

Warn = Callable[[str, str], None]
"""Reports a problem: (JSON pointer, message)."""


def _pointer(base: str, *parts: str | int) -> str:
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "/".join((base, *escaped))


def _type_name(text: str) -> str:
    """A PascalCase type name from any text: `line_item` -> `LineItem`, `Plan` stays."""
    words = re.split(r"[^A-Za-z0-9]+", text)
    name = "".join(w[:1].upper() + w[1:] for w in words if w)
    if not name or not name[0].isalpha():
        name = f"T{name}"
    return name if check_pascal(name) is None else f"{name}Type"


class Types:
    """The named types of one pulled file, each name given once."""

    def __init__(self) -> None:
        self.decls: dict[str, dict[str, Any]] = {}
        self._reserved: set[str] = set()
        self._tags: set[str] = set()  # enums of tag fields that tagged unions replace
        self.read: dict[tuple[str, str], str] = {}
        """What each definition was read as, by its name and the text of what it uses."""

    def reserve(self, base: str) -> str:
        """A free name from `base`: itself, else `base2`, `base3`..."""
        name, number = _type_name(base), 1
        stem = name
        while name in self._reserved:
            number += 1
            name = f"{stem}{number}"
        self._reserved.add(name)
        return name

    def release(self, name: str) -> None:
        """Give back a reserved name that was not used after all."""
        self._reserved.discard(name)

    def settle(self, name: str, decl: dict[str, Any], stem: str) -> str:
        """Declare `decl` as `name`, or give `name` back when a type of the same stem says the same."""
        for other, existing in self.decls.items():
            # A type that refers to itself names itself: compared as if it had the other's name.
            same = existing in (decl, _renamed(decl, name, other))
            if same and re.fullmatch(rf"{re.escape(_type_name(stem))}\d*", other):
                self._reserved.discard(name)
                # Types hoisted from inside it while it was being read may name it: they name the other.
                self.decls = {k: _renamed(d, name, other) for k, d in self.decls.items()}
                return other
        self.decls[name] = decl
        return name

    def sorted(self) -> dict[str, dict[str, Any]]:
        """The declarations by name, each tagged union written with the language's `discriminator`
        where its tags are what the language's would be (see `_tagged`)."""
        for name, decl in list(self.decls.items()):
            if "discriminator" in decl and not self._tagged(decl):
                self.decls[name] = {k: v for k, v in decl.items() if k != "discriminator"}
        used = {name for decl in self.decls.values() for name in _references(decl)}
        return dict(sorted((k, v) for k, v in self.decls.items() if k in used or k not in self._tags))

    def _tagged(self, union: dict[str, Any]) -> bool:
        """Whether every member of `union` is an object whose tag field is a one-value enum of its
        own type name, written by no other union: then the language's discriminator says the same,
        and the tag fields leave the members (the union sets them)."""
        tag = union["discriminator"]
        names: list[str] = union["union"]
        shared = sum(1 for d in self.decls.values() if set(d.get("union", ())) & set(names)) > 1
        members = [self.decls[m] for m in names if "properties" in self.decls.get(m, {})]
        if shared or len(members) != len(names):
            return False
        for name, member in zip(names, members, strict=True):
            spec = member["properties"].get(tag)
            expr = spec["type"] if isinstance(spec, dict) else spec
            if expr not in self.decls or self.decls[expr].get("enum") != [name]:
                return False
            self._tags.add(expr)
        for name, member in zip(names, members, strict=True):
            fields = {k: v for k, v in member["properties"].items() if k != tag}
            self.decls[name] = {**member, "properties": fields}
        return True


class Translator:
    """Reads the schemas of one handler's input or output, adding their types to `types`."""

    def __init__(self, types: Types, root: Any, warn: Warn) -> None:
        self.types = types
        self.root = root if isinstance(root, dict) else {}
        self.warn = warn
        self._defs: dict[str, str] = {}  # $ref -> the type name it was given

    def use(self, schema: Any, hint: str) -> str | dict[str, Any]:
        """A handler's input or output: a type expression, or the full form with constraints."""
        expr, extra = self.expr(schema, "#", hint)
        described = isinstance(schema, dict) and isinstance(schema.get("description"), str)
        if described and "$ref" not in schema and not _is_hoisted(schema):
            extra = {**extra, "description": schema["description"]}
        return _spec(expr, extra)

    def expr(self, schema: Any, ptr: str, hint: str) -> tuple[str, dict[str, Any]]:
        """The type expression of `schema` and the constraints on it (`min`, `pattern`...)."""
        if schema is True or schema == {}:
            return "any", {}
        if not isinstance(schema, dict):
            self.warn(ptr, "a schema that accepts nothing: pulled as any JSON")
            return "any", {}
        composed = self._composed(schema, ptr, hint)
        if composed is not None:
            return composed
        if "const" in schema:
            return self._enum([schema["const"]], ptr, hint, schema)
        if "enum" in schema:
            return self._enum(schema["enum"], ptr, hint, schema)
        kind = schema.get("type")
        if isinstance(kind, list):
            return self._types(schema, kind, ptr, hint)
        if kind is None:
            if isinstance(schema.get("properties"), dict):
                kind = "object"
            elif "items" in schema:
                kind = "array"
            else:
                self._unkept(schema, ptr, set())
                return "any", {}
        return self._typed(schema, kind, ptr, hint)

    def _composed(self, schema: dict[str, Any], ptr: str, hint: str) -> tuple[str, dict[str, Any]] | None:
        """A reference, a union or another composition of schemas; None for a schema of its own."""
        if "$ref" in schema:
            return self._ref(schema["$ref"], ptr), {}
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return self._union(schema[key], _pointer(ptr, key), hint), {}
        if "allOf" in schema:
            members = schema["allOf"]
            if isinstance(members, list) and len(members) == 1:
                return self.expr(members[0], _pointer(ptr, "allOf", 0), hint)
            return self._any(ptr, "'allOf' of several schemas cannot be expressed")
        for key in ("not", "if", "then", "else", "dependentSchemas", "$dynamicRef"):
            if key in schema:
                return self._any(ptr, f"'{key}' cannot be expressed")
        return None

    def _any(self, ptr: str, why: str) -> tuple[str, dict[str, Any]]:
        self.warn(ptr, f"{why}: pulled as any JSON")
        return "any", {}

    def _unkept(self, schema: dict[str, Any], ptr: str, read: set[str]) -> None:
        for key in sorted(set(schema) - read - _ANNOTATIONS - {"type"}):
            self.warn(
                _pointer(ptr, key), f"'{key}' is not kept: the definition language has no such constraint"
            )

    def _ref(self, ref: Any, ptr: str) -> str:
        if not isinstance(ref, str):
            return self._any(_pointer(ptr, "$ref"), "a reference that is no text")[0]
        if ref in self._defs:
            return self._defs[ref]
        match = re.fullmatch(r"#/(\$defs|definitions)/([^/]+)", ref) if isinstance(ref, str) else None
        defs = self.root.get(match.group(1)) if match else None
        target = defs.get(match.group(2)) if isinstance(defs, dict) and match else None
        if match is None or target is None:
            self.warn(ptr, f"the reference {ref!r} is outside the schema: pulled as any JSON")
            return "any"
        stem = match.group(2).replace("~1", "/").replace("~0", "~")
        # The same definition, with the same definitions it uses, read for another handler: one type.
        key = (stem, _closure(defs if isinstance(defs, dict) else {}, match.group(2)))
        if key in self.types.read:
            self._defs[ref] = self.types.read[key]
            return self._defs[ref]
        name = self.types.reserve(stem)
        self._defs[ref] = name
        decl = self._decl(target, _pointer("#", match.group(1), stem), stem)
        if decl is None:  # not an object, enum or union: the reference stands for its type
            self.types.release(name)
            expr, extra = self.expr(target, _pointer("#", match.group(1), stem), name)
            if extra:
                self.warn(ptr, "constraints of a referenced type are not kept")
            self._defs[ref] = self.types.read[key] = expr
            return expr
        settled = self.types.settle(name, decl, stem)
        self._defs[ref] = self.types.read[key] = settled
        return settled

    def _decl(self, schema: Any, ptr: str, name: str) -> dict[str, Any] | None:
        """The declaration of a named type (object, enum or union), or None for another schema;
        `name` is what the types it hoists are named after."""
        if not isinstance(schema, dict):
            return None
        description = schema.get("description") if isinstance(schema.get("description"), str) else None
        head = {"description": description} if description else {}
        if _is_object(schema):
            properties = self._properties(schema, ptr, name)
            return None if properties is None else {**head, "properties": properties}
        if "enum" in schema or "const" in schema:
            values = schema["enum"] if "enum" in schema else [schema["const"]]
            checked = self._enum_values(values, ptr)
            return None if checked is None or None in values else {**head, "enum": checked}
        members = schema.get("oneOf", schema.get("anyOf"))
        if isinstance(members, list) and not any(_is_null(m) for m in members) and len(members) > 1:
            key = "oneOf" if "oneOf" in schema else "anyOf"
            union = [self.expr(m, _pointer(ptr, key, i), f"{name}{i + 1}")[0] for i, m in enumerate(members)]
            if all(_named(u) for u in union):
                tag = schema.get("discriminator", {})
                tag = tag.get("propertyName") if isinstance(tag, dict) else None
                return {**head, "union": union, **({"discriminator": tag} if isinstance(tag, str) else {})}
        return None

    def _properties(self, schema: dict[str, Any], ptr: str, name: str) -> dict[str, Any] | None:
        properties = schema.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        listed = schema.get("required")
        required = {r for r in listed if isinstance(r, str)} if isinstance(listed, list) else set()
        fields: dict[str, Any] = {}
        for key in sorted(properties):
            at = _pointer(ptr, "properties", key)
            problem = check_field_name(key)
            if problem:
                self.warn(at, f"{problem}: the object is pulled as any JSON")
                return None
            fields[key] = self._field(properties[key], at, f"{name}{_type_name(key)}", key in required)
        extra = schema.get("additionalProperties")
        if extra not in (None, False, True) and fields:
            self.warn(
                _pointer(ptr, "additionalProperties"), "extra properties beside declared ones are not kept"
            )
        if "patternProperties" in schema:
            self.warn(_pointer(ptr, "patternProperties"), "'patternProperties' is not kept")
        return fields

    def _field(self, schema: Any, ptr: str, hint: str, required: bool) -> str | dict[str, Any]:
        expr, extra = self.expr(schema, ptr, hint)
        if isinstance(schema, dict):
            if isinstance(schema.get("description"), str) and not _is_hoisted(schema):
                extra = {"description": schema["description"], **extra}
            if "default" in schema and not (schema["default"] is None and expr.endswith("?")):
                if self._default_fits(schema["default"], expr):
                    extra = {**extra, "default": schema["default"]}
                else:
                    self.warn(_pointer(ptr, "default"), "the default does not fit the type: not kept")
        if not required and "default" not in extra:
            expr = _nullable(expr)
        return _spec(expr, extra)

    def _default_fits(self, value: Any, expr: str) -> bool:
        """Whether `value` is a default the language accepts for `expr` (else it is dropped)."""
        base = expr.removesuffix("?")
        if value is None:
            return expr.endswith("?")
        if base in self.types.decls:
            return value in self.types.decls[base].get("enum", [])
        kinds: dict[str, tuple[type, ...]] = {
            "string": (str,),
            "int": (int,),
            "float": (int, float),
            "bool": (bool,),
        }
        if base in kinds:
            return isinstance(value, kinds[base]) and (base == "bool" or not isinstance(value, bool))
        return (base.startswith("list[") and value == []) or (base.startswith("map[") and value == {})

    def _union(self, members: Any, ptr: str, hint: str) -> str:
        if not isinstance(members, list) or not members:
            return self._any(ptr, "an empty union cannot be expressed")[0]
        nullable = any(_is_null(m) for m in members)
        rest = [(i, m) for i, m in enumerate(members) if not _is_null(m)]
        if not rest:
            return self._any(ptr, "a union of null alone cannot be expressed")[0]
        if len(rest) == 1:
            expr, extra = self.expr(rest[0][1], _pointer(ptr, rest[0][0]), hint)
            if extra:
                self.warn(_pointer(ptr, rest[0][0]), "constraints inside a union are not kept")
        else:
            exprs: list[str] = []
            for i, member in rest:
                member_expr, extra = self.expr(member, _pointer(ptr, i), f"{hint}{i + 1}")
                if extra:
                    self.warn(_pointer(ptr, i), "constraints inside a union are not kept")
                plain = member_expr.removesuffix("?").removeprefix("(").removesuffix(")")
                exprs.extend(e for e in plain.split(" | ") if e not in exprs)
            expr = " | ".join(exprs)
            if "any" in exprs:
                expr = "any"
        return _nullable(expr) if nullable else expr

    def _types(
        self, schema: dict[str, Any], kinds: list[Any], ptr: str, hint: str
    ) -> tuple[str, dict[str, Any]]:
        rest = [k for k in kinds if k != "null"]
        if len(rest) == 1:
            expr, extra = self._typed(schema, rest[0], ptr, hint)
        elif not rest:
            return self._any(ptr, "the type null alone cannot be expressed")
        else:
            exprs = [self._typed({"type": k}, k, ptr, hint)[0] for k in rest]
            expr, extra = " | ".join(dict.fromkeys(exprs)), {}
            self._unkept(schema, ptr, set())
        return (_nullable(expr) if "null" in kinds else expr), extra

    def _typed(self, schema: dict[str, Any], kind: Any, ptr: str, hint: str) -> tuple[str, dict[str, Any]]:
        if kind == "string":
            return self._string(schema, ptr)
        if kind in ("integer", "number"):
            return self._number(schema, kind, ptr)
        if kind == "boolean":
            self._unkept(schema, ptr, set())
            return "bool", {}
        if kind == "array":
            return self._array(schema, ptr, hint)
        if kind == "object":
            return self._object(schema, ptr, hint)
        if kind == "null":
            return self._any(ptr, "the type null alone cannot be expressed")
        return self._any(_pointer(ptr, "type"), f"the type {kind!r} is unknown")

    def _string(self, schema: dict[str, Any], ptr: str) -> tuple[str, dict[str, Any]]:
        read = {"format", "contentEncoding"}
        if schema.get("contentEncoding") == "base64":
            self._unkept(schema, ptr, read)
            return "bytes", {}
        text_format = schema.get("format")
        mapped = _FORMATS.get(text_format) if isinstance(text_format, str) else None
        if mapped is not None:  # the type checks the text; a pattern written for it is redundant
            self._unkept(schema, ptr, read | {"pattern"})
            return mapped, {}
        extra: dict[str, Any] = {}
        for key, ours in (("minLength", "min_length"), ("maxLength", "max_length")):
            if isinstance(schema.get(key), int):
                extra[ours] = schema[key]
                read.add(key)
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            read.add("pattern")
            try:
                re.compile(pattern)
                extra["pattern"] = pattern
            except (re.error, RecursionError):
                self.warn(_pointer(ptr, "pattern"), "the pattern is no Python regular expression: not kept")
        self._unkept(schema, ptr, read)
        return "string", extra

    def _number(self, schema: dict[str, Any], kind: str, ptr: str) -> tuple[str, dict[str, Any]]:
        extra: dict[str, Any] = {}
        read: set[str] = set()
        for key, ours, step in (
            ("minimum", "min", 0),
            ("maximum", "max", 0),
            ("exclusiveMinimum", "min", 1),
            ("exclusiveMaximum", "max", -1),
        ):
            value = schema.get(key)
            if not isinstance(value, int | float) or isinstance(value, bool):
                continue
            if kind == "integer" and abs(value) == _JS_SAFE:
                read.add(key)
                continue
            if step and not (kind == "integer" and float(value).is_integer()):
                continue  # an exclusive bound on a number: reported as not kept
            read.add(key)
            extra[ours] = int(value) + step if step else value
        self._unkept(schema, ptr, read)
        return ("int" if kind == "integer" else "float"), extra

    def _array(self, schema: dict[str, Any], ptr: str, hint: str) -> tuple[str, dict[str, Any]]:
        if "prefixItems" in schema:
            return self._any(_pointer(ptr, "prefixItems"), "a tuple ('prefixItems') cannot be expressed")
        item, extra = self.expr(schema.get("items", True), _pointer(ptr, "items"), f"{hint}Item")
        if extra:
            self.warn(_pointer(ptr, "items"), "constraints on the items of a list are not kept")
        sizes: dict[str, Any] = {}
        for key, ours in (("minItems", "min_length"), ("maxItems", "max_length")):
            if isinstance(schema.get(key), int):
                sizes[ours] = schema[key]
        self._unkept(schema, ptr, {"items", "minItems", "maxItems"})
        return f"list[{item}]", sizes

    def _object(self, schema: dict[str, Any], ptr: str, hint: str) -> tuple[str, dict[str, Any]]:
        if _is_object(schema):
            hint = _titled(schema, hint)
            name = self.types.reserve(hint)
            decl = self._decl(schema, ptr, hint)
            if decl is None:
                self.types.release(name)
                return "any", {}
            self._unkept(schema, ptr, {"properties", "required", "additionalProperties", "patternProperties"})
            return self.types.settle(name, decl, hint), {}
        if "patternProperties" in schema:
            return self._any(_pointer(ptr, "patternProperties"), "'patternProperties' cannot be expressed")
        value = schema.get("additionalProperties", True)
        item = (
            "any"
            if value is True
            else self.expr(value, _pointer(ptr, "additionalProperties"), f"{hint}Value")[0]
        )
        names = schema.get("propertyNames")
        if names not in (None, {"type": "string"}):
            self.warn(_pointer(ptr, "propertyNames"), "constraints on the keys of a map are not kept")
        sizes = {
            ours: schema[key]
            for key, ours in (("minProperties", "min_length"), ("maxProperties", "max_length"))
            if isinstance(schema.get(key), int)
        }
        read = {
            "additionalProperties",
            "propertyNames",
            "minProperties",
            "maxProperties",
            "properties",
            "required",
        }
        self._unkept(schema, ptr, read)
        return f"map[{item}]", sizes

    def _enum(self, values: Any, ptr: str, hint: str, schema: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if not isinstance(values, list) or not values:
            return self._any(ptr, "an empty enum cannot be expressed")
        nullable = None in values
        rest = [v for v in values if v is not None]
        checked = self._enum_values(rest, ptr) if rest else None
        if checked is None:
            return ("any" if not rest or not all(isinstance(v, str) for v in rest) else "string"), {}
        hint = _titled(schema, hint)
        name = self.types.reserve(hint)
        description = schema.get("description") if isinstance(schema.get("description"), str) else None
        decl = {**({"description": description} if description else {}), "enum": checked}
        expr = self.types.settle(name, decl, hint)
        return (_nullable(expr) if nullable else expr), {}

    def _enum_values(self, values: Any, ptr: str) -> list[str] | None:
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values if v is not None):
            self.warn(ptr, "an enum of values other than strings: pulled as any JSON")
            return None
        strings = list(dict.fromkeys(v for v in values if v is not None))
        if not all(_IDENTIFIER.match(v) and not v.startswith("_") and v != "mro" for v in strings):
            self.warn(ptr, "enum values that are not identifiers: pulled as a string")
            return None
        return strings


def _closure(defs: dict[str, Any], name: str) -> str:
    """The canonical text of definition `name` and of every definition it uses, directly or not."""
    seen: dict[str, Any] = {}
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen or current not in defs:
            continue
        seen[current] = defs[current]
        text = json.dumps(defs[current], sort_keys=True)
        pending.extend(re.findall(r'"#/(?:\$defs|definitions)/([^"/]+)"', text))
    return json.dumps(seen, sort_keys=True)


def _renamed(decl: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """`decl` with the type `old` called `new` in its fields' and members' type expressions."""

    def rename(expr: str) -> str:
        return re.sub(rf"\b{re.escape(old)}\b", new, expr)

    renamed = dict(decl)
    if "union" in decl:
        renamed["union"] = [rename(m) for m in decl["union"]]
    if "properties" in decl:
        renamed["properties"] = {
            key: {**spec, "type": rename(spec["type"])} if isinstance(spec, dict) else rename(spec)
            for key, spec in decl["properties"].items()
        }
    return renamed


def _references(decl: dict[str, Any]) -> set[str]:
    """The names of the types a declaration's fields and members use."""
    exprs = list(decl.get("union", []))
    for spec in decl.get("properties", {}).values():
        exprs.append(spec["type"] if isinstance(spec, dict) else spec)
    return {name for expr in exprs for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", expr)}


def _titled(schema: dict[str, Any], hint: str) -> str:
    """The name a hoisted type gets: after its `title` when it has one (pydantic titles models by
    their class: `SagaState[Data]` -> `SagaStateData`), else `hint`, made from where it was found."""
    title = schema.get("title")
    return _type_name(title) if isinstance(title, str) and re.search(r"[A-Za-z]", title) else hint


def _spec(expr: str, extra: dict[str, Any]) -> str | dict[str, Any]:
    return {"type": expr, **extra} if extra else expr


def _nullable(expr: str) -> str:
    if expr == "any" or expr.endswith("?"):
        return expr
    return f"({expr})?" if "|" in expr else f"{expr}?"


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and (
        schema.get("type") == "null" or ("const" in schema and schema["const"] is None)
    )


def _is_object(schema: dict[str, Any]) -> bool:
    properties = schema.get("properties")
    return isinstance(properties, dict) and bool(properties) and schema.get("type", "object") == "object"


def _is_hoisted(schema: dict[str, Any]) -> bool:
    """Whether the schema becomes a named type, which carries its description itself."""
    return _is_object(schema) or "enum" in schema or "const" in schema


def _named(expr: str) -> bool:
    return re.fullmatch(r"[A-Z][A-Za-z0-9]*", expr) is not None
