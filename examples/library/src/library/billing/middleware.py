"""The middleware named in the schemas of package library.billing, registered
by `main.py`.

Written once by restagen, then yours: each class runs before the handlers that name
it. Constructor parameters are injected; raise to stop the handler.
"""

from __future__ import annotations

import logging
from typing import Any

from restagen.runtime.context import HandlerContext
from restagen.runtime.middleware import ComponentInfo, HandlerInfo

log = logging.getLogger(__name__)


class AuditMiddleware:
    """The middleware named `audit`: logs every call of a billing handler, and the saga
    step that made it."""

    async def handle(
        self, ctx: HandlerContext[Any], component: ComponentInfo, handler: HandlerInfo
    ) -> None:
        step = ctx.headers.get("x-restagen-saga-step", "-")
        log.info("audit: %s.%s (saga step %s)", component.name, handler.name, step)
