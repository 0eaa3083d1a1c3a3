"""The BSON codec (`serde: bson`), for the optional extra `restagen[bson]` (the bson package of pymongo).

A BSON document must be a mapping, so every value travels wrapped as `{"v": value}`. Values take
representations chosen to round-trip exactly: BSON's own datetime keeps only milliseconds and no
offset, so datetimes, dates, times and durations travel as ISO 8601 strings; a value the schema
types as a decimal as its string (exact, and read back by pydantic-core as fast as in JSON); a
decimal the schema does not announce (in an `any` value, in a member of an untagged union), or
of a strict field, as Decimal128 when that is exact (at most 34 digits, exponent in range), so that it comes back a
decimal, else as its string; uuids as binary subtype 4; bytes as binary subtype 0; ints as int32/int64. Both decimal
forms are read wherever a decimal is expected. Values BSON cannot hold (ints beyond 64 bits, NUL in
a map key) are refused at encoding with a `CodecError` naming the field; nothing is silently altered.

Speed: pydantic-core dumps and validates plain Python values and bson's C extension writes and
reads them; Python touches only the values BSON would not keep exactly. Once per type, the codec
reads pydantic's core schema of the type into a plan: which keys of which dumped dicts hold
datetimes, dates, times, durations, decimals, uuids or `Any`, and so need converting; a type without
such values is written with no walk in Python. Where the plan cannot tell (unions whose members
need converting and carry no tag, custom serializers, recursive types) the value is walked by
exact type. A refused
value is found by walking again with a path, on failure only, so that the error names the field.

Decoding honours `unknown_fields` as JSON's does, but reads scalars as pydantic's python mode
does: strict validation there would refuse the strings that datetimes and decimals travel as, and
pydantic-core reuses each model's own validator, so no stricter copy of a type can be built.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Context, Decimal
from enum import Enum
from typing import Any, Final, TypeVar, overload
from uuid import UUID

try:
    import bson
    from bson.binary import Binary, UuidRepresentation
    from bson.codec_options import CodecOptions
    from bson.decimal128 import Decimal128
    from bson.errors import BSONError
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "BsonCodec needs the bson package of pymongo: install the extra `restagen[bson]`"
    ) from exc
from pydantic import ValidationError
from pydantic_core import to_jsonable_python

from restagen.runtime._core.codecs import (
    Codec,
    CodecError,
    UnknownFields,
    describe_validation_error,
    holds_datetime,
    is_model,
    validated_first,
)

__all__ = ["BsonCodec"]

T = TypeVar("T")

_KEY: Final = "v"
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_BSON_ERRORS: Final = (BSONError, ValueError, TypeError, OverflowError)


# Decimal128 values come back as bson's Decimal128: the plan turns them into Decimal where a decimal
# (or `Any`) is expected, without bson's registry of decoders (which slows every document down).
_OPTIONS: Final[CodecOptions[dict[str, Any]]] = CodecOptions(
    document_class=dict,
    tz_aware=True,
    tzinfo=UTC,
    uuid_representation=UuidRepresentation.STANDARD,
)
# Decoding leaves uuids as bson's Binary (subtype 4): pydantic-core reads a uuid field from its 16
# bytes faster than bson makes a UUID; the plan turns them into UUIDs where the type does not say.
_DECODE_OPTIONS: Final[CodecOptions[dict[str, Any]]] = CodecOptions(
    document_class=dict,
    tz_aware=True,
    tzinfo=UTC,
    uuid_representation=UuidRepresentation.UNSPECIFIED,
)
_Convert = Callable[[Any], Any]
# The type byte of a Decimal128 element: a document without this byte holds none.
_DECIMAL128: Final = b"\x13"


class BsonCodec(Codec[T]):
    """BSON through pydantic and pymongo's bson: exact round trip for every type of the language."""

    media_type = "application/bson"

    @overload
    def __init__(self: BsonCodec[T], type_: type[T], *, unknown_fields: UnknownFields = "ignore") -> None: ...
    @overload
    def __init__(self, type_: Any, *, unknown_fields: UnknownFields = "ignore") -> None: ...
    def __init__(self, type_: Any, *, unknown_fields: UnknownFields = "ignore") -> None:
        super().__init__(type_, unknown_fields=unknown_fields)
        adapter = self._use_adapter()
        self._to_python: Callable[..., Any] = (
            self._serializer.to_python if self._serializer is not None else adapter.dump_python
        )
        self._from_python: Callable[..., T] = adapter.validate_python  # until planned
        # The plan is read on first use: a type with a forward reference is complete only then.
        self._planned = False
        self._to_bson: _Convert | None = None
        self._from_bson: _Convert | None = None
        self._from_bson_always = True  # else only for documents holding a Decimal128

    def _plan(self) -> None:
        schema = self.adapter.core_schema
        # Built on first use like the plan, for the same reason.
        self._use_adapter()
        validate = (
            self._validator.validate_python if self._validator is not None else self.adapter.validate_python
        )
        self._from_python = validate  # `extra` is passed per call: cheaper than a partial's keywords
        if not is_model(self.type) and holds_datetime(schema):
            self._to_python = validated_first(self._to_python, self.adapter.validate_python)
        try:
            self._to_bson = _Plan(schema, _ENCODE).convert(schema)
            decoding = _Plan(schema, _DECODE)
            self._from_bson = decoding.convert(schema)
            self._from_bson_always = decoding.walks
        except Exception:  # a schema this cannot read: walk every value
            self._to_bson, self._from_bson, self._from_bson_always = _fast, _from_any, True
        self._planned = True

    def encode(self, value: T) -> bytes:
        if not self._planned:
            self._plan()
        data = self._to_python(value, by_alias=True)
        try:
            converted = data if self._to_bson is None else self._to_bson(data)
            return bson.encode({_KEY: converted}, codec_options=_OPTIONS)
        except (CodecError, *_BSON_ERRORS) as exc:
            _to_bson(self._to_python(value, by_alias=True), ())  # raises, naming the field
            raise CodecError(f"value: cannot be written as BSON: {exc}") from exc

    def decode(self, data: bytes) -> T:
        if not self._planned:
            self._plan()
        try:
            document = bson.decode(data, codec_options=_DECODE_OPTIONS)
        except _BSON_ERRORS as exc:
            raise CodecError(f"value: not a BSON document: {exc}") from exc
        if len(document) != 1 or _KEY not in document:
            raise CodecError(f"value: expected a BSON document with the single key {_KEY!r}")
        value = document[_KEY]
        if self._from_bson is not None and (self._from_bson_always or _DECIMAL128 in data):
            value = self._from_bson(value)
        try:
            return self._from_python(value, extra=self._extra)
        except ValidationError as exc:
            raise CodecError(describe_validation_error(exc)) from exc


