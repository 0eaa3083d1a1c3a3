"""The endpoint of package library.members: serve it with

    restagen serve library.members.main:app

Written once by restagen, then yours: implementations given as classes get their
constructor parameters injected; register providers and middleware on the endpoint.
"""

from __future__ import annotations

from restagen.runtime import Endpoint

from .app import create_app
from .impl.enrolment import EnrolmentWorkflow
from .impl.member import MemberObject

endpoint = Endpoint()
app = create_app(member=MemberObject, enrolment=EnrolmentWorkflow, endpoint=endpoint)
