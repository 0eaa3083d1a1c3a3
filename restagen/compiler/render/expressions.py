"""Python expressions for values the generated modules spell out: durations, options, tuples.

Each is written as a person would write it, so that ruff has nothing to undo: a duration in its
largest exact unit (`timedelta(days=7)`, not `timedelta(milliseconds=604800000)`), options
without the settings left unset, and sequences without a trailing comma, which ruff would take
as a request to put every item on its own line. Each adds the imports it needs to `imports`.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from restagen.compiler import ir
from restagen.compiler.render.annotations import Imports

__all__ = ["default_value", "dict_of", "duration", "list_of", "options", "retry", "tuple_of"]

_UNITS = (
    ("days", timedelta(days=1)),
    ("hours", timedelta(hours=1)),
    ("minutes", timedelta(minutes=1)),
    ("seconds", timedelta(seconds=1)),
    ("milliseconds", timedelta(milliseconds=1)),
    ("microseconds", timedelta(microseconds=1)),
)


def duration(value: timedelta, imports: Imports) -> str:
    """`timedelta(days=7)`, `timedelta(minutes=90)`, `timedelta(milliseconds=100)`: the largest exact unit."""
    imports.add("datetime", "timedelta")
    if not value:
        return "timedelta(0)"
    for name, unit in _UNITS:
        count, rest = divmod(value, unit)
        if not rest:
            return f"timedelta({name}={count})"
    raise AssertionError("every timedelta is a whole number of microseconds")


def tuple_of(items: Iterable[str]) -> str:
    """`(a,)`, `(a, b)`: the comma of a one-item tuple is not a magic trailing comma to ruff."""
    items = list(items)
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def list_of(items: Iterable[str]) -> str:
    return f"[{', '.join(items)}]"


def dict_of(items: Iterable[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{key}: {value}" for key, value in items) + "}"


def default_value(value: Any, ref: ir.TypeRef, annotate: Callable[[ir.TypeRef], str]) -> str:
    """The Python value of a schema default of type `ref`: `0`, `'EUR'`, `[]`, `Size.M`.

    The binder allows defaults of primitives, `any`, enums, lists and maps of those; an enum's
    value is its member (`Size.M`), or the class called with the value when the value is not a
    plain identifier (`annotate` names the class).
    """
    if isinstance(ref, ir.Nullable):
        return default_value(value, ref.inner, annotate) if value is not None else "None"
    if isinstance(ref, ir.ListOf):
        return list_of(default_value(item, ref.item, annotate) for item in value)
    if isinstance(ref, ir.MapOf):
        return dict_of((repr(key), default_value(item, ref.value, annotate)) for key, item in value.items())
    if isinstance(ref, ir.Named):
        if _member_name(value):
            return f"{annotate(ref)}.{value}"
        return f"{annotate(ref)}({value!r})"  # the member of that value, whatever its name became
    return repr(value)


def _member_name(value: object) -> bool:
    """Whether the enum member of `value` is named `value` in the generated model."""
    return (
        isinstance(value, str)
        and value.isidentifier()
        and not keyword.iskeyword(value)
        and not value.startswith("_")
        and value not in ("name", "value", "mro")
    )


def retry(policy: ir.Retry, imports: Imports) -> str:
    """`RetryPolicy(...)` with the settings the schema gives."""
    imports.add("restagen.runtime", "RetryPolicy")
    fields = []
    if policy.max_attempts is not None:
        fields.append(f"max_attempts={policy.max_attempts!r}")
    for name in ("initial_interval", "max_interval"):
        value = getattr(policy, name)
        if value is not None:
            fields.append(f"{name}={duration(value, imports)}")
    if policy.factor is not None:
        fields.append(f"factor={policy.factor!r}")
    if policy.on_max_attempts is not None:
        fields.append(f"on_max_attempts={policy.on_max_attempts!r}")
    return f"RetryPolicy({', '.join(fields)})"


_DURATIONS = (
    "inactivity_timeout",
    "abort_timeout",
    "idempotency_retention",
    "journal_retention",
    "workflow_retention",
)


def options(
    value: ir.Options, imports: Imports, *, with_workflow_retention: bool = True, with_retry: bool = True
) -> str | None:
    """`Options(...)` building `restagen.runtime.Options`; None when no setting is given."""
    parts = []
    for name in _DURATIONS:
        setting = getattr(value, name)
        if setting is not None and (with_workflow_retention or name != "workflow_retention"):
            parts.append(f"{name}={duration(setting, imports)}")
    for name in ("ingress_private", "enable_lazy_state"):
        setting = getattr(value, name)
        if setting is not None:
            parts.append(f"{name}={setting!r}")
    if with_retry and value.retry is not None:
        parts.append(f"retry={retry(value.retry, imports)}")
    if not parts:
        return None
    imports.add("restagen.runtime", "Options")
    return f"Options({', '.join(parts)})"
