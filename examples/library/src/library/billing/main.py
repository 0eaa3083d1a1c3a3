"""The endpoint of package library.billing: serve it with

    restagen serve library.billing.main:app

Written once by restagen, then yours: implementations given as classes get their
constructor parameters injected; register providers and middleware on the endpoint.
"""

from __future__ import annotations

from restagen.runtime import Endpoint

from .app import create_app
from .impl.account import AccountObject
from .impl.billing import BillingService
from .middleware import AuditMiddleware

endpoint = Endpoint()
endpoint.middleware("audit", AuditMiddleware)
app = create_app(billing=BillingService, account=AccountObject, endpoint=endpoint)