# Decimal128, packed and unpacked here: bson's own conversions take about 10 µs each.
_EXACT: Final = Context(prec=34)
_LOW_64: Final = 2**64 - 1
_COEFFICIENT_HIGH: Final = 2**49 - 1
_MAX_COEFFICIENT: Final = 10**34 - 1
_PACK_BID: Final = struct.Struct("<QQ").pack


def _decimal(value: Decimal) -> Decimal128 | str:
    # Decimal128 keeps the coefficient and exponent (so 1E+2 and -0.000 stay as written) within
    # 34 digits; beyond that, or where it would clamp the exponent, the string is exact.
    sign, digits, exponent = value.as_tuple()
    if len(digits) <= 34 and type(exponent) is int and -6176 <= exponent <= 6111:
        coefficient = abs(int(value.scaleb(-exponent, _EXACT)))  # exact: at most 34 digits
        high = (sign << 63) | ((exponent + 6176) << 49) | (coefficient >> 64)
        return Decimal128.from_bid(_PACK_BID(coefficient & _LOW_64, high))
    try:
        packed = Decimal128(value)
    except ArithmeticError:
        return str(value)
    return packed if packed.to_decimal().compare_total(value) == 0 else str(value)


def _from_decimal128(value: Decimal128) -> Decimal:
    high, low = value.__getstate__()
    coefficient = ((high & _COEFFICIENT_HIGH) << 64) | low
    if (high >> 61) & 3 == 3 or coefficient > _MAX_COEFFICIENT:
        return value.to_decimal()  # infinities, NaNs and non-canonical encodings
    exponent = ((high >> 49) & 0x3FFF) - 6176
    return Decimal(f"{'-' if high >> 63 else ''}{coefficient}E{exponent}")  # exact: no context


