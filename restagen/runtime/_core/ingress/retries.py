"""When a request through the ingress is sent again: the policy, and the decision after each attempt.

Only a request that is safe to repeat is ever repeated (the caller says which; see docs/clients.md):
reading an invocation's or a workflow's result, completing an awakeable, submitting a workflow
run, and a call or send that carries an idempotency key. Such a request is repeated after a
transient failure only:

- the connection failed (refused while the server restarts, or broken before an answer came);
- the answer was 503 Service Unavailable or 429 Too Many Requests. A `Retry-After` header (seconds
  or an HTTP date) sets the wait; without it the backoff does.

A timeout is never a transient failure: it is the caller's limit for one attempt. No new
attempt starts after `attempts` of them, nor when its wait would end past `deadline` seconds
after the first began; the last failure is then raised (or its answer read) as without retries.
Both flavours share this module; only how they wait differs.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

__all__ = ["DEFAULT_RETRIES", "TRANSIENT_ERRORS", "Attempts", "IngressRetries"]

TRANSIENT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)
"""Connection failures after which a request that is safe to repeat is sent again."""

_TRANSIENT_STATUS = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class IngressRetries:
    """How an ingress client repeats a request that is safe to repeat after a transient failure.

    At most `attempts` in all (the first included); waits grow from `backoff` seconds, doubling up
    to `max_backoff`, each shortened by a random share of up to `jitter` (so that clients that
    failed together do not come back together); a `Retry-After` of the server is waited for as
    given. No attempt starts when its wait would end more than `deadline` seconds after the first.
    Give `retries=None` to an ingress client to send every request once.
    """

    attempts: int = 5
    backoff: float = 0.1
    max_backoff: float = 5.0
    deadline: float = 30.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be at least 1 (the first), not {self.attempts}")
        if min(self.backoff, self.max_backoff, self.deadline) < 0:
            raise ValueError("backoff, max_backoff and deadline are seconds, never negative")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter is a share of the wait, from 0 to 1, not {self.jitter}")


DEFAULT_RETRIES = IngressRetries()
"""What an ingress client repeats with by default: 5 attempts within 30 s."""


def retry_after(response: httpx.Response, now: Callable[[], datetime]) -> float | None:
    """Seconds the server asks to wait (`Retry-After`: seconds or an HTTP date), if it says."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None  # unreadable: as if absent
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Attempts:
    """The attempts at one request: how long to wait before the next, or that none is left."""

    __slots__ = ("_clock", "_made", "_now", "_policy", "_started")

    def __init__(
        self, policy: IngressRetries, clock: Callable[[], float], now: Callable[[], datetime] = _utcnow
    ) -> None:
        self._policy = policy
        self._clock = clock
        self._now = now
        self._started = clock()
        self._made = 1

    def after_error(self) -> float | None:
        """Seconds to wait after a transient connection failure; None: raise it."""
        return self._next(None)

    def after_response(self, response: httpx.Response) -> float | None:
        """Seconds to wait after `response`; None: it is the answer to read."""
        if response.status_code not in _TRANSIENT_STATUS:
            return None
        return self._next(retry_after(response, self._now))

    def _next(self, asked: float | None) -> float | None:
        policy = self._policy
        if self._made >= policy.attempts:
            return None
        if asked is None:
            wait = min(policy.max_backoff, policy.backoff * 2.0 ** (self._made - 1))
            wait -= wait * policy.jitter * random.random()
        else:
            wait = asked
        if self._clock() + wait - self._started > policy.deadline:
            return None
        self._made += 1
        return wait
