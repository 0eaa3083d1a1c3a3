"""Codecs: how a handler's input and output, a state value or a promise value travel as bytes.

`JsonCodec` (the default) reads and writes JSON with pydantic, by the schema's field names. A
codec is also a `restate.serde.Serde`, so it can be handed to the SDK wherever a serde is needed
(state, promises, awakeables, `run` results). Built once per type, at import of the generated
`codecs` module, never per call; a call goes straight to pydantic-core's serializer and validator
of the type, without the keyword handling of `TypeAdapter`'s methods (half the cost of encoding
a small model).

Decoding is strict: a JSON value must have the JSON type of its field (the string `"1"` or `true`
is not an `int`, `1` is not a string), as other languages' validators expect. Datetimes, dates,
times, durations, decimals, uuids and bytes are strings in JSON and read from their strings.
Fields a type does not declare are ignored by default, so that a sender one version ahead (with
a new optional field) is still understood; `unknown_fields="reject"` refuses them instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import SchemaSerializer, SchemaValidator
from restate.serde import Serde

if TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = ["Codec", "CodecError", "JsonCodec", "UnknownFields"]

T = TypeVar("T")

UnknownFields = Literal["ignore", "reject"]
"""What decoding does with fields its type does not declare."""


class CodecError(ValueError):
    """Bytes that do not decode into the expected type; the message names the failing fields."""


def describe_validation_error(error: ValidationError) -> str:
    problems = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "value"
        problems.append(f"{where}: {item['msg']}")
    return "; ".join(problems)


def holds_datetime(schema: Any) -> bool:
    """Whether a core schema has a datetime anywhere (a model's fields are its own concern)."""
    if isinstance(schema, dict):
        if schema.get("type") == "datetime":
            return True
        return any(holds_datetime(item) for key, item in schema.items() if key not in ("metadata", "cls"))
    if isinstance(schema, list | tuple):
        return any(holds_datetime(item) for item in schema)
    return False


def validated_first(serialize: Callable[..., Any], validate: Callable[[Any], Any]) -> Callable[..., Any]:
    """`serialize` of the value validated first, for a type that is not a model and holds datetimes.

    A model checked its datetimes when it was built (naive refused, aware made UTC); a bare
    `datetime` or a list of them handed to a codec was never validated, so it is, before writing.
    """

    def checked(value: Any, **options: Any) -> Any:
        try:
            value = validate(value)
        except ValidationError as exc:
            raise CodecError(f"cannot be written: {describe_validation_error(exc)}") from exc
        return serialize(value, **options)

    return checked


_CONFIG = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")


def _new_adapter(type_: Any) -> TypeAdapter[Any]:
    """bytes travel as base64 in JSON, as in the generated models (any byte string round-trips)."""
    from pydantic import PydanticUserError, TypeAdapter

    try:
        return TypeAdapter(type_, config=_CONFIG)
    except PydanticUserError:  # a model (or dataclass) brings its own configuration
        return TypeAdapter(type_)


_cached_adapter = functools.lru_cache(maxsize=1024)(_new_adapter)


def _adapter(type_: Any) -> TypeAdapter[Any]:
    """One adapter per type, shared by its codecs.

    Building one costs 10-20 µs; handlers that name a type where a codec is wanted (`ctx.run(...,
    int)`, awakeables) build a codec per call, which then costs a dictionary lookup.
    """
    try:
        return _cached_adapter(type_)
    except TypeError:  # an unhashable type expression (e.g. with unhashable metadata)
        return _new_adapter(type_)


def is_model(type_: Any) -> bool:
    return isinstance(type_, type) and issubclass(type_, BaseModel)


class Codec(Serde[T], Generic[T]):
    """A typed serde with a JSON Schema of its type (for Restate's discovery)."""

    media_type: str = "application/json"

    def __init__(self, type_: Any, *, unknown_fields: UnknownFields = "ignore") -> None:
        if unknown_fields not in ("ignore", "reject"):
            raise ValueError(f"unknown_fields is 'ignore' or 'reject', not {unknown_fields!r}")
        self.type = type_
        self.unknown_fields = unknown_fields
        # None keeps what the type itself configures (a model of the user's may forbid extras).
        self._extra: Literal["forbid"] | None = "forbid" if unknown_fields == "reject" else None
        self._adapter: TypeAdapter[T] | None = None
        self._serializer: SchemaSerializer | None = None
        self._validator: SchemaValidator | None = None
        if is_model(type_):  # a model has its own
            self._use(type_.__pydantic_serializer__, type_.__pydantic_validator__)

    def _use(self, serializer: Any, validator: Any) -> None:
        """pydantic-core's own objects when the schema is complete; one still waiting for a
        forward reference has placeholders that rebuild it on use: the adapter's methods do that."""
        self._serializer = serializer if isinstance(serializer, SchemaSerializer) else None
        self._validator = validator if isinstance(validator, SchemaValidator) else None

    def _use_adapter(self) -> TypeAdapter[T]:
        """The adapter, with its serializer and validator put to use."""
        adapter = self.adapter
        self._use(adapter.serializer, adapter.validator)
        return adapter

    @property
    def adapter(self) -> TypeAdapter[T]:
        """The pydantic adapter of the type (shared by its codecs), for what goes beyond a call."""
        if self._adapter is None:
            self._adapter = _adapter(self.type)
        return self._adapter

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
    """JSON through pydantic-core: exact round trip for every type of the definition language.

    `JsonCodec(Order)` is a `JsonCodec[Order]`; a type checker cannot infer the parameter from a
    union (`Order | None`), which takes an annotation: `codec: JsonCodec[Order | None] = ...`.
    """

    @overload
    def __init__(self: JsonCodec[T], type_: type[T], *, unknown_fields: UnknownFields = "ignore") -> None: ...
    @overload
    def __init__(self, type_: Any, *, unknown_fields: UnknownFields = "ignore") -> None: ...
    def __init__(self, type_: Any, *, unknown_fields: UnknownFields = "ignore") -> None:
        super().__init__(type_, unknown_fields=unknown_fields)
        self._to_json: Callable[..., bytes] = self._first_to_json
        self._from_json: Callable[..., T] = self._first_from_json
        if self._serializer is not None and self._validator is not None:
            self._ready()

    def _ready(self) -> None:
        """Calls go straight to pydantic-core from now on (for a type other than a model, the
        adapter is built here, on first use rather than at import)."""
        adapter = self._use_adapter() if self._serializer is None or self._validator is None else None
        serializer, validator = self._serializer, self._validator
        self._to_json = serializer.to_json if serializer is not None else adapter.dump_json  # type: ignore[union-attr]
        if not is_model(self.type) and holds_datetime(self.adapter.core_schema):
            self._to_json = validated_first(self._to_json, self.adapter.validate_python)
        # The options go with each call: a partial holding keywords merges them into a new dict
        # on every call, which costs more than validating a small model.
        self._from_json = validator.validate_json if validator is not None else adapter.validate_json  # type: ignore[union-attr]

    def _first_to_json(self, value: T, **options: Any) -> bytes:
        self._ready()
        return self._to_json(value, **options)

    def _first_from_json(self, data: bytes, **options: Any) -> T:
        self._ready()
        return self._from_json(data, **options)

    def encode(self, value: T) -> bytes:
        return self._to_json(value, by_alias=True)

    def decode(self, data: bytes) -> T:
        try:
            return self._from_json(data, strict=True, extra=self._extra)
        except ValidationError as exc:
            raise CodecError(describe_validation_error(exc)) from exc