def _identity(value: Any) -> Any:
    return value


def _fast_int(value: int) -> int:
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise CodecError("an int beyond 64 bits")
    return value


def _fast_dict(value: dict[Any, Any]) -> dict[str, Any]:
    document = {}
    for key, item in value.items():
        if type(key) is not str or "\x00" in key:
            raise CodecError("a key BSON cannot hold")
        document[key] = _fast(item)
    return document


def _fast_list(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [_fast(item) for item in value]


_BY_TYPE: Final[dict[type, Callable[[Any], Any]]] = {
    dict: _fast_dict,
    list: _fast_list,
    tuple: _fast_list,
    str: _identity,
    float: _identity,
    bool: _identity,
    bytes: _identity,
    type(None): _identity,
    int: _fast_int,
    Decimal: _decimal,
}


def _fast(value: Any) -> Any:
    """`_to_bson` without the path: plain values by their exact type, anything else through it."""
    convert = _BY_TYPE.get(type(value))
    return convert(value) if convert is not None else _to_bson(value, ())


def _where(path: tuple[str | int, ...]) -> str:
    return ".".join(str(part) for part in path) or "value"


def _to_bson(value: Any, path: tuple[str | int, ...]) -> Any:
    if isinstance(value, dict):
        document = {}
        for key, item in value.items():
            if not isinstance(key, str) or "\x00" in key:
                raise CodecError(f"{_where(path)}: BSON keys are strings without NUL, not {key!r}")
            document[key] = _to_bson(item, (*path, key))
        return document
    if isinstance(value, list | tuple):
        return [_to_bson(item, (*path, index)) for index, item in enumerate(value)]
    if value is None or isinstance(value, bool | float | str | bytes):
        # Enums are str subclasses: the plain value keeps bson's encoder to its own types.
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, Enum):
        return _to_bson(value.value, path)
    if isinstance(value, int):
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise CodecError(f"{_where(path)}: {value} does not fit BSON's 64-bit integers")
        return int(value)
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, datetime):
        return _datetime(value, path)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        if value.utcoffset() is not None and _sub_minute(value.utcoffset()):
            raise CodecError(f"{_where(path)}: a time's UTC offset must be whole minutes")
        return value.isoformat()
    if isinstance(value, timedelta):
        return to_jsonable_python(value)
    return value  # UUID and bytearray, which bson writes itself


def _sub_minute(offset: timedelta | None) -> bool:
    return offset is not None and (offset.seconds % 60 != 0 or offset.microseconds != 0)


def _datetime(value: datetime, path: tuple[str | int, ...]) -> str:
    # pydantic reads offsets in whole minutes only; an offset of seconds (historical zones' local
    # mean time) is written as the same instant in UTC rather than shifted.
    if _sub_minute(value.utcoffset()):
        try:
            value = value.astimezone(UTC)
        except OverflowError as exc:
            raise CodecError(f"{_where(path)}: {value} is out of range in UTC") from exc
    return value.isoformat()


