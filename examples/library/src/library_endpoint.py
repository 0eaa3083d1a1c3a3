"""One Restate endpoint serving every package of the lending library.

Each package also has its own `main.py` to deploy it alone. Events go through the registry
of the cluster `library`.
"""

from __future__ import annotations

from restagen.runtime import Endpoint, load_config

from library.billing.app import bind_components as bind_billing
from library.billing.impl.account import AccountObject
from library.billing.impl.billing import BillingService
from library.billing.middleware import AuditMiddleware
from library.catalog.app import bind_components as bind_catalog
from library.catalog.impl.item import ItemObject
from library.catalog.impl.shelving import ShelvingService
from library.catalog.middleware import LibrarianOnlyMiddleware
from library.lending.app import bind_components as bind_lending
from library.lending.impl.circulation import CirculationService
from library.lending.impl.lend import LendSaga
from library.members.app import bind_components as bind_members
from library.members.impl.enrolment import EnrolmentWorkflow
from library.members.impl.member import MemberObject

endpoint = Endpoint(load_config(pubsub={"cluster": "library"}))
endpoint.middleware("audit", AuditMiddleware)
endpoint.middleware("librarian_only", LibrarianOnlyMiddleware)
bind_catalog(endpoint, item=ItemObject, shelving=ShelvingService)
bind_members(endpoint, member=MemberObject, enrolment=EnrolmentWorkflow)
bind_billing(endpoint, billing=BillingService, account=AccountObject)
bind_lending(endpoint, circulation=CirculationService, lend=LendSaga)
app = endpoint.app()
