"""Calls from outside handlers: typed clients of the Restate ingress over httpx, async and sync.

Generated `...Client` / `...SyncClient` classes delegate here. A call posts the encoded request
and decodes the typed result; a send returns a handle on the new invocation (optionally delayed);
a workflow is submitted once per key and attached to. Every non-2xx answer raises: the declared
error of the handler, revived with its fields, or an `IngressError` with the status and message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from types import TracebackType
from typing import Any, Generic, Self, TypeVar
from urllib.parse import quote

import httpx

from restagen.runtime.errors import revive
from restagen.runtime.specs import HandlerSpec

__all__ = [
    "Ingress",
    "IngressError",
    "InvocationHandle",
    "NotReady",
    "SyncIngress",
    "SyncInvocationHandle",
    "SyncWorkflowHandle",
    "WorkflowHandle",
]

In = TypeVar("In")
Out = TypeVar("Out")

_DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


class IngressError(Exception):
    """A non-2xx answer of the Restate ingress that is not a declared error of the handler."""

    def __init__(
        self, status_code: int, message: str, *, restate_code: str | None = None, body: bytes = b""
    ) -> None:
        super().__init__(f"HTTP {status_code}: {message}")
        self.status_code = status_code
        self.message = message
        self.restate_code = restate_code
        self.body = body


class NotReady(IngressError):
    """The invocation or workflow has not finished yet: its output is not available."""


def _delay(delay: timedelta) -> str:
    """The ingress wants a unit: milliseconds, rounded up so that a delay is never shortened."""
    micros = delay // timedelta(microseconds=1)
    return f"{-(-micros // 1000)}ms"


def _path(spec: HandlerSpec[Any, Any], key: str | None, suffix: str = "") -> str:
    if key is None:
        return f"/{spec.component}/{spec.name}{suffix}"
    return f"/{spec.component}/{quote(key, safe='')}/{spec.name}{suffix}"


def _failure(spec: HandlerSpec[Any, Any], response: httpx.Response) -> Exception:
    body = response.content
    message = response.reason_phrase or "request failed"
    restate_code = None
    metadata: Mapping[str, str] | None = None
    try:
        data = json.loads(body) if body else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        message = str(data.get("message") or message)
        restate_code = data.get("restate_code") if isinstance(data.get("restate_code"), str) else None
        raw = data.get("metadata")
        if isinstance(raw, dict):
            metadata = {str(k): str(v) for k, v in raw.items()}
    elif body:
        message = body.decode("utf-8", "replace")[:500]
    declared = revive(spec.errors, metadata)
    if declared is not None:
        return declared
    kind = NotReady if response.status_code == 470 else IngressError
    return kind(response.status_code, message, restate_code=restate_code, body=body)


def _result(spec: HandlerSpec[Any, Out], response: httpx.Response) -> Out:
    if not response.is_success:
        raise _failure(spec, response)
    if spec.output is None:
        return None  # type: ignore[return-value]
    return spec.output.decode(response.content)


def _headers(
    defaults: Mapping[str, str],
    spec: HandlerSpec[Any, Any],
    idempotency_key: str | None,
    extra: Mapping[str, str] | None,
) -> dict[str, str]:
    headers = dict(defaults)
    if spec.input is not None:
        headers["content-type"] = spec.input.media_type
    if idempotency_key is not None:
        headers["idempotency-key"] = idempotency_key
    if extra:
        headers.update(extra)
    return headers


def _body(spec: HandlerSpec[In, Any], request: In) -> bytes | None:
    return spec.input.encode(request) if spec.input is not None else None


def _accepted(spec: HandlerSpec[Any, Any], response: httpx.Response) -> tuple[str, str]:
    if not response.is_success:
        raise _failure(spec, response)
    data = response.json()
    return str(data["invocationId"]), str(data.get("status", "Accepted"))


class _Base:
    def __init__(self, url: str, headers: Mapping[str, str] | None) -> None:
        self.url = url.rstrip("/")
        self.headers: dict[str, str] = dict(headers or {})


class Ingress(_Base):
    """The Restate ingress at `url`, for typed calls from asyncio code outside handlers."""

    def __init__(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | float | None = _DEFAULT_TIMEOUT,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(url, headers)
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._owns_client = client is None

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def call(
        self,
        spec: HandlerSpec[In, Out],
        request: In,
        *,
        key: str | None = None,
        idempotency_key: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Out:
        response = await self._client.post(
            self.url + _path(spec, key),
            content=_body(spec, request),
            headers=_headers(self.headers, spec, idempotency_key, headers),
        )
        return _result(spec, response)

    async def send(
        self,
        spec: HandlerSpec[In, Out],
        request: In,
        *,
        key: str | None = None,
        delay: timedelta | None = None,
        idempotency_key: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> InvocationHandle[Out]:
        response = await self._client.post(
            self.url + _path(spec, key, "/send"),
            content=_body(spec, request),
            params={"delay": _delay(delay)} if delay else None,
            headers=_headers(self.headers, spec, idempotency_key, headers),
        )
        invocation_id, status = _accepted(spec, response)
        return InvocationHandle(self, spec, invocation_id, status)

    async def submit(
        self,
        spec: HandlerSpec[In, Out],
        request: In,
        *,
        key: str,
        delay: timedelta | None = None,
        idempotency_key: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> WorkflowHandle[Out]:
        """Start the run of workflow `key`; a second submit of the same key does not run it again."""
        await self.send(spec, request, key=key, delay=delay, idempotency_key=idempotency_key, headers=headers)
        return WorkflowHandle(self, spec, key)

    async def get(self, spec: HandlerSpec[Any, Out], path: str) -> Out:
        response = await self._client.get(self.url + path, headers=self.headers)
        return _result(spec, response)

    async def workflow_attach(self, spec: HandlerSpec[Any, Out], *, key: str) -> Out:
        return await self.get(spec, f"/restate/workflow/{spec.component}/{quote(key, safe='')}/attach")

    async def workflow_output(self, spec: HandlerSpec[Any, Out], *, key: str) -> Out:
        return await self.get(spec, f"/restate/workflow/{spec.component}/{quote(key, safe='')}/output")


class InvocationHandle(Generic[Out]):
    """An invocation started by a send: attach to it, or fetch its output once it finished."""

    def __init__(
        self, ingress: Ingress, spec: HandlerSpec[Any, Out], invocation_id: str, status: str
    ) -> None:
        self._ingress = ingress
        self._spec = spec
        self.invocation_id = invocation_id
        self.status = status
        """`Accepted`, or `PreviouslyAccepted` when an idempotency key matched an earlier send."""

    async def attach(self) -> Out:
        """Wait for the invocation to finish and return its result (or raise its error)."""
        return await self._ingress.get(self._spec, f"/restate/invocation/{self.invocation_id}/attach")

    async def output(self) -> Out:
        """The result if the invocation finished; raises `NotReady` otherwise."""
        return await self._ingress.get(self._spec, f"/restate/invocation/{self.invocation_id}/output")


class WorkflowHandle(Generic[Out]):
    """A submitted workflow run, addressed by its key."""

    def __init__(self, ingress: Ingress, spec: HandlerSpec[Any, Out], key: str) -> None:
        self._ingress = ingress
        self._spec = spec
        self.key = key

    async def attach(self) -> Out:
        return await self._ingress.workflow_attach(self._spec, key=self.key)

    async def output(self) -> Out:
        return await self._ingress.workflow_output(self._spec, key=self.key)


class SyncIngress(_Base):
    """The Restate ingress at `url`, for typed blocking calls from code outside handlers."""

    def __init__(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | float | None = _DEFAULT_TIMEOUT,
        client: httpx.Client | None = None,
    ) -> None:
        super().__init__(url, headers)
        self._client = client or httpx.Client(timeout=timeout)
        self._owns_client = client is None

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def call(
        self,
        spec: HandlerSpec[In, Out],
        request: In,
        *,
        key: str | None = None,
        idempotency_key: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Out:
        response = self._client.post(
            self.url + _path(spec, key),
            content=_body(spec, request),
            headers=_headers(self.headers, spec, idempotency_key, headers),
        )
        return _result(spec, response)

    def send(
        self,
        spec: HandlerSpec[In, Out],
        request: In,
        *,
        key: str | None = None,
        delay: timedelta | None = None,
        idempotency_key: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> SyncInvocationHandle[Out]:
        response = self._client.post(
            self.url + _path(spec, key, "/send"),
            content=_body(spec, request),
            params={"delay": _delay(delay)} if delay else None,
            headers=_headers(self.headers, spec, idempotency_key, headers),
        )
        invocation_id, status = _accepted(spec, response)
        return SyncInvocationHandle(self, spec, invocation_id, status)

    def submit(
        self,
        spec: HandlerSpec[In, Out],
        request: In,
        *,
        key: str,
        delay: timedelta | None = None,
        idempotency_key: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> SyncWorkflowHandle[Out]:
        self.send(spec, request, key=key, delay=delay, idempotency_key=idempotency_key, headers=headers)
        return SyncWorkflowHandle(self, spec, key)

    def get(self, spec: HandlerSpec[Any, Out], path: str) -> Out:
        return _result(spec, self._client.get(self.url + path, headers=self.headers))

    def workflow_attach(self, spec: HandlerSpec[Any, Out], *, key: str) -> Out:
        return self.get(spec, f"/restate/workflow/{spec.component}/{quote(key, safe='')}/attach")

    def workflow_output(self, spec: HandlerSpec[Any, Out], *, key: str) -> Out:
        return self.get(spec, f"/restate/workflow/{spec.component}/{quote(key, safe='')}/output")


class SyncInvocationHandle(Generic[Out]):
    """The blocking twin of `InvocationHandle`."""

    def __init__(
        self, ingress: SyncIngress, spec: HandlerSpec[Any, Out], invocation_id: str, status: str
    ) -> None:
        self._ingress = ingress
        self._spec = spec
        self.invocation_id = invocation_id
        self.status = status

    def attach(self) -> Out:
        return self._ingress.get(self._spec, f"/restate/invocation/{self.invocation_id}/attach")

    def output(self) -> Out:
        return self._ingress.get(self._spec, f"/restate/invocation/{self.invocation_id}/output")


class SyncWorkflowHandle(Generic[Out]):
    """The blocking twin of `WorkflowHandle`."""

    def __init__(self, ingress: SyncIngress, spec: HandlerSpec[Any, Out], key: str) -> None:
        self._ingress = ingress
        self._spec = spec
        self.key = key

    def attach(self) -> Out:
        return self._ingress.workflow_attach(self._spec, key=self.key)

    def output(self) -> Out:
        return self._ingress.workflow_output(self._spec, key=self.key)
