"""The Restate options the admin API reports, as the definition language's `options`.

The admin API reports a service's effective options, its own and the server's defaults alike,
and a handler's overrides only. A pulled service keeps the values that differ from
restate-server's defaults (so that a service that set none pulls with none, and a re-pull of the
same server writes the same file); a handler keeps every override. Durations come as the
server's human-readable text (`1h`, `1day 2h`, `500ms`) and are written in the language's form.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["component_options", "duration", "handler_options"]

# restate-server 1.7's defaults, as its admin API reports them for a service that sets nothing.
_DEFAULTS: dict[str, Any] = {
    "inactivity_timeout": "1m",
    "abort_timeout": "10m",
    "idempotency_retention": "1d",
    "journal_retention": "1d",
    "workflow_completion_retention": "1d",
    "enable_lazy_state": False,
    "public": True,
}
_RETRY_DEFAULTS: dict[str, Any] = {
    "initial_interval": "500ms",
    "exponentiation_factor": 2.0,
    "max_attempts": 70,
    "max_interval": "1m",
    "on_max_attempts": "Pause",
}
_DURATIONS = {
    "inactivity_timeout": "inactivity_timeout",
    "abort_timeout": "abort_timeout",
    "idempotency_retention": "idempotency_retention",
    "journal_retention": "journal_retention",
    "workflow_completion_retention": "workflow_retention",
}
_MS = {
    "ns": 1e-6,
    "nsec": 1e-6,
    "us": 1e-3,
    "usec": 1e-3,
    "ms": 1,
    "msec": 1,
    "millis": 1,
    "s": 1000,
    "sec": 1000,
    "secs": 1000,
    "second": 1000,
    "seconds": 1000,
    "m": 60_000,
    "min": 60_000,
    "mins": 60_000,
    "minute": 60_000,
    "minutes": 60_000,
    "h": 3_600_000,
    "hr": 3_600_000,
    "hrs": 3_600_000,
    "hour": 3_600_000,
    "hours": 3_600_000,
    "d": 86_400_000,
    "day": 86_400_000,
    "days": 86_400_000,
    "w": 604_800_000,
    "week": 604_800_000,
    "weeks": 604_800_000,
}
_PART = re.compile(r"\s*(\d+)\s*([a-zA-Z]+)")
_UNITS = (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1))


def duration(text: Any) -> str | None:
    """`1day 2h` -> `26h`; None for text that is no whole number of milliseconds."""
    if not isinstance(text, str) or not text.strip():
        return None
    total, at = 0.0, 0
    while at < len(text.rstrip()):
        match = _PART.match(text, at)
        if match is None or match.group(2) not in _MS:
            return None
        total += int(match.group(1)) * _MS[match.group(2)]
        at = match.end()
    if not total.is_integer():
        return None
    ms = int(total)
    for unit, size in _UNITS:
        if ms % size == 0:
            return f"{ms // size}{unit}"
    return None  # unreachable: every whole number of milliseconds divides by 1


def component_options(service: dict[str, Any], kind: str) -> tuple[dict[str, Any], list[str]]:
    """The options of a service that differ from the server's defaults, and what could not be read."""
    changed = {key: value for key, value in service.items() if key in _DEFAULTS and value != _DEFAULTS[key]}
    retry = service.get("retry_policy")
    if isinstance(retry, dict):
        changed["retry_policy"] = {
            k: v for k, v in retry.items() if k in _RETRY_DEFAULTS and v != _RETRY_DEFAULTS[k]
        }
    return _options(changed, kind)


def handler_options(handler: dict[str, Any], kind: str) -> tuple[dict[str, Any], list[str]]:
    """A handler's overrides, and what could not be read."""
    return _options({k: v for k, v in handler.items() if k in _DEFAULTS or k == "retry_policy"}, kind)


def _options(values: dict[str, Any], kind: str) -> tuple[dict[str, Any], list[str]]:
    options: dict[str, Any] = {}
    unread: list[str] = []
    for key, ours in _DURATIONS.items():
        if values.get(key) is None or (ours == "workflow_retention" and kind != "workflow"):
            continue
        text = duration(values[key])
        if text is None:
            unread.append(f"{key} {values[key]!r}")
        else:
            options[ours] = text
    if values.get("public") is False:
        options["ingress_private"] = True
    if values.get("enable_lazy_state") is True and kind in ("object", "workflow"):
        options["enable_lazy_state"] = True
    retry = _retry(values.get("retry_policy"), unread)
    if retry:
        options["retry"] = retry
    return options, unread


def _retry(policy: Any, unread: list[str]) -> dict[str, Any]:
    if not isinstance(policy, dict):
        return {}
    retry: dict[str, Any] = {}
    if isinstance(policy.get("max_attempts"), int) and policy["max_attempts"] >= 1:
        retry["max_attempts"] = policy["max_attempts"]
    for key in ("initial_interval", "max_interval"):
        if policy.get(key) is not None:
            text = duration(policy[key])
            if text is None:
                unread.append(f"retry_policy.{key} {policy[key]!r}")
            else:
                retry[key] = text
    factor = policy.get("exponentiation_factor")
    if isinstance(factor, int | float) and not isinstance(factor, bool) and factor > 0:
        retry["factor"] = factor
    action = policy.get("on_max_attempts")
    if isinstance(action, str) and action.lower() in ("pause", "kill"):
        retry["on_max_attempts"] = action.lower()
    return retry
