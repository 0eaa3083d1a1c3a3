"""The endpoint of package ftgo.accounting: serve it with

    restagen serve ftgo.accounting.main:app

Written once by restagen, then yours: wire your implementations' dependencies here.
"""

from __future__ import annotations

from .app import create_app
from .impl.accounting import AccountingService

app = create_app(accounting=AccountingService())
