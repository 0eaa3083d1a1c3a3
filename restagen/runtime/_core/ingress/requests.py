"""Building the ingress's requests: what both flavours share, as `httpx.Request` objects.

`Requests` holds where requests go (the ingresses, and the admin API for cancelling and killing),
the headers sent with each, and the retry policy; its builders put each request together, for
the ingress it goes to, on the caller's httpx client (`build_request`, so that the client's own
base URL, headers and cookies apply). `Ingress` and `SyncIngress` differ only in how they send
what is built here.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from restagen.runtime._core.codecs import Codec, JsonCodec
from restagen.runtime._core.ingress.failover import Ingresses
from restagen.runtime._core.ingress.retries import IngressRetries
from restagen.runtime._core.specs import HandlerSpec

__all__ = ["DEFAULT_TIMEOUT", "Build", "CallTimeout", "Requests"]

In = TypeVar("In")

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
"""A call or attach waits for the handler to finish; give `timeout=None` to wait without limit."""

CallTimeout = float | timedelta | None
"""The timeout of one call: seconds or a duration; None: the ingress client's own."""

_DEFAULT = httpx.USE_CLIENT_DEFAULT
_PATH_SAFE = frozenset(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@")
"""What a path segment holds without percent-encoding (RFC 3986's pchar)."""
_Http = httpx.Client | httpx.AsyncClient

Build = Callable[[str], httpx.Request]
"""A request, built for the ingress (base URL) it goes to."""


def _delay(delay: timedelta) -> str:
    """The ingress wants a unit: milliseconds, rounded up so that a delay is never shortened."""
    micros = delay // timedelta(microseconds=1)
    if micros < 0:
        raise ValueError(f"a send cannot be delayed by a negative duration ({delay})")
    return f"{-(-micros // 1000)}ms"


def _timeout(timeout: float | timedelta) -> float:
    seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
    if seconds <= 0:
        raise ValueError(f"a timeout must be positive, not {timeout}")
    return seconds


def _limit(timeout: CallTimeout) -> float | Any:
    return _DEFAULT if timeout is None else _timeout(timeout)


def _path(spec: HandlerSpec[Any, Any], key: str | None) -> str:
    if key is None:
        return f"/{spec.component}/{spec.name}"
    return f"/{spec.component}/{quote(key, safe='')}/{spec.name}"


def _body(spec: HandlerSpec[In, Any], request: In) -> bytes | None:
    return spec.input.encode(request) if spec.input is not None else None


class Requests:
    """What both flavours share: the URLs, the default headers and how each request is built."""

    def __init__(
        self,
        url: str | Sequence[str],
        headers: Mapping[str, str] | None,
        admin_url: str | None,
        retries: IngressRetries | None,
    ) -> None:
        self.ingresses = Ingresses(url)
        self.admin_url = admin_url.rstrip("/") if admin_url else None
        # Lower-cased, so that a header given to a call replaces a default of any spelling.
        self.headers: dict[str, str] = {k.lower(): v for k, v in (headers or {}).items()}
        self.retries = retries

    @property
    def url(self) -> str:
        """The ingress that requests go to now (the first, until a connection to it fails)."""
        return self.ingresses.current

    @property
    def urls(self) -> tuple[str, ...]:
        """Every ingress of the client, in the order it fails over in."""
        return self.ingresses.urls

    def _headers(
        self, spec: HandlerSpec[Any, Any], idempotency_key: str | None, extra: Mapping[str, str] | None
    ) -> dict[str, str]:
        headers = self.headers.copy()
        if spec.input is not None:
            headers["content-type"] = spec.input.media_type
        if idempotency_key is not None:
            headers["idempotency-key"] = idempotency_key
        if extra:
            for name, value in extra.items():
                headers[name.lower()] = value
        return headers

    def _call_request(
        self,
        http: _Http,
        spec: HandlerSpec[In, Any],
        request: In,
        key: str | None,
        idempotency_key: str | None,
        headers: Mapping[str, str] | None,
        timeout: CallTimeout,
    ) -> Build:
        path, body = _path(spec, key), _body(spec, request)
        sent, limit = self._headers(spec, idempotency_key, headers), _limit(timeout)
        return lambda base: http.build_request("POST", base + path, content=body, headers=sent, timeout=limit)

    def _send_request(
        self,
        http: _Http,
        spec: HandlerSpec[In, Any],
        request: In,
        key: str | None,
        delay: timedelta | None,
        idempotency_key: str | None,
        headers: Mapping[str, str] | None,
        timeout: CallTimeout,
    ) -> Build:
        path, body = _path(spec, key) + "/send", _body(spec, request)
        params = {"delay": _delay(delay)} if delay is not None else None
        sent, limit = self._headers(spec, idempotency_key, headers), _limit(timeout)
        return lambda base: http.build_request(
            "POST", base + path, content=body, params=params, headers=sent, timeout=limit
        )

    def _get_request(self, http: _Http, path: str, timeout: CallTimeout) -> Build:
        headers, limit = self.headers, _limit(timeout)
        return lambda base: http.build_request("GET", base + path, headers=headers, timeout=limit)

    @staticmethod
    def _invocation_path(invocation_id: str, what: str) -> str:
        return f"/restate/invocation/{quote(invocation_id, safe='')}/{what}"

    @staticmethod
    def _idempotent_path(
        spec: HandlerSpec[Any, Any], idempotency_key: str, key: str | None, what: str
    ) -> str:
        # restate-server 1.7 matches this segment undecoded (unlike the object key before it): a
        # key that would need percent-encoding cannot be found, so it is refused here, plainly.
        if not idempotency_key or not _PATH_SAFE.issuperset(idempotency_key):
            raise ValueError(
                f"cannot {what} by idempotency key {idempotency_key!r}: restate-server finds "
                "invocations by key only for keys of ASCII letters, digits and -._~!$&'()*+,;=:@"
            )
        return f"/restate/invocation{_path(spec, key)}/{idempotency_key}/{what}"

    @staticmethod
    def _workflow_path(spec: HandlerSpec[Any, Any], key: str, what: str) -> str:
        return f"/restate/workflow/{spec.component}/{quote(key, safe='')}/{what}"

    def _awakeable_request(
        self, http: _Http, awakeable_id: str, what: str, body: bytes, timeout: CallTimeout
    ) -> Build:
        path = f"/restate/awakeables/{quote(awakeable_id, safe='')}/{what}"
        headers, limit = self.headers, _limit(timeout)
        return lambda base: http.build_request(
            "POST", base + path, content=body, headers=headers, timeout=limit
        )

    def _resolve_request(
        self, http: _Http, awakeable_id: str, value: Any, codec: Codec[Any] | None, timeout: CallTimeout
    ) -> Build:
        body = (codec or JsonCodec(type(value))).encode(value)
        return self._awakeable_request(http, awakeable_id, "resolve", body, timeout)

    def _reject_request(self, http: _Http, awakeable_id: str, reason: str, timeout: CallTimeout) -> Build:
        return self._awakeable_request(http, awakeable_id, "reject", reason.encode(), timeout)

    def _admin_request(
        self, http: _Http, invocation_id: str, what: str, timeout: CallTimeout
    ) -> httpx.Request:
        """`PATCH /invocations/{id}/cancel` or `/kill` of the admin API."""
        if self.admin_url is None:
            raise ValueError(
                f"to {what} an invocation, the ingress client needs the admin API: give it `admin_url`"
            )
        return http.build_request(
            "PATCH",
            f"{self.admin_url}/invocations/{quote(invocation_id, safe='')}/{what}",
            headers=self.headers,
            timeout=_limit(timeout),
        )
