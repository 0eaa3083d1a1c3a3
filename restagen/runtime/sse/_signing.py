"""Signing publish requests: HMAC-SHA256 over a timestamp, the cluster and the body, with a shared secret.

The header is `restagen-signature: t=<unix seconds>,v1=<hex digest>`, the digest of
`b"<t>.<cluster>." + body`. A receiver refuses a request without the header (401), with a digest
that does not match, a timestamp outside its window, or a signature it has already accepted (403):
a captured request can neither be altered, nor posted to another cluster, nor replayed.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import time

from restagen.runtime.sse._model import SseForbidden, SseUnauthorized

__all__ = ["SIGNATURE_HEADER", "Verifier", "sign"]

SIGNATURE_HEADER = "restagen-signature"


def _digest(secret: str, timestamp: int, cluster: str, body: bytes) -> str:
    message = f"{timestamp}.{cluster}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, cluster: str, body: bytes, *, now: float | None = None) -> str:
    """The signature header's value for posting `body` to `cluster`."""
    timestamp = int(time.time() if now is None else now)
    return f"t={timestamp},v1={_digest(secret, timestamp, cluster, body)}"


class Verifier:
    """Checks signature headers; remembers those it accepted within the window, to refuse replays."""

    def __init__(self, secret: str, *, window: float = 300.0) -> None:
        self._secret = secret
        self._window = window
        self._seen: set[str] = set()
        self._expiries: list[tuple[float, str]] = []  # a heap: when each seen signature goes stale

    def verify(self, header: str | None, cluster: str, body: bytes, *, now: float | None = None) -> None:
        """Return if `header` signs `body` for `cluster`; raise SseUnauthorized or SseForbidden if not."""
        if not header:
            raise SseUnauthorized(f"a publish needs the {SIGNATURE_HEADER} header")
        parts = dict(part.partition("=")[::2] for part in header.split(","))
        try:
            timestamp = int(parts["t"])
            given = parts["v1"]
        except (KeyError, ValueError):
            raise SseUnauthorized(f"malformed {SIGNATURE_HEADER} header (expected t=...,v1=...)") from None
        if not hmac.compare_digest(given, _digest(self._secret, timestamp, cluster, body)):
            raise SseForbidden("bad signature")
        current = time.time() if now is None else now
        if abs(current - timestamp) > self._window:
            raise SseForbidden(f"signature timestamp is more than {self._window:g} s away from now")
        while self._expiries and self._expiries[0][0] < current:
            self._seen.discard(heapq.heappop(self._expiries)[1])
        if given in self._seen:
            raise SseForbidden("signature already used (a replayed request)")
        self._seen.add(given)
        heapq.heappush(self._expiries, (timestamp + self._window, given))
