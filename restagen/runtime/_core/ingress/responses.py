"""Reading the ingress's answers: the typed result, the accepted send, or the exception to raise.

Shared by both flavours: whatever sent the request, an `httpx.Response` is interpreted here.
Every non-2xx answer raises: the declared error of the handler, revived with its fields, or an
`IngressError` with the status and message; reading an answer never fails otherwise, whatever
its body holds.
"""

from __future__ import annotations

import json
from typing import Any, Literal, TypeVar, cast

import httpx

from restagen.runtime._core.errors import DeclaredError, revive
from restagen.runtime._core.ingress.errors import IngressError, NotReady
from restagen.runtime._core.specs import HandlerSpec

__all__ = ["SendStatus", "accepted", "done", "failure", "result"]

Out = TypeVar("Out")

SendStatus = Literal["Accepted", "PreviouslyAccepted"]

_NOT_READY = 470  # what restate-server answers to `/output` before the invocation completed


def failure(
    response: httpx.Response, errors: tuple[type[DeclaredError], ...] = (), source: str | None = None
) -> Exception:
    """The exception for a non-2xx answer: one of `errors` when the body names it, else an `IngressError`."""
    body = response.content
    message = response.reason_phrase or "request failed"
    restate_code: str | None = None
    source = response.headers.get("x-restate-error-source", source)
    metadata: dict[str, str] | None = None
    try:
        data = json.loads(body) if body else None
    except ValueError:  # also UnicodeDecodeError
        data = None
    if isinstance(data, dict):
        if data.get("message"):
            message = str(data["message"])
        if isinstance(data.get("restate_code"), str):
            restate_code = data["restate_code"]
        if isinstance(data.get("source"), str):
            source = data["source"]
        raw = data.get("metadata")
        if isinstance(raw, dict):
            metadata = {str(k): str(v) for k, v in raw.items()}
    elif body:
        message = body.decode("utf-8", "replace")[:500]
    if errors:
        declared = revive(errors, metadata)
        if declared is not None:
            return declared
    kind = NotReady if response.status_code == _NOT_READY else IngressError
    return kind(
        response.status_code,
        message,
        restate_code,
        body,
        source=source,
        invocation_id=response.headers.get("x-restate-id"),
    )


def result(spec: HandlerSpec[Any, Out], response: httpx.Response) -> Out:
    """The decoded output of a call or an attach."""
    if response.status_code >= 300:
        raise failure(response, spec.errors)
    output = spec.output
    if output is None:
        return None  # type: ignore[return-value]
    return output.decode(response.content)


def accepted(spec: HandlerSpec[Any, Any], response: httpx.Response) -> tuple[str, SendStatus]:
    """The invocation id and status of a 202 answer to a send."""
    if response.status_code >= 300:
        raise failure(response, spec.errors)
    try:
        data = json.loads(response.content)
        return str(data["invocationId"]), cast(SendStatus, data.get("status", "Accepted"))
    except (ValueError, TypeError, KeyError):
        raise IngressError(
            response.status_code, "a send was answered without an invocation id", None, response.content
        ) from None


def done(response: httpx.Response, source: str | None = None) -> None:
    """Nothing to read from a 2xx answer (an awakeable completed, an invocation cancelled)."""
    if response.status_code >= 300:
        raise failure(response, source=source)
