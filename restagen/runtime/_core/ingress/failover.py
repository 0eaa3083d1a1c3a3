"""Which ingress a request goes to, when a client knows several (the nodes of a Restate cluster).

Every node of a cluster has an ingress that reaches every service, so a client given several
URLs can go on through another when one node is lost. Requests go to one ingress (the first, to
begin with) until a connection to it fails; then that request, and the requests after it, go to
the next, in turn. Moving on never repeats anything that may have run:

- a connection that could not be opened (refused, or timed out while connecting) carried no
  request: any request goes on to the next ingress at once, until each has refused it once;
- a connection broken after the request went out may have started an invocation: only a request
  that is safe to repeat (retries.py) goes on, as its next attempt under the retry policy.

When every ingress refused, a request that is safe to repeat waits as the policy says and starts
a new round; any other request raises the last failure. A client with one URL behaves exactly as
before: the same ingress each time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import httpx

from restagen.runtime._core.ingress.retries import TRANSIENT_ERRORS, Attempts, IngressRetries

__all__ = ["FAILURES", "Ingresses", "Way"]

_UNSENT: tuple[type[httpx.TransportError], ...] = (httpx.ConnectError, httpx.ConnectTimeout)
"""Failures before the request went out: sending it elsewhere sends it for the first time."""

FAILURES: tuple[type[httpx.TransportError], ...] = (*TRANSIENT_ERRORS, httpx.ConnectTimeout)
"""The failures a request is looked at again after (a connect timeout only moves it on)."""


def base_urls(url: str | Sequence[str]) -> tuple[str, ...]:
    urls = (url,) if isinstance(url, str) else tuple(url)
    if not urls:
        raise ValueError("an ingress client needs at least one URL")
    return tuple(each.rstrip("/") for each in urls)


class Ingresses:
    """The ingress URLs of a client, and the one its requests go to now."""

    __slots__ = ("_current", "urls")

    def __init__(self, url: str | Sequence[str]) -> None:
        self.urls = base_urls(url)
        self._current = 0

    @property
    def current(self) -> str:
        return self.urls[self._current]

    def failed(self, url: str) -> str:
        """The ingress to use after `url` failed: the next one (or, when a concurrent request has
        already moved on from `url`, the one it moved to)."""
        if self.urls[self._current] == url:
            self._current = (self._current + 1) % len(self.urls)
        return self.urls[self._current]


class Way:
    """One request's way through the ingresses: where its next attempt goes, and when."""

    __slots__ = ("_attempts", "_ingresses", "_refused", "url")

    def __init__(
        self, ingresses: Ingresses, retries: IngressRetries | None, safe: bool, clock: Callable[[], float]
    ) -> None:
        self._ingresses = ingresses
        self._attempts = Attempts(retries, clock) if safe and retries is not None else None
        self._refused: set[str] = set()
        self.url = ingresses.current
        """Where the next attempt goes."""

    def after_error(self, error: httpx.TransportError) -> float | None:
        """Seconds to wait before the next attempt (at `self.url`) after `error`; None: raise it."""
        failed = self.url
        if isinstance(error, _UNSENT):
            self._refused.add(failed)
            following = self._ingresses.failed(failed)
            if following not in self._refused:
                self.url = following
                return 0.0
            if isinstance(error, httpx.TimeoutException):
                return None  # a timeout is the caller's limit, never retried
        elif self._attempts is not None:
            self._ingresses.failed(failed)
        if self._attempts is None:
            return None
        wait = self._attempts.after_error()
        if wait is not None:
            self._refused.clear()
            self.url = self._ingresses.current
        return wait

    def after_response(self, response: httpx.Response) -> float | None:
        """Seconds to wait before asking again (the same ingress); None: `response` is the answer."""
        if self._attempts is None:
            return None
        return self._attempts.after_response(response)
