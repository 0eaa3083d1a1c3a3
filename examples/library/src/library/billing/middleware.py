"""The middleware named in the schemas of package library.billing, registered
by `main.py`.

Written once by restagen, then yours: each class runs before the handlers that name
it. Constructor parameters are injected; raise to stop the handler.
"""

from __future__ import annotations

from typing import Any

from restagen.runtime import ComponentInfo, HandlerContext, HandlerInfo


class AuditMiddleware:
    """The middleware named `audit`: notes every attempt of a billing handler, and the
    saga step that made it, in the endpoint's output."""

    async def handle(
        self, ctx: HandlerContext[Any], component: ComponentInfo, handler: HandlerInfo
    ) -> None:
        step = ctx.headers.get("x-restagen-saga-step", "-")
        print(f"audit: {component.name}.{handler.name} (saga step {step})", flush=True)
