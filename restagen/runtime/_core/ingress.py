"""Calls from outside handlers: typed clients of the Restate ingress over httpx, async and sync.

Generated `...Client` / `...SyncClient` classes delegate here. A call posts the encoded request
and decodes the typed result; a send returns a handle on the new invocation (optionally delayed);
a workflow is submitted once per key and attached to. Every non-2xx answer raises: the declared
error of the handler, revived with its fields, or an `IngressError` with the status and message.

Exceptions:

    IngressError     a non-2xx answer that is not a declared error of the handler
     └── NotReady    the output of an invocation or workflow asked for before it finished

Network failures are httpx's own (`httpx.TransportError` and its subclasses); an invocation
keeps running when its caller times out, and `attach` picks it up again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from types import TracebackType
from typing import Any, Generic, Literal, Self, TypeVar, cast
from urllib.parse import quote

import httpx

from restagen.runtime._core.codecs import Codec, JsonCodec
from restagen.runtime._core.errors import revive
from restagen.runtime._core.specs import HandlerSpec

__all__ = [
    "Ingress",
    "IngressClient",
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

SendStatus = Literal["Accepted", "PreviouslyAccepted"]

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
"""A call or attach waits for the handler to finish; give `timeout=None` to wait without limit."""

_NOT_READY = 470  # what restate-server answers to `/output` before the invocation completed


class IngressClient:
    """The base of generated ingress clients: those of services can be injected into handlers."""


class IngressError(Exception):
    """A non-2xx answer of the Restate ingress that is not a declared error of the handler.

    `message` is the server's (or the handler's terminal error's) message; `source` says who
    refused: `"ingress"` (the request never became an invocation: unknown service, bad delay,
    ...) or `"invocation"` (the invocation ran and failed terminally), when the server says so.
    """

    def __init__(
        self,
        status_code: int,
        message: str,
        restate_code: str | None = None,
        body: bytes = b"",
        *,
        source: str | None = None,
        invocation_id: str | None = None,
    ) -> None:
        super().__init__(status_code, message)
        self.status_code = status_code
        self.message = message
        self.restate_code = restate_code
        self.body = body
        self.source = source
        self.invocation_id = invocation_id

    def __str__(self) -> str:
        code = f" {self.restate_code}" if self.restate_code else ""
        where = f" (invocation {self.invocation_id})" if self.invocation_id else ""
        return f"Restate ingress answered HTTP {self.status_code}{code}: {self.message}{where}"


class NotReady(IngressError):
    """The invocation or workflow has not finished yet: its output is not available (HTTP 470)."""


def _delay(delay: timedelta) -> str:
    """The ingress wants a unit: milliseconds, rounded up so that a delay is never shortened."""
    micros = delay // timedelta(microseconds=1)
    if micros < 0:
        raise ValueError(f"a send cannot be delayed by a negative duration ({delay})")
    return f"{-(-micros // 1000)}ms"


def _path(spec: HandlerSpec[Any, Any], key: str | None) -> str:
    if key is None:
        return f"/{spec.component}/{spec.name}"
    return f"/{spec.component}/{quote(key, safe='')}/{spec.name}"


def _workflow_path(spec: HandlerSpec[Any, Any], key: str, what: str) -> str:
    return f"/restate/workflow/{spec.component}/{quote(key, safe='')}/{what}"


def _awakeable(awakeable_id: str, value: Any, codec: Codec[Any] | None) -> tuple[str, bytes]:
    body = (codec or JsonCodec(type(value))).encode(value)
    return f"/restate/awakeables/{quote(awakeable_id, safe='')}/resolve", body


def _awakeable_done(response: httpx.Response) -> None:
    if response.status_code >= 300:
        text = response.text
        raise IngressError(response.status_code, text or response.reason_phrase, body=response.content)


def _invocation_path(invocation_id: str, what: str) -> str:
    return f"/restate/invocation/{quote(invocation_id, safe='')}/{what}"


def _failure(spec: HandlerSpec[Any, Any], response: httpx.Response) -> Exception:
    """The exception for a non-2xx answer; never fails itself, whatever the body holds."""
    body = response.content
    message = response.reason_phrase or "request failed"
    restate_code: str | None = None
    source = response.headers.get("x-restate-error-source")
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
    declared = revive(spec.errors, metadata)
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


def _result(spec: HandlerSpec[Any, Out], response: httpx.Response) -> Out:
    if response.status_code >= 300:
        raise _failure(spec, response)
    output = spec.output
    if output is None:
        return None  # type: ignore[return-value]
    return output.decode(response.content)


def _accepted(spec: HandlerSpec[Any, Any], response: httpx.Response) -> tuple[str, SendStatus]:
    """The invocation id and status of a 202 answer to a send."""
    if response.status_code >= 300:
        raise _failure(spec, response)
    try:
        data = json.loads(response.content)
        return str(data["invocationId"]), cast(SendStatus, data.get("status", "Accepted"))
    except (ValueError, TypeError, KeyError):
        raise IngressError(
            response.status_code, "a send was answered without an invocation id", None, response.content
        ) from None


class _Requests:
    """What both flavours share: the URL, the default headers and how a request is put together."""

    def __init__(self, url: str, headers: Mapping[str, str] | None) -> None:
        self.url = url.rstrip("/")
        # Lower-cased, so that a header given to a call replaces a default of any spelling.
        self.headers: dict[str, str] = {k.lower(): v for k, v in (headers or {}).items()}

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


def _body(spec: HandlerSpec[In, Any], request: In) -> bytes | None:
    return spec.input.encode(request) if spec.input is not None else None


def _send_params(delay: timedelta | None) -> dict[str, str] | None:
    return {"delay": _delay(delay)} if delay is not None else None


class Ingress(_Requests):
    """The Restate ingress at `url`, for typed calls from asyncio code outside handlers.

    `headers` go with every request (explicit headers of a call win). The httpx client is created
    on first use and reused; pass `client` to bring your own (then closing it is yours to do).
    """

    def __init__(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(url, headers)
        self._timeout = timeout
        self._client = client
        self._owns_client = client is None

    def _http(self) -> httpx.AsyncClient:
        client = self._client
        if client is None:
            client = self._client = httpx.AsyncClient(timeout=self._timeout)
        return client

    async def aclose(self) -> None:
        if self._owns_client and self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

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
        """Invoke the handler and wait for its result."""
        response = await self._http().post(
            self.url + _path(spec, key),
            content=_body(spec, request),
            headers=self._headers(spec, idempotency_key, headers),
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
        """Start the handler (after `delay`) without waiting; the handle attaches to its result.

        With an idempotency key already seen, nothing new starts: the handle is on the first
        invocation and its status is `PreviouslyAccepted`.
        """
        response = await self._http().post(
            self.url + _path(spec, key) + "/send",
            content=_body(spec, request),
            params=_send_params(delay),
            headers=self._headers(spec, idempotency_key, headers),
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
        """Start the run of workflow `key`.

        A workflow runs once per key: submitting a key again starts nothing and the handle's
        status is `PreviouslyAccepted` (it attaches to the first run). restate-server refuses an
        idempotency key on a workflow's run (HTTP 400): the workflow key already dedups.
        """
        response = await self._http().post(
            self.url + _path(spec, key) + "/send",
            content=_body(spec, request),
            params=_send_params(delay),
            headers=self._headers(spec, idempotency_key, headers),
        )
        invocation_id, status = _accepted(spec, response)
        return WorkflowHandle(self, spec, key, invocation_id, status)

    async def _get(self, spec: HandlerSpec[Any, Out], path: str) -> Out:
        return _result(spec, await self._http().get(self.url + path, headers=self.headers))

    async def attach(self, spec: HandlerSpec[Any, Out], invocation_id: str) -> Out:
        """Wait for invocation `invocation_id` (of `spec`'s handler) to finish; its result or error."""
        return await self._get(spec, _invocation_path(invocation_id, "attach"))

    async def output(self, spec: HandlerSpec[Any, Out], invocation_id: str) -> Out:
        """The result of invocation `invocation_id` if it finished; raises `NotReady` otherwise."""
        return await self._get(spec, _invocation_path(invocation_id, "output"))

    async def workflow_attach(self, spec: HandlerSpec[Any, Out], key: str) -> Out:
        """Wait for the run of workflow `key` to finish; its result or error."""
        return await self._get(spec, _workflow_path(spec, key, "attach"))

    async def workflow_output(self, spec: HandlerSpec[Any, Out], key: str) -> Out:
        """The result of the run of workflow `key` if it finished; raises `NotReady` otherwise."""
        return await self._get(spec, _workflow_path(spec, key, "output"))

    async def resolve_awakeable(self, awakeable_id: str, value: Any, codec: Codec[Any] | None = None) -> None:
        """Complete the awakeable a handler waits on with `value` (JSON of its type by default)."""
        path, body = _awakeable(awakeable_id, value, codec)
        _awakeable_done(await self._http().post(self.url + path, content=body, headers=self.headers))

    async def reject_awakeable(self, awakeable_id: str, reason: str) -> None:
        """Fail the awakeable a handler waits on: it raises a terminal error with `reason`."""
        path = f"/restate/awakeables/{quote(awakeable_id, safe='')}/reject"
        _awakeable_done(
            await self._http().post(self.url + path, content=reason.encode(), headers=self.headers)
        )


class InvocationHandle(Generic[Out]):
    """An invocation started by a send: attach to it, or fetch its output once it finished."""

    __slots__ = ("_ingress", "_spec", "invocation_id", "status")

    def __init__(
        self, ingress: Ingress, spec: HandlerSpec[Any, Out], invocation_id: str, status: SendStatus
    ) -> None:
        self._ingress = ingress
        self._spec = spec
        self.invocation_id = invocation_id
        self.status: SendStatus = status
        """`Accepted`, or `PreviouslyAccepted` when an idempotency key matched an earlier send."""

    async def attach(self) -> Out:
        """Wait for the invocation to finish and return its result (or raise its error)."""
        return await self._ingress.attach(self._spec, self.invocation_id)

    async def output(self) -> Out:
        """The result if the invocation finished; raises `NotReady` otherwise."""
        return await self._ingress.output(self._spec, self.invocation_id)

    def __repr__(self) -> str:
        return f"InvocationHandle({self.invocation_id!r}, status={self.status!r})"


class WorkflowHandle(Generic[Out]):
    """A submitted workflow run, addressed by its key."""

    __slots__ = ("_ingress", "_spec", "invocation_id", "key", "status")

    def __init__(
        self,
        ingress: Ingress,
        spec: HandlerSpec[Any, Out],
        key: str,
        invocation_id: str,
        status: SendStatus,
    ) -> None:
        self._ingress = ingress
        self._spec = spec
        self.key = key
        self.invocation_id = invocation_id
        self.status: SendStatus = status
        """`Accepted`, or `PreviouslyAccepted` when this key was submitted before (nothing new runs)."""

    async def attach(self) -> Out:
        """Wait for the run to finish and return its result (or raise its error)."""
        return await self._ingress.workflow_attach(self._spec, self.key)

    async def output(self) -> Out:
        """The result if the run finished; raises `NotReady` otherwise."""
        return await self._ingress.workflow_output(self._spec, self.key)

    def __repr__(self) -> str:
        return f"WorkflowHandle({self.key!r}, {self.invocation_id!r}, status={self.status!r})"


class SyncIngress(_Requests):
    """The Restate ingress at `url`, for typed blocking calls from code outside handlers.

    The same API as `Ingress`, on an `httpx.Client`.
    """

    def __init__(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        client: httpx.Client | None = None,
    ) -> None:
        super().__init__(url, headers)
        self._timeout = timeout
        self._client = client
        self._owns_client = client is None

    def _http(self) -> httpx.Client:
        client = self._client
        if client is None:
            client = self._client = httpx.Client(timeout=self._timeout)
        return client

    def close(self) -> None:
        if self._owns_client and self._client is not None:
            client, self._client = self._client, None
            client.close()

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
        """Invoke the handler and wait for its result."""
        response = self._http().post(
            self.url + _path(spec, key),
            content=_body(spec, request),
            headers=self._headers(spec, idempotency_key, headers),
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
        """Start the handler (after `delay`) without waiting; see `Ingress.send`."""
        response = self._http().post(
            self.url + _path(spec, key) + "/send",
            content=_body(spec, request),
            params=_send_params(delay),
            headers=self._headers(spec, idempotency_key, headers),
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
        """Start the run of workflow `key`; see `Ingress.submit`."""
        response = self._http().post(
            self.url + _path(spec, key) + "/send",
            content=_body(spec, request),
            params=_send_params(delay),
            headers=self._headers(spec, idempotency_key, headers),
        )
        invocation_id, status = _accepted(spec, response)
        return SyncWorkflowHandle(self, spec, key, invocation_id, status)

    def _get(self, spec: HandlerSpec[Any, Out], path: str) -> Out:
        return _result(spec, self._http().get(self.url + path, headers=self.headers))

    def attach(self, spec: HandlerSpec[Any, Out], invocation_id: str) -> Out:
        """Wait for invocation `invocation_id` (of `spec`'s handler) to finish; its result or error."""
        return self._get(spec, _invocation_path(invocation_id, "attach"))

    def output(self, spec: HandlerSpec[Any, Out], invocation_id: str) -> Out:
        """The result of invocation `invocation_id` if it finished; raises `NotReady` otherwise."""
        return self._get(spec, _invocation_path(invocation_id, "output"))

    def workflow_attach(self, spec: HandlerSpec[Any, Out], key: str) -> Out:
        """Wait for the run of workflow `key` to finish; its result or error."""
        return self._get(spec, _workflow_path(spec, key, "attach"))

    def workflow_output(self, spec: HandlerSpec[Any, Out], key: str) -> Out:
        """The result of the run of workflow `key` if it finished; raises `NotReady` otherwise."""
        return self._get(spec, _workflow_path(spec, key, "output"))

    def resolve_awakeable(self, awakeable_id: str, value: Any, codec: Codec[Any] | None = None) -> None:
        """Complete the awakeable a handler waits on with `value` (JSON of its type by default)."""
        path, body = _awakeable(awakeable_id, value, codec)
        _awakeable_done(self._http().post(self.url + path, content=body, headers=self.headers))

    def reject_awakeable(self, awakeable_id: str, reason: str) -> None:
        """Fail the awakeable a handler waits on: it raises a terminal error with `reason`."""
        path = f"/restate/awakeables/{quote(awakeable_id, safe='')}/reject"
        _awakeable_done(self._http().post(self.url + path, content=reason.encode(), headers=self.headers))


class SyncInvocationHandle(Generic[Out]):
    """The blocking twin of `InvocationHandle`."""

    __slots__ = ("_ingress", "_spec", "invocation_id", "status")

    def __init__(
        self, ingress: SyncIngress, spec: HandlerSpec[Any, Out], invocation_id: str, status: SendStatus
    ) -> None:
        self._ingress = ingress
        self._spec = spec
        self.invocation_id = invocation_id
        self.status: SendStatus = status

    def attach(self) -> Out:
        """Wait for the invocation to finish and return its result (or raise its error)."""
        return self._ingress.attach(self._spec, self.invocation_id)

    def output(self) -> Out:
        """The result if the invocation finished; raises `NotReady` otherwise."""
        return self._ingress.output(self._spec, self.invocation_id)

    def __repr__(self) -> str:
        return f"SyncInvocationHandle({self.invocation_id!r}, status={self.status!r})"


class SyncWorkflowHandle(Generic[Out]):
    """The blocking twin of `WorkflowHandle`."""

    __slots__ = ("_ingress", "_spec", "invocation_id", "key", "status")

    def __init__(
        self,
        ingress: SyncIngress,
        spec: HandlerSpec[Any, Out],
        key: str,
        invocation_id: str,
        status: SendStatus,
    ) -> None:
        self._ingress = ingress
        self._spec = spec
        self.key = key
        self.invocation_id = invocation_id
        self.status: SendStatus = status

    def attach(self) -> Out:
        """Wait for the run to finish and return its result (or raise its error)."""
        return self._ingress.workflow_attach(self._spec, self.key)

    def output(self) -> Out:
        """The result if the run finished; raises `NotReady` otherwise."""
        return self._ingress.workflow_output(self._spec, self.key)

    def __repr__(self) -> str:
        return f"SyncWorkflowHandle({self.key!r}, {self.invocation_id!r}, status={self.status!r})"
