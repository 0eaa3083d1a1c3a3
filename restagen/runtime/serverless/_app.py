"""The ASGI app of an endpoint in request-response mode.

Discovery then announces `REQUEST_RESPONSE` whatever the HTTP version, so Restate never keeps a
stream open to it: right behind a proxy or platform that buffers whole requests and responses
(even over HTTP/2). Over HTTP/1.1 the SDK answers in this mode by itself; this makes it explicit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from restagen.runtime._endpoint.endpoint import Endpoint

__all__ = ["request_response_app"]


def request_response_app(endpoint: Endpoint) -> Any:
    """`endpoint.app()` in request-response mode (with its SSE hub and registration, if configured)."""
    return endpoint.app(protocol="request_response")
