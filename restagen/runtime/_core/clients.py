"""The bases of generated clients: what the injector recognises, without loading what they call.

Generated `...Client`/`...SyncClient` classes subclass `IngressClient` and `...ContextClient`
classes `ContextClient`; a module that only defines them loads no HTTP client.
"""

from __future__ import annotations

__all__ = ["ContextClient", "IngressClient"]


class IngressClient:
    """The base of generated ingress clients: those of services can be injected into handlers."""


class ContextClient:
    """The base of generated context clients: those of services can be injected into handlers."""
