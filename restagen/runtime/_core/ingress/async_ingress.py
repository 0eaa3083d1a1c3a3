"""`Ingress`: typed calls through the Restate ingress from asyncio code outside handlers.

Requests are built by `Requests` and answers read by responses.py, as for `SyncIngress`; what is
written here is how they are sent (on an `httpx.AsyncClient`) and how a retry waits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from datetime import timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from restagen.runtime._core.codecs import Codec
from restagen.runtime._core.ingress.failover import FAILURES, Way
from restagen.runtime._core.ingress.handles import InvocationHandle, WorkflowHandle
from restagen.runtime._core.ingress.requests import DEFAULT_TIMEOUT, Build, CallTimeout, Requests
from restagen.runtime._core.ingress.responses import accepted, done, result
from restagen.runtime._core.ingress.retries import DEFAULT_RETRIES, IngressRetries
from restagen.runtime._core.specs import HandlerSpec

__all__ = ["Ingress"]

In = TypeVar("In")
Out = TypeVar("Out")


class Ingress(Requests):
    """The Restate ingress at `url` (or several: a cluster's nodes, failed over in turn), for
    typed calls from asyncio code outside handlers.

    `headers` go with every request (explicit headers of a call win). `timeout` is each request's
    (httpx's: a number of seconds or an `httpx.Timeout`; None waits without limit); a call's own
    `timeout=` replaces it. `admin_url` (the admin API) is needed to cancel and kill invocations.
    Requests that are safe to repeat are repeated after transient failures under `retries` (None:
    never). The httpx client is created on first use and reused; pass `client` to bring your own
    (then closing it is yours to do).
    """

    def __init__(
        self,
        url: str | Sequence[str],
        *,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        client: httpx.AsyncClient | None = None,
        admin_url: str | None = None,
        retries: IngressRetries | None = DEFAULT_RETRIES,
    ) -> None:
        super().__init__(url, headers, admin_url, retries)
        self._timeout = timeout
        self._client = client
        self._owns_client = client is None
        self._sleep = asyncio.sleep
        self._clock = time.monotonic

    def _http(self) -> httpx.AsyncClient:
        client = self._client
        if client is None:
            client = self._client = httpx.AsyncClient(timeout=self._timeout)
        return client

    async def _send(self, http: httpx.AsyncClient, build: Build, *, safe: bool) -> httpx.Response:
        """Send a request (built for the ingress it goes to); one that is `safe` to repeat is
        repeated after transient failures, and any goes on to the next ingress when a connection
        to one cannot be opened (failover.py)."""
        way = Way(self.ingresses, self.retries, safe, self._clock)
        while True:
            try:
                response = await http.send(build(way.url))
            except FAILURES as error:
                wait = way.after_error(error)
                if wait is None:
                    raise
            else:
                wait = way.after_response(response)
                if wait is None:
                    return response
                await response.aclose()
            await self._sleep(wait)

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
        timeout: CallTimeout = None,
    ) -> Out:
        """Invoke the handler and wait for its result; repeated after a transient failure only
        with an idempotency key."""
        http = self._http()
        sent = self._call_request(http, spec, request, key, idempotency_key, headers, timeout)
        return result(spec, await self._send(http, sent, safe=idempotency_key is not None))

    async def send(
        self,
        spec: HandlerSpec[In, Out],
        request: In,
        *,
        key: str | None = None,
        delay: timedelta | None = None,
        idempotency_key: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: CallTimeout = None,
    ) -> InvocationHandle[Out]:
        """Start the handler (after `delay`) without waiting; the handle attaches to its result.

        With an idempotency key already seen, nothing new starts: the handle is on the first
        invocation and its status is `PreviouslyAccepted`. Repeated after a transient failure only
        with an idempotency key.
        """
        http = self._http()
        sent = self._send_request(http, spec, request, key, delay, idempotency_key, headers, timeout)
        response = await self._send(http, sent, safe=idempotency_key is not None)
        invocation_id, status = accepted(spec, response)
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
        timeout: CallTimeout = None,
    ) -> WorkflowHandle[Out]:
        """Start the run of workflow `key`.

        A workflow runs once per key: submitting a key again starts nothing and the handle's
        status is `PreviouslyAccepted` (it attaches to the first run); so a submit is repeated
        after a transient failure. restate-server refuses an idempotency key on a workflow's run
        (HTTP 400): the workflow key already dedups.
        """
        http = self._http()
        sent = self._send_request(http, spec, request, key, delay, idempotency_key, headers, timeout)
        invocation_id, status = accepted(spec, await self._send(http, sent, safe=True))
        return WorkflowHandle(self, spec, key, invocation_id, status)

    async def _read(self, spec: HandlerSpec[Any, Out], path: str, timeout: CallTimeout) -> Out:
        http = self._http()
        return result(spec, await self._send(http, self._get_request(http, path, timeout), safe=True))

    async def attach(
        self, spec: HandlerSpec[Any, Out], invocation_id: str, *, timeout: CallTimeout = None
    ) -> Out:
        """Wait for invocation `invocation_id` (of `spec`'s handler) to finish; its result or error."""
        return await self._read(spec, self._invocation_path(invocation_id, "attach"), timeout)

    async def output(
        self, spec: HandlerSpec[Any, Out], invocation_id: str, *, timeout: CallTimeout = None
    ) -> Out:
        """The result of invocation `invocation_id` if it finished; raises `NotReady` otherwise."""
        return await self._read(spec, self._invocation_path(invocation_id, "output"), timeout)

    async def attach_idempotent(
        self,
        spec: HandlerSpec[Any, Out],
        idempotency_key: str,
        *,
        key: str | None = None,
        timeout: CallTimeout = None,
    ) -> Out:
        """Wait for the invocation of `spec`'s handler (on object `key`) that was started with
        `idempotency_key`, and return its result or raise its error."""
        return await self._read(spec, self._idempotent_path(spec, idempotency_key, key, "attach"), timeout)

    async def output_idempotent(
        self,
        spec: HandlerSpec[Any, Out],
        idempotency_key: str,
        *,
        key: str | None = None,
        timeout: CallTimeout = None,
    ) -> Out:
        """The result of the invocation started with `idempotency_key` if it finished; raises
        `NotReady` otherwise."""
        return await self._read(spec, self._idempotent_path(spec, idempotency_key, key, "output"), timeout)

    async def workflow_attach(
        self, spec: HandlerSpec[Any, Out], key: str, *, timeout: CallTimeout = None
    ) -> Out:
        """Wait for the run of workflow `key` to finish; its result or error."""
        return await self._read(spec, self._workflow_path(spec, key, "attach"), timeout)

    async def workflow_output(
        self, spec: HandlerSpec[Any, Out], key: str, *, timeout: CallTimeout = None
    ) -> Out:
        """The result of the run of workflow `key` if it finished; raises `NotReady` otherwise."""
        return await self._read(spec, self._workflow_path(spec, key, "output"), timeout)

    async def resolve_awakeable(
        self, awakeable_id: str, value: Any, codec: Codec[Any] | None = None, *, timeout: CallTimeout = None
    ) -> None:
        """Complete the awakeable a handler waits on with `value` (JSON of its type by default)."""
        http = self._http()
        done(
            await self._send(
                http, self._resolve_request(http, awakeable_id, value, codec, timeout), safe=True
            )
        )

    async def reject_awakeable(self, awakeable_id: str, reason: str, *, timeout: CallTimeout = None) -> None:
        """Fail the awakeable a handler waits on: it raises a terminal error with `reason`."""
        http = self._http()
        done(await self._send(http, self._reject_request(http, awakeable_id, reason, timeout), safe=True))

    async def cancel(self, invocation_id: str, *, timeout: CallTimeout = None) -> None:
        """Cancel the invocation: it ends with a terminal error, compensating what it needs to
        first (the admin API's `PATCH /invocations/{id}/cancel`; needs `admin_url`).

        The server may accept the cancellation before the invocation ends: attach to see it end.
        Raises `IngressError` 404 for an unknown invocation, 409 for one that already completed.
        Never repeated: a second cancellation could interrupt the compensation of the first.
        """
        http = self._http()
        done(await http.send(self._admin_request(http, invocation_id, "cancel", timeout)), "admin")

    async def kill(self, invocation_id: str, *, timeout: CallTimeout = None) -> None:
        """Kill the invocation: it ends at once, without running any more of its code (the admin
        API's `PATCH /invocations/{id}/kill`; needs `admin_url`). What it left half done stays so.

        Raises `IngressError` 404 for an unknown invocation, 409 for one that already completed.
        """
        http = self._http()
        done(await http.send(self._admin_request(http, invocation_id, "kill", timeout)), "admin")
