"""The endpoint of package library.lending: serve it with

    restagen serve library.lending.main:app

Written once by restagen, then yours: implementations given as classes get their
constructor parameters injected; register providers and middleware on the endpoint.
"""

from __future__ import annotations

from restagen.runtime import Endpoint, load_config

from .app import create_app
from .impl.circulation import CirculationService
from .impl.lend import LendSaga

# The circulation desk and the lend saga publish events: they need a pubsub section (here in
# code; it can also come from [tool.restagen.pubsub] or RESTAGEN_PUBSUB__* variables).
endpoint = Endpoint(load_config(pubsub={"cluster": "library"}))
app = create_app(circulation=CirculationService, lend=LendSaga, endpoint=endpoint)
