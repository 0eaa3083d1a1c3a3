"""The base class of every generated model.

Fields are read by their schema name or their Python name (keyword fields such as `from` are
`from_` in Python), always written by their schema name, and bytes travel as base64 in JSON so
that any byte string round-trips exactly.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Model"]


class Model(BaseModel):
    model_config = ConfigDict(
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        ser_json_bytes="base64",
        val_json_bytes="base64",
    )
