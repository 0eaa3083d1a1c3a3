"""`Bytes`: the Python type of the schema's `bytes`.

In JSON, bytes travel as base64 in the standard alphabet of RFC 4648 (`+` and `/`, padded), which
is what JSON Schema's `contentEncoding: base64` means and what other languages write and expect:
Go's `encoding/json`, Java's Jackson, protobuf's JSON mapping, Node's `Buffer.toString("base64")`,
zod's `z.base64()`. pydantic's own base64 is the URL-safe alphabet, which zod refuses, so the
writing is done here. Reading takes either alphabet, padded or not (the models' and codecs'
`val_json_bytes="base64"`), so values written by earlier versions still decode. Python mode (and
so BSON, which has a binary type of its own) keeps the bytes as they are.
"""

from __future__ import annotations

import binascii
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

__all__ = ["Bytes"]


def _standard_base64(value: bytes) -> str:
    # binascii without a newline is what base64.b64encode runs, without its checks and copies.
    return binascii.b2a_base64(value, newline=False).decode("ascii")


Bytes = Annotated[
    bytes,
    PlainSerializer(_standard_base64, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "contentEncoding": "base64"}),
]
"""`bytes`, written to JSON as standard base64 (for a type checker, `bytes`)."""
