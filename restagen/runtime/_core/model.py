"""The base class of every generated model.

Fields are read by their schema name or their Python name (keyword fields such as `from` are
`from_` in Python), always written by their schema name, and bytes travel as base64 in JSON so
that any byte string round-trips exactly.

A field that may be absent (`T?` in the schema) is `T | None = None` in Python, and None means
"absent": it is left out of what the model writes, since a receiver such as a TypeScript service
validated by zod's `.optional()` accepts a missing field but refuses `null`. A field that may be
null (`T | null`) has no default: it is always written, null included. The base class tells the
two apart by the default alone, before pydantic builds the model, so that the omission costs a
test per field at writing and nothing at import.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Model"]


def _is_none(value: object) -> bool:
    return value is None


class Model(BaseModel):
    model_config = ConfigDict(
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        ser_json_bytes="base64",
        val_json_bytes="base64",
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Runs before pydantic collects the fields: a default of None becomes one that is left
        # out when it is None (annotated defaults keep their description and constraints).
        super().__init_subclass__(**kwargs)
        namespace = cls.__dict__
        for name in namespace.get("__annotations__", {}):
            if name in namespace and namespace[name] is None:
                setattr(cls, name, Field(default=None, exclude_if=_is_none))
