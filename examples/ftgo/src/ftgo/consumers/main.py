"""The endpoint of package ftgo.consumers: serve it with

    restagen serve ftgo.consumers.main:app

Written once by restagen, then yours: wire your implementations' dependencies here.
"""

from __future__ import annotations

from .app import create_app
from .impl.consumer import ConsumerObject
from .impl.signup import SignupWorkflow

app = create_app(consumer=ConsumerObject(), signup=SignupWorkflow())
