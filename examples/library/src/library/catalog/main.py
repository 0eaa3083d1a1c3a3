"""The endpoint of package library.catalog: serve it with

    restagen serve library.catalog.main:app

Written once by restagen, then yours: implementations given as classes get their
constructor parameters injected; register providers and middleware on the endpoint.
"""

from __future__ import annotations

from restagen.runtime import Endpoint

from .app import create_app
from .impl.item import ItemObject
from .impl.shelving import ShelvingService
from .middleware import LibrarianOnlyMiddleware

endpoint = Endpoint()
endpoint.middleware("librarian_only", LibrarianOnlyMiddleware)
app = create_app(shelving=ShelvingService, item=ItemObject, endpoint=endpoint)
