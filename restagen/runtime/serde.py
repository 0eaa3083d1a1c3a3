"""Codecs: how a handler's input and output, a state value or a promise value travel as bytes.

`JsonCodec` (the default) reads and writes JSON with pydantic, by the schema's field names. A
codec is also a `restate.serde.Serde`, so it can be handed to the SDK wherever a serde is needed
(state, promises, awakeables, `run` results). Built once per type, at import of the generated
`codecs` module, never per call.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import ConfigDict, PydanticUserError, TypeAdapter, ValidationError
from restate.serde import Serde

__all__ = ["Codec", "CodecError", "JsonCodec"]

T = TypeVar("T")


class CodecError(ValueError):
    """Bytes that do not decode into the expected type; the message names the failing fields."""


def describe_validation_error(error: ValidationError) -> str:
    problems = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "value"
        problems.append(f"{where}: {item['msg']}")
    return "; ".join(problems)


_CONFIG = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")


def _adapter(type_: Any) -> TypeAdapter[Any]:
    """bytes travel as base64 in JSON, as in the generated models (any byte string round-trips)."""
    try:
        return TypeAdapter(type_, config=_CONFIG)
    except PydanticUserError:  # a model (or dataclass) brings its own configuration
        return TypeAdapter(type_)


class Codec(Serde[T], Generic[T]):
    """A typed serde with a JSON Schema of its type (for Restate's discovery)."""

    media_type: str = "application/json"

    def __init__(self, type_: Any) -> None:
        self.type = type_
        self.adapter: TypeAdapter[T] = _adapter(type_)

    def json_schema(self) -> dict[str, Any]:
        return self.adapter.json_schema(mode="serialization", by_alias=True)

    def encode(self, value: T) -> bytes:
        raise NotImplementedError

    def decode(self, data: bytes) -> T:
        raise NotImplementedError

    # restate.serde.Serde
    def serialize(self, obj: T | None) -> bytes:
        return self.encode(obj)  # type: ignore[arg-type]

    def deserialize(self, buf: bytes) -> T | None:
        return self.decode(buf)


class JsonCodec(Codec[T]):
    """JSON through pydantic-core: exact round trip for every type of the definition language."""

    def encode(self, value: T) -> bytes:
        return self.adapter.dump_json(value, by_alias=True)

    def decode(self, data: bytes) -> T:
        try:
            return self.adapter.validate_json(data)
        except ValidationError as exc:
            raise CodecError(describe_validation_error(exc)) from exc
