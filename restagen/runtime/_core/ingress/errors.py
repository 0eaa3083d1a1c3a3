"""What a refused request through the ingress (or its admin API) raises.

    IngressError     a non-2xx answer that is not a declared error of the handler
     └── NotReady    the output of an invocation or workflow asked for before it finished

A declared error of the handler is revived as its own class instead (see responses.py). Network
failures and timeouts are httpx's own (`httpx.TransportError` and its subclasses): an invocation
keeps running when its caller gives up, and `attach` picks it up again.
"""

from __future__ import annotations

__all__ = ["IngressError", "NotReady"]


class IngressError(Exception):
    """A non-2xx answer of the Restate ingress that is not a declared error of the handler.

    `message` is the server's (or the handler's terminal error's) message; `source` says who
    refused: `"ingress"` (the request never became an invocation: unknown service, bad delay,
    ...), `"invocation"` (the invocation ran and failed terminally), when the server says so, or
    `"admin"` (the admin API refused to cancel or kill an invocation).
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
        api = "admin API" if self.source == "admin" else "ingress"
        return f"Restate {api} answered HTTP {self.status_code}{code}: {self.message}{where}"


class NotReady(IngressError):
    """The invocation or workflow has not finished yet: its output is not available (HTTP 470)."""
