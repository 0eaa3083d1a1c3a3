"""The middleware named in the schemas of package library.catalog, registered
by `main.py`.

Written once by restagen, then yours: each class runs before the handlers that name
it. Constructor parameters are injected; raise to stop the handler.
"""

from __future__ import annotations

from typing import Any

from restagen.runtime import ComponentInfo, HandlerContext, HandlerInfo

from .errors import Forbidden

LIBRARIAN_HEADER = "x-librarian"


class LibrarianOnlyMiddleware:
    """The middleware named `librarian_only`: the handler runs only for a request that
    names the librarian making it."""

    async def handle(
        self, ctx: HandlerContext[Any], component: ComponentInfo, handler: HandlerInfo
    ) -> None:
        if not ctx.headers.get(LIBRARIAN_HEADER):
            raise Forbidden(
                reason=f"{component.name}.{handler.name} is for librarians only"
            )
