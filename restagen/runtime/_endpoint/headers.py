"""Header propagation: which headers of the incoming request go on to downstream calls and sends.

`server.propagate_incoming_headers: true` forwards every incoming header except those that
describe one hop only (content type and length, connection, host, the idempotency key, Restate's
own); a list forwards only the headers it names, compared case-insensitively. Headers passed
explicitly to a call win over forwarded ones of the same name.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["HeaderPolicy", "merge_headers"]

# Headers about one request, never about the work it asks for: forwarding them would be wrong
# (an idempotency key would make every downstream call a duplicate of the first).
_HOP_ONLY = frozenset(
    {
        "accept",
        "accept-encoding",
        "connection",
        "content-encoding",
        "content-length",
        "content-type",
        "expect",
        "host",
        "idempotency-key",
        "keep-alive",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
    }
)


class HeaderPolicy:
    """Selects the headers to forward from an invocation's incoming headers."""

    __slots__ = ("_names",)

    def __init__(self, names: tuple[str, ...] | None) -> None:
        """`names`: the headers to forward, or None to forward all but hop-only ones."""
        self._names = frozenset(name.lower() for name in names) if names is not None else None

    @classmethod
    def from_setting(cls, setting: bool | tuple[str, ...]) -> HeaderPolicy | None:
        """The policy of a `propagate_incoming_headers` setting (None: forward nothing)."""
        if setting is True:
            return cls(None)
        if not setting:
            return None
        return cls(setting)

    def select(self, incoming: Mapping[str, str]) -> dict[str, str]:
        names = self._names
        if names is None:
            return {
                key: value
                for key, value in incoming.items()
                if (lower := key.lower()) not in _HOP_ONLY and not lower.startswith("x-restate-")
            }
        return {key: value for key, value in incoming.items() if key.lower() in names}


def merge_headers(forwarded: Mapping[str, str], explicit: Mapping[str, str] | None) -> dict[str, str]:
    """`forwarded` overridden by `explicit`, names compared case-insensitively."""
    if not explicit:
        return dict(forwarded)
    overridden = {key.lower() for key in explicit}
    merged = {key: value for key, value in forwarded.items() if key.lower() not in overridden}
    merged.update(explicit)
    return merged
