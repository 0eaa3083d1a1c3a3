"""The endpoint of package library.lending: serve it with

    restagen serve library.lending.main:app

Written once by restagen, then yours: implementations given as classes get their
constructor parameters injected; register providers and middleware on the endpoint.
"""

from __future__ import annotations

from restagen.runtime.endpoint import Endpoint

from .app import create_app
from .impl.circulation import CirculationService
from .impl.lend import LendSaga

endpoint = Endpoint()
app = create_app(circulation=CirculationService, lend=LendSaga, endpoint=endpoint)
