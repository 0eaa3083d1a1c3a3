"""Durations of the definition language: `100ms`, `10s`, `5m`, `1h`, `1d`, or ISO-8601 (`PT5S`)."""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import TypeAdapter, ValidationError

__all__ = ["parse_duration"]

_SHORT = re.compile(r"^(\d+)(ms|s|m|h|d)\Z")
_UNITS = {"ms": "milliseconds", "s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_ISO = TypeAdapter(timedelta)


def parse_duration(text: str) -> timedelta:
    """Parse a duration; raise ValueError with a readable message."""
    match = _SHORT.match(text.strip())
    if match:
        try:
            return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        except OverflowError:
            raise _too_long(text) from None
    if text.strip().upper().startswith("P"):
        try:
            value = _ISO.validate_python(text.strip())
        except ValidationError as exc:
            message = str(exc.errors()[0]["msg"])  # an overflow has no error type of its own
            if "too large" in message or "may not exceed" in message:
                raise _too_long(text) from None
        else:
            if value >= timedelta(0):
                return value
    raise ValueError(f"invalid duration {text!r}")


def _too_long(text: str) -> ValueError:
    return ValueError(f"duration {text!r} is too long (at most {timedelta.max.days}d)")