def _from_any(value: Any) -> Any:
    """Where the type does not say: every Decimal128 as a Decimal, every Binary of subtype 4 as a UUID."""
    kind = type(value)
    if kind is Decimal128:
        return _from_decimal128(value)
    if kind is Binary and value.subtype == 4:
        return value.as_uuid(UuidRepresentation.STANDARD)
    if kind is dict:
        return {key: _from_any(item) for key, item in value.items()}
    if kind is list:
        return [_from_any(item) for item in value]
    return value


# The plan. A converter takes whatever it is handed (a union may hold another type than the plan
# expected, a document may be malformed) and leaves what it does not convert to the general walk
# or to validation. None means "nothing to convert".


def _encode_decimal(value: Any) -> Any:
    # The type says it is a decimal: its string is exact and pydantic-core reads it back as fast as
    # JSON's; packing Decimal128 in Python would cost more than the rest of a document.
    return str(value) if type(value) is Decimal else _fast(value)


def _encode_datetime(value: Any) -> Any:
    return _datetime(value, ()) if type(value) is datetime else _fast(value)


def _encode_uuid(value: Any) -> Any:
    # What bson writes for a UUID (binary subtype 4, RFC 4122 order), without its slower lookup.
    return Binary(value.bytes, 4) if type(value) is UUID else _fast(value)


def _decode_decimal(value: Any) -> Any:
    return _from_decimal128(value) if type(value) is Decimal128 else value


_ENCODE: Final[dict[str, _Convert | None]] = {
    "decimal": _encode_decimal,
    "uuid": _encode_uuid,
    "datetime": _encode_datetime,
    "date": _fast,
    "time": _fast,
    "timedelta": _fast,
    "any": _fast,
}
_DECODE: Final[dict[str, _Convert | None]] = {
    "decimal": _decode_decimal,
    "uuid": None,
    "datetime": None,
    "date": None,
    "time": None,
    "timedelta": None,
    "any": _from_any,
}
# Values pydantic-core dumps (python mode) as what bson writes and reads back unchanged.
_NATIVE: Final = frozenset({"str", "bool", "float", "bytes", "none", "int"})
_WRAPPERS: Final = frozenset({"nullable", "default", "function-after", "function-before", "model-field"})


