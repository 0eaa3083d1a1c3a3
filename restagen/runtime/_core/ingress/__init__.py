"""Calls from outside handlers: typed clients of the Restate ingress over httpx, async and sync.

Generated `...Client` / `...SyncClient` classes delegate here. A call posts the encoded request
and decodes the typed result; a send returns a handle on the new invocation (optionally delayed);
a workflow is submitted once per key and attached to; an invocation is attached to by its id or
by its idempotency key, and cancelled or killed through the admin API. Every non-2xx answer
raises (errors.py). Requests that are safe to repeat are repeated after transient failures
(retries.py, docs/clients.md); a client given several ingresses (a cluster's nodes) goes on to
the next when a connection to one fails, without repeating what may have run (failover.py).

Written once, as httpx is: requests.py builds every request and responses.py reads every
answer; `Ingress` (async_ingress.py) and `SyncIngress` (sync_ingress.py) differ only in how they
send and wait.
"""

from __future__ import annotations

from restagen.runtime._core.ingress.async_ingress import Ingress
from restagen.runtime._core.ingress.errors import IngressError, NotReady
from restagen.runtime._core.ingress.handles import (
    InvocationHandle,
    SyncInvocationHandle,
    SyncWorkflowHandle,
    WorkflowHandle,
)
from restagen.runtime._core.ingress.responses import SendStatus
from restagen.runtime._core.ingress.retries import IngressRetries
from restagen.runtime._core.ingress.sync_ingress import SyncIngress

__all__ = [
    "Ingress",
    "IngressError",
    "IngressRetries",
    "InvocationHandle",
    "NotReady",
    "SendStatus",
    "SyncIngress",
    "SyncInvocationHandle",
    "SyncWorkflowHandle",
    "WorkflowHandle",
]
