"""The middleware named in the schemas of package library.catalog, registered
by `main.py`.

Written once by restagen, then yours: each class runs before the handlers that name
it. Constructor parameters are injected; raise to stop the handler.
"""

from __future__ import annotations

from typing import Any

from restagen.runtime.context import HandlerContext
from restagen.runtime.middleware import ComponentInfo, HandlerInfo


class LibrarianOnlyMiddleware:
    """The middleware named `librarian_only`."""

    async def handle(
        self, ctx: HandlerContext[Any], component: ComponentInfo, handler: HandlerInfo
    ) -> None:
        return None
