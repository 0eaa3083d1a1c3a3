"""`SyncIngress`: typed blocking calls through the Restate ingress from code outside handlers.

Requests are built by `Requests` and answers read by responses.py, as for `Ingress`; what is
written here is how they are sent (on an `httpx.Client`) and how a retry waits.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from restagen.runtime._core.codecs import Codec
from restagen.runtime._core.ingress.failover import FAILURES, Way
from restagen.runtime._core.ingress.handles import SyncInvocationHandle, SyncWorkflowHandle
from restagen.runtime._core.ingress.requests import DEFAULT_TIMEOUT, Build, CallTimeout, Requests
from restagen.runtime._core.ingress.responses import accepted, done, result
from restagen.runtime._core.ingress.retries import DEFAULT_RETRIES, IngressRetries
from restagen.runtime._core.specs import HandlerSpec

__all__ = ["SyncIngress"]

In = TypeVar("In")
Out = TypeVar("Out")


class SyncIngress(Requests):
    """The Restate ingress at `url` (or several: a cluster's nodes, failed over in turn), for
    typed blocking calls from code outside handlers.

    The same API as `Ingress` (its arguments, retries and timeouts), on an `httpx.Client`.
    """

    def __init__(
        self,
        url: str | Sequence[str],
        *,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        client: httpx.Client | None = None,
        admin_url: str | None = None,
        retries: IngressRetries | None = DEFAULT_RETRIES,
    ) -> None:
        super().__init__(url, headers, admin_url, retries)
        self._timeout = timeout
        self._client = client
        self._owns_client = client is None
        self._sleep = time.sleep
        self._clock = time.monotonic

    def _http(self) -> httpx.Client:
        client = self._client
        if client is None:
            client = self._client = httpx.Client(timeout=self._timeout)
        return client

    def _send(self, http: httpx.Client, build: Build, *, safe: bool) -> httpx.Response:
        """Send a request (built for the ingress it goes to); one that is `safe` to repeat is
        repeated after transient failures, and any goes on to the next ingress when a connection
        to one cannot be opened (failover.py)."""
        way = Way(self.ingresses, self.retries, safe, self._clock)
        while True:
            try:
                response = http.send(build(way.url))
            except FAILURES as error:
                wait = way.after_error(error)
                if wait is None:
                    raise
            else:
                wait = way.after_response(response)
                if wait is None:
                    return response
                response.close()
            self._sleep(wait)

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
        timeout: CallTimeout = None,
    ) -> Out:
        """Invoke the handler and wait for its result; repeated after a transient failure only
        with an idempotency key."""
        http = self._http()
        sent = self._call_request(http, spec, request, key, idempotency_key, headers, timeout)
        return result(spec, self._send(http, sent, safe=idempotency_key is not None))

    def send(
        self,
        spec: HandlerSpec[In, Out],
        request: In,
        *,
        key: str | None = None,
        delay: timedelta | None = None,
        idempotency_key: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: CallTimeout = None,
    ) -> SyncInvocationHandle[Out]:
        """Start the handler (after `delay`) without waiting; the handle attaches to its result.

        With an idempotency key already seen, nothing new starts: the handle is on the first
        invocation and its status is `PreviouslyAccepted`. Repeated after a transient failure only
        with an idempotency key.
        """
        http = self._http()
        sent = self._send_request(http, spec, request, key, delay, idempotency_key, headers, timeout)
        response = self._send(http, sent, safe=idempotency_key is not None)
        invocation_id, status = accepted(spec, response)
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
        timeout: CallTimeout = None,
    ) -> SyncWorkflowHandle[Out]:
        """Start the run of workflow `key`.

        A workflow runs once per key: submitting a key again starts nothing and the handle's
        status is `PreviouslyAccepted` (it attaches to the first run); so a submit is repeated
        after a transient failure. restate-server refuses an idempotency key on a workflow's run
        (HTTP 400): the workflow key already dedups.
        """
        http = self._http()
        sent = self._send_request(http, spec, request, key, delay, idempotency_key, headers, timeout)
        invocation_id, status = accepted(spec, self._send(http, sent, safe=True))
        return SyncWorkflowHandle(self, spec, key, invocation_id, status)

    def _read(self, spec: HandlerSpec[Any, Out], path: str, timeout: CallTimeout) -> Out:
        http = self._http()
        return result(spec, self._send(http, self._get_request(http, path, timeout), safe=True))

    def attach(self, spec: HandlerSpec[Any, Out], invocation_id: str, *, timeout: CallTimeout = None) -> Out:
        """Wait for invocation `invocation_id` (of `spec`'s handler) to finish; its result or error."""
        return self._read(spec, self._invocation_path(invocation_id, "attach"), timeout)

    def output(self, spec: HandlerSpec[Any, Out], invocation_id: str, *, timeout: CallTimeout = None) -> Out:
        """The result of invocation `invocation_id` if it finished; raises `NotReady` otherwise."""
        return self._read(spec, self._invocation_path(invocation_id, "output"), timeout)

    def attach_idempotent(
        self,
        spec: HandlerSpec[Any, Out],
        idempotency_key: str,
        *,
        key: str | None = None,
        timeout: CallTimeout = None,
    ) -> Out:
        """Wait for the invocation of `spec`'s handler (on object `key`) that was started with
        `idempotency_key`, and return its result or raise its error."""
        return self._read(spec, self._idempotent_path(spec, idempotency_key, key, "attach"), timeout)

    def output_idempotent(
        self,
        spec: HandlerSpec[Any, Out],
        idempotency_key: str,
        *,
        key: str | None = None,
        timeout: CallTimeout = None,
    ) -> Out:
        """The result of the invocation started with `idempotency_key` if it finished; raises
        `NotReady` otherwise."""
        return self._read(spec, self._idempotent_path(spec, idempotency_key, key, "output"), timeout)

    def workflow_attach(self, spec: HandlerSpec[Any, Out], key: str, *, timeout: CallTimeout = None) -> Out:
        """Wait for the run of workflow `key` to finish; its result or error."""
        return self._read(spec, self._workflow_path(spec, key, "attach"), timeout)

    def workflow_output(self, spec: HandlerSpec[Any, Out], key: str, *, timeout: CallTimeout = None) -> Out:
        """The result of the run of workflow `key` if it finished; raises `NotReady` otherwise."""
        return self._read(spec, self._workflow_path(spec, key, "output"), timeout)

    def resolve_awakeable(
        self, awakeable_id: str, value: Any, codec: Codec[Any] | None = None, *, timeout: CallTimeout = None
    ) -> None:
        """Complete the awakeable a handler waits on with `value` (JSON of its type by default)."""
        http = self._http()
        done(self._send(http, self._resolve_request(http, awakeable_id, value, codec, timeout), safe=True))

    def reject_awakeable(self, awakeable_id: str, reason: str, *, timeout: CallTimeout = None) -> None:
        """Fail the awakeable a handler waits on: it raises a terminal error with `reason`."""
        http = self._http()
        done(self._send(http, self._reject_request(http, awakeable_id, reason, timeout), safe=True))

    def cancel(self, invocation_id: str, *, timeout: CallTimeout = None) -> None:
        """Cancel the invocation: it ends with a terminal error, compensating what it needs to
        first (the admin API's `PATCH /invocations/{id}/cancel`; needs `admin_url`).

        The server may accept the cancellation before the invocation ends: attach to see it end.
        Raises `IngressError` 404 for an unknown invocation, 409 for one that already completed.
        Never repeated: a second cancellation could interrupt the compensation of the first.
        """
        http = self._http()
        done(http.send(self._admin_request(http, invocation_id, "cancel", timeout)), "admin")

    def kill(self, invocation_id: str, *, timeout: CallTimeout = None) -> None:
        """Kill the invocation: it ends at once, without running any more of its code (the admin
        API's `PATCH /invocations/{id}/kill`; needs `admin_url`). What it left half done stays so.

        Raises `IngressError` 404 for an unknown invocation, 409 for one that already completed.
        """
        http = self._http()
        done(http.send(self._admin_request(http, invocation_id, "kill", timeout)), "admin")
