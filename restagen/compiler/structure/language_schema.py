"""The JSON Schema of the definition language, for editors (`restagen schema`).

Generated from the input model in `language`, so it cannot drift from what the compiler accepts;
a test compares it with the checked-in `restagen/restagen.schema.json`.
"""

from __future__ import annotations

from typing import Any

from restagen.compiler.structure.language import Document

__all__ = ["language_schema"]


def language_schema() -> dict[str, Any]:
    schema = Document.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