class _Plan:
    """Reads a core schema into the converter of one direction (`_ENCODE` or `_DECODE`)."""

    def __init__(self, schema: Any, leaves: dict[str, _Convert | None]) -> None:
        self.leaves = leaves
        self.general: _Convert = _fast if leaves is _ENCODE else _from_any
        self.definitions: dict[str, Any] = {}
        self.visiting: set[str] = set()
        self.walks = False  # whether some value is left to the general walk
        # Inside an untagged union a uuid's 16 bytes could be taken for bytes or a string: there
        # the decoder makes it a UUID first.
        self.unions = 0
        self.strict = 0  # inside a model configured strict
        self._collect(schema)

    def _collect(self, node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "definitions":
                for definition in node["definitions"]:
                    self.definitions[definition["ref"]] = definition
            for key, item in node.items():
                if key != "metadata":
                    self._collect(item)
        elif isinstance(node, list | tuple):
            for item in node:
                self._collect(item)

    def convert(self, node: Mapping[str, Any]) -> _Convert | None:
        convert = self._convert(node)
        if convert is self.general or convert is _from_any:
            self.walks = True
        return convert

    def _convert(self, node: Mapping[str, Any]) -> _Convert | None:
        kind = node["type"]
        if "serialization" in node:
            return self.general  # a custom serializer: its output is not known here
        if kind in _NATIVE:
            return None
        if kind == "uuid" and self.unions and self.leaves is _DECODE:
            return self.general
        if kind == "decimal" and self.leaves is _ENCODE and (node.get("strict") or self.strict):
            return _fast  # strict validation takes no string: Decimal128, which decodes to a Decimal
        if kind in self.leaves:
            return self.leaves[kind]
        if kind == "literal":
            plain = all(type(item) in (str, int, bool, type(None)) for item in node["expected"])
            return None if plain else self.general
        if kind == "enum":  # bson writes subclasses of str and int as their plain values
            return None if node.get("sub_type") in ("str", "int") else self.general
        if kind in _WRAPPERS:
            return self.convert(node["schema"])
        if kind == "definitions":
            return self.convert(node["schema"])
        if kind == "definition-ref":
            ref = node["schema_ref"]
            if ref in self.visiting:
                return self.general  # a recursive type: walk it
            self.visiting.add(ref)
            try:
                return self.convert(self.definitions[ref])
            finally:
                self.visiting.discard(ref)
        if kind == "list":
            inner = self.convert(node["items_schema"]) if "items_schema" in node else self.general
            return None if inner is None else self._list(inner)
        if kind == "dict":
            inner = self.convert(node["values_schema"]) if "values_schema" in node else self.general
            return None if inner is None else self._dict(inner)
        if kind == "model":
            strict = bool(node.get("config", {}).get("strict"))
            self.strict += strict
            try:
                if node.get("root_model"):
                    return self.convert(node["schema"])
                return self._fields(node["schema"], "model-fields")
            finally:
                self.strict -= strict
        if kind == "typed-dict":
            return self._fields(node, "typed-dict")
        if kind == "tagged-union" and isinstance(node["discriminator"], str):
            return self._tagged(node["discriminator"], node["choices"])
        if kind in ("union", "tagged-union"):
            choices = node["choices"].values() if isinstance(node["choices"], dict) else node["choices"]
            schemas = [choice[0] if isinstance(choice, tuple) else choice for choice in choices]
            self.unions += 1
            try:
                converts = [self.convert(schema) for schema in schemas]
            finally:
                self.unions -= 1
            return None if all(convert is None for convert in converts) else self.general
        return self.general

    def _tagged(self, key: str, choices: Mapping[Any, Any]) -> _Convert | None:
        """A union told apart by a field: the member's converter, picked by the tag in the dict."""
        table = {tag: self.convert(schema) for tag, schema in choices.items()}
        if all(convert is None for convert in table.values()):
            return None
        general = self.general

        def tagged(value: Any) -> Any:
            if type(value) is dict:
                tag = value.get(key)
                if type(tag) in (str, int, bool) and tag in table:
                    convert = table[tag]
                    return value if convert is None else convert(value)
            return general(value)

        return tagged

    def _fields(self, node: Mapping[str, Any], kind: str) -> _Convert | None:
        if node.get("type") != kind or node.get("computed_fields") or node.get("extras_schema"):
            return self.general
        if node.get("extra_behavior") == "allow":
            return self.general
        pairs = []
        for name, field in node["fields"].items():
            convert = self.convert(field["schema"])
            if convert is not None:
                pairs.append((field.get("serialization_alias", name), convert))
        return None if not pairs else self._document(tuple(pairs))

    def _document(self, pairs: tuple[tuple[str, _Convert], ...]) -> _Convert:
        general = self.general
        if len(pairs) == 1:  # the common case of a line item: one decimal, one datetime
            ((only, convert_only),) = pairs

            def one(value: Any) -> Any:
                if type(value) is not dict:
                    return general(value)
                if only in value:
                    value[only] = convert_only(value[only])
                return value

            return one

        def document(value: Any) -> Any:
            if type(value) is not dict:
                return general(value)
            for key, convert in pairs:  # the dict is the dump's own or the decoder's own
                if key in value:
                    value[key] = convert(value[key])
            return value

        return document

    def _list(self, convert: _Convert) -> _Convert:
        general = self.general

        def each(value: Any) -> Any:
            return [convert(item) for item in value] if type(value) is list else general(value)

        return each

    def _dict(self, convert: _Convert) -> _Convert:
        general = self.general

        def each(value: Any) -> Any:
            if type(value) is not dict:
                return general(value)
            return {key: convert(item) for key, item in value.items()}

        return each
