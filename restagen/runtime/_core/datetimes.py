"""`UtcDatetime`: the Python type of the schema's `datetime`.

A datetime on the wire is an instant, and other languages read it with strict validators
(TypeScript's zod accepts `2025-01-31T10:00:00Z` and refuses any other offset, or none). So a
naive datetime is refused where a model or codec is given one, and an aware one is converted to
UTC there, which pydantic-core then writes with `Z`. The conversion happens at validation, not at
writing: a serializer function would cost more per value than the whole of a small model.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Final

from pydantic import AfterValidator, AwareDatetime

__all__ = ["UtcDatetime"]

_ZERO: Final = timedelta(0)


def _in_utc(value: datetime) -> datetime:
    if value.utcoffset() == _ZERO:
        return value
    try:
        return value.astimezone(UTC)
    except OverflowError:  # a ValueError is what pydantic reports as a validation error
        raise ValueError(f"{value.isoformat()} is out of range in UTC") from None


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_in_utc)]
"""An aware `datetime`, held in UTC (for a type checker, a `datetime`)."""
