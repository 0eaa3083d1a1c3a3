"""The BSON codec (`serde: bson`), for the optional extra `restagen[bson]` (the bson package of pymongo).

A BSON document must be a mapping, so every value travels wrapped as `{"v": value}`. The value is
first dumped by pydantic (by schema names), then made BSON-able with representations chosen to
round-trip exactly: BSON's own datetime keeps only milliseconds and no offset, so datetimes, dates,
times and durations travel as ISO 8601 strings; decimals as Decimal128 when that is exact (at most 34
digits, exponent in range), otherwise as their string; uuids as binary subtype 4; bytes as binary
subtype 0; ints as int32/int64. Values BSON cannot hold (ints beyond 64 bits, NUL in a map key) are
refused at encoding with a `CodecError` naming the field; nothing is silently altered.

Speed: the walk that makes a value BSON-able dispatches on the exact type of each value and keeps
no path (the path of a refused value is found by walking again, on failure only); decoding turns
Decimal128 back into Decimal inside bson's decoder, with no walk at all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, Final, TypeVar, overload

try:
    import bson
    from bson.binary import UuidRepresentation
    from bson.codec_options import CodecOptions, TypeDecoder, TypeRegistry
    from bson.decimal128 import Decimal128
    from bson.errors import BSONError
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "BsonCodec needs the bson package of pymongo: install the extra `restagen[bson]`"
    ) from exc
from pydantic import ValidationError
from pydantic_core import to_jsonable_python

from restagen.runtime._core.codecs import Codec, CodecError, describe_validation_error

__all__ = ["BsonCodec"]

T = TypeVar("T")

_KEY: Final = "v"
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1


class _DecimalDecoder(TypeDecoder):
    bson_type = Decimal128

    def transform_bson(self, value: Any) -> Any:
        return value.to_decimal()


_OPTIONS: Final[CodecOptions[dict[str, Any]]] = CodecOptions(
    document_class=dict,
    tz_aware=True,
    tzinfo=UTC,
    uuid_representation=UuidRepresentation.STANDARD,
    type_registry=TypeRegistry([_DecimalDecoder()]),
)


class BsonCodec(Codec[T]):
    """BSON through pydantic and pymongo's bson: exact round trip for every type of the language."""

    media_type = "application/bson"

    @overload
    def __init__(self: BsonCodec[T], type_: type[T]) -> None: ...
    @overload
    def __init__(self, type_: Any) -> None: ...
    def __init__(self, type_: Any) -> None:
        super().__init__(type_)
        adapter = self.adapter
        self._to_python: Callable[..., Any] = (
            self._serializer.to_python if self._serializer is not None else adapter.dump_python
        )
        self._from_python: Callable[[Any], T] = (
            self._validator.validate_python if self._validator is not None else adapter.validate_python
        )

    def encode(self, value: T) -> bytes:
        data = self._to_python(value, by_alias=True)
        try:
            converted = _fast(data)
        except CodecError:
            converted = _to_bson(data, ())  # raises again, naming the field
        document = {_KEY: converted}
        try:
            return bson.encode(document, codec_options=_OPTIONS)
        except (BSONError, ValueError, TypeError, OverflowError) as exc:
            raise CodecError(f"value: cannot be written as BSON: {exc}") from exc

    def decode(self, data: bytes) -> T:
        try:
            document = bson.decode(data, codec_options=_OPTIONS)
        except (BSONError, ValueError, TypeError, OverflowError) as exc:
            raise CodecError(f"value: not a BSON document: {exc}") from exc
        if set(document) != {_KEY}:
            raise CodecError(f"value: expected a BSON document with the single key {_KEY!r}")
        try:
            return self._from_python(document[_KEY])
        except ValidationError as exc:
            raise CodecError(describe_validation_error(exc)) from exc


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


def _decimal(value: Decimal) -> Decimal128 | str:
    # Decimal128 keeps the coefficient and exponent (so 1E+2 and -0.000 stay as written) within
    # 34 digits; beyond that, or where it would clamp the exponent, the string is exact.
    _sign, digits, exponent = value.as_tuple()
    if len(digits) <= 34 and type(exponent) is int and -6176 <= exponent <= 6111:
        return Decimal128(value)  # fits as it is: no check needed
    try:
        packed = Decimal128(value)
    except ArithmeticError:
        return str(value)
    return packed if packed.to_decimal().compare_total(value) == 0 else str(value)


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
