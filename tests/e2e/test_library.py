"""The lending library example (examples/library) on a real Restate server: its one endpoint
serves every package, registered with its event subscriptions, and driven through the generated
ingress clients. BSON travels through the ingress with keyword field names and a tagged union;
declared errors come back as themselves, one of them raised by middleware; an event reaches each
of its subscribers; the lend saga succeeds, rolls back and fails; a workflow waits for its
promise."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import bson
import httpx
import pytest

from restagen.cli import main as restagen
from restagen.local.server import LocalRestate
from restagen.runtime import SyncIngress
from restagen.runtime.sagas import SagaStatus
from restagen.testing import ServedApp, serve
from tests.polling import wait_until

SRC = Path(__file__).resolve().parents[2] / "examples" / "library" / "src"

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def library() -> Iterator[Path]:
    """The example's packages, importable by the tests of this module only."""
    sys.path.insert(0, str(SRC))
    try:
        yield SRC
    finally:
        sys.path.remove(str(SRC))
        for name in [m for m in sys.modules if m.split(".")[0] in ("library", "library_endpoint")]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def served(library: Path, restate: LocalRestate) -> Iterator[ServedApp]:
    from library_endpoint import app

    with serve(app, server=restate) as env:
        command = [
            "register", "--admin", restate.admin_url, "--uri", env.endpoint_url,
            "--ingress", restate.ingress_url, "--cluster", "library",
        ]  # fmt: skip
        assert restagen(command) == 0
        yield env


@pytest.fixture
def ingress(restate: Any, served: Any) -> Iterator[SyncIngress]:
    with SyncIngress(restate.ingress_url) as client:
        yield client


LIBRARIAN = {"x-librarian": "ann"}


def _book(item_id: str, **fields: Any) -> Any:
    from library.catalog.models import Book, Item, LoanType, Work
    from library.common.models import Money

    values: dict[str, Any] = {
        "item_id": item_id,
        "title": "The Remains of the Day",
        "class_": "823.914",
        "type": LoanType.SHORT,
        "work": Work(Book(isbn="9780571258246", authors=["Kazuo Ishiguro"], pages=258)),
        "copies": 2,
        "replacement_cost": Money(amount=Decimal("12.99"), currency="GBP"),
        "acquired_on": date(2024, 3, 1),
        "cover": b"\x89PNG\x00\xff",
    }
    return Item(**(values | fields))


def _member(ingress: SyncIngress, member_id: str) -> None:
    from library.common.models import Period
    from library.members.clients import MemberSyncClient
    from library.members.models import Member

    valid = Period(from_=date(2025, 1, 1), until=date(2099, 1, 1))
    MemberSyncClient(ingress, key=member_id).join(
        Member(name=member_id, email=f"{member_id}@example.org", membership=valid)
    )


def test_an_item_travels_as_bson_with_its_keyword_fields_and_its_union(
    ingress: SyncIngress, restate: Any
) -> None:
    from library.catalog.clients import ItemSyncClient
    from library.catalog.models import Item, Recording

    book = _book("book-1")
    assert ItemSyncClient(ingress, key="book-1").add(book, headers=LIBRARIAN) == book
    assert ItemSyncClient(ingress, key="book-1").get() == book

    disc = Item.model_validate(
        {
            "item_id": "disc-1", "title": "Kind of Blue", "class": "781.65",
            "work": {"kind": "Recording", "label": "Columbia", "length": "PT45M44S"},
            "replacement_cost": {"amount": "18.00"}, "acquired_on": "2023-11-02",
        }
    )  # fmt: skip
    assert (disc.class_, disc.type, disc.copies, disc.tags) == ("781.65", "STANDARD", 1, [])
    assert ItemSyncClient(ingress, key="disc-1").add(disc, headers=LIBRARIAN) == disc
    stored = ItemSyncClient(ingress, key="disc-1").get()
    assert stored == disc and isinstance(stored.work.root, Recording)
    assert stored.work.root.length == timedelta(minutes=45, seconds=44)

    # What the ingress carries: a BSON document, with the schema's names and the union's tag.
    answer = httpx.post(f"{restate.ingress_url}/item/book-1/get", timeout=30)
    assert answer.status_code == 200, answer.text
    wire = bson.decode(answer.content)["v"]
    assert (wire["class"], wire["type"], wire["work"]["kind"]) == ("823.914", "SHORT", "Book")
    assert wire["cover"] == b"\x89PNG\x00\xff" and "class_" not in wire


def test_the_handler_refuses_an_item_its_constraints_reject(ingress: SyncIngress, restate: Any) -> None:
    """The schema's constraints hold at the handler too: an item that breaks them (sent as BSON
    by a client that skips validation) ends the call at once with 400, naming the fields."""
    from library.catalog.clients import ItemSyncClient
    from library.catalog.models import Item

    from restagen.runtime import IngressError

    valid = _book("book-9")
    broken = Item.model_construct(**(dict(valid) | {"class_": "fiction", "copies": -1}))
    with pytest.raises(IngressError) as refused:
        ItemSyncClient(ingress, key="book-9").add(broken, headers=LIBRARIAN)
    assert refused.value.status_code == 400, refused.value
    assert "class" in refused.value.message and "copies" in refused.value.message


def test_middleware_refuses_a_request_with_the_handlers_declared_error(ingress: SyncIngress) -> None:
    from library.catalog.clients import ItemSyncClient
    from library.catalog.errors import Forbidden

    with pytest.raises(Forbidden) as refused:
        ItemSyncClient(ingress, key="book-2").add(_book("book-2"))
    assert refused.value.code == 403
    assert refused.value.reason == "item.add is for librarians only"


def test_a_declared_error_is_revived_at_the_caller(ingress: SyncIngress) -> None:
    from library.catalog.clients import ItemSyncClient
    from library.catalog.errors import ItemNotFound

    with pytest.raises(ItemNotFound) as missing:
        ItemSyncClient(ingress, key="book-404").get()
    assert (missing.value.code, missing.value.item_id) == (404, "book-404")


def test_the_enrolment_workflow_waits_for_its_promise(ingress: SyncIngress) -> None:
    from library.members.clients import EnrolmentSyncClient, MemberSyncClient
    from library.members.models import Application, EnrolmentStatus, MembershipClass

    enrolment = EnrolmentSyncClient(ingress, key="m-ann")
    application = Application(name="Ann", email="ann@example.org", class_=MembershipClass.STUDENT)
    enrolment.submit(application)
    wait_until(
        lambda: enrolment.status() == EnrolmentStatus.AWAITING_CONFIRMATION, "the run awaiting its promise"
    )
    enrolment.confirm("ann@example.org")
    card = enrolment.attach()
    assert card is not None and card.class_ is MembershipClass.STUDENT
    assert card.valid.until - card.valid.from_ == timedelta(days=365)
    assert enrolment.status() == EnrolmentStatus.ENROLLED
    profile = MemberSyncClient(ingress, key="m-ann").profile()  # a BSON handler of a JSON package
    assert (profile.name, profile.class_, profile.membership) == ("Ann", MembershipClass.STUDENT, card.valid)


def test_a_loan_and_its_return_reach_every_subscriber(ingress: SyncIngress) -> None:
    from library.billing.clients import AccountSyncClient
    from library.catalog.clients import ItemSyncClient
    from library.catalog.models import LoanType
    from library.common.models import Money
    from library.lending.clients import CirculationSyncClient
    from library.lending.models import LendData, ReturnRequest
    from library.lending.sagas import LendSagaSyncClient
    from library.members.clients import MemberSyncClient
    from library.members.models import Loan

    ItemSyncClient(ingress, key="book-3").add(_book("book-3"), headers=LIBRARIAN)
    _member(ingress, "m-bob")
    data = LendData(loan_id="loan-1", item_id="book-3", member_id="m-bob", deposit=Money(amount=Decimal("5")))
    sagas = LendSagaSyncClient(ingress)
    assert sagas.start("loan-1", data).status == "Accepted"
    state = sagas.result("loan-1")
    assert state.status == SagaStatus.SUCCEEDED, state
    assert state.completed_steps == ["reserve_copy", "record_loan", "take_deposit", "set_due_date"]
    assert state.data.type is LoanType.SHORT and state.data.receipt_id is not None
    loan = state.data.loan
    assert loan is not None and loan.until - loan.from_ == timedelta(days=7)
    assert ItemSyncClient(ingress, key="book-3").availability().on_loan == 1
    member = MemberSyncClient(ingress, key="m-bob")
    assert member.loans() == [Loan(loan_id="loan-1", item_id="book-3")]
    borrowed = f"borrowed book-3 until {loan.until.isoformat()}"
    wait_until(lambda: member.history() == [borrowed], "ItemBorrowed reaching the member")

    returned = CirculationSyncClient(ingress).return_item(
        ReturnRequest(
            loan_id="loan-1",
            item_id="book-3",
            member_id="m-bob",
            due_on=loan.until,
            returned_on=loan.until + timedelta(days=3),
        )
    )
    assert returned.late_days == 3
    # ItemReturned has three subscribers: the member, the shelves (BSON) and billing.
    wait_until(
        lambda: member.history() == [borrowed, "returned book-3, 3 day(s) late"],
        "the member hearing of the return",
    )
    assert member.loans() == []
    wait_until(
        lambda: ItemSyncClient(ingress, key="book-3").availability().on_loan == 0,
        "the copy back on the shelf",
    )
    statement = wait_until(
        lambda: (s := AccountSyncClient(ingress, key="m-bob").statement()).returns and s, "the late fee"
    )
    assert statement.returns == 1 and statement.late_fees.amount == Decimal("0.60")


def test_a_declined_deposit_rolls_the_loan_back(ingress: SyncIngress) -> None:
    from library.catalog.clients import ItemSyncClient
    from library.common.models import Money
    from library.lending.models import LendData
    from library.lending.sagas import LendSagaSyncClient
    from library.members.clients import MemberSyncClient

    ItemSyncClient(ingress, key="book-4").add(_book("book-4"), headers=LIBRARIAN)
    _member(ingress, "m-cy")
    data = LendData(loan_id="loan-2", item_id="book-4", member_id="m-cy", deposit=Money(amount=Decimal("80")))
    sagas = LendSagaSyncClient(ingress)
    sagas.start("loan-2", data)
    state = sagas.result("loan-2")
    assert state.status == SagaStatus.ROLLED_BACK, state
    assert state.completed_steps == ["reserve_copy", "record_loan"]
    assert state.compensated_steps == ["record_loan", "reserve_copy"]
    assert state.cause is not None and (state.cause.step, state.cause.error) == (
        "take_deposit",
        "PaymentDeclined",
    )
    assert ItemSyncClient(ingress, key="book-4").availability().on_loan == 0
    assert MemberSyncClient(ingress, key="m-cy").loans() == []


def test_a_reference_item_fails_the_saga_without_compensating(ingress: SyncIngress) -> None:
    from library.catalog.clients import ItemSyncClient
    from library.catalog.models import LoanType
    from library.common.models import Money
    from library.lending.models import LendData
    from library.lending.sagas import LendSagaSyncClient

    ItemSyncClient(ingress, key="ref-1").add(_book("ref-1", type=LoanType.REFERENCE), headers=LIBRARIAN)
    data = LendData(loan_id="loan-3", item_id="ref-1", member_id="m-cy", deposit=Money(amount=Decimal("5")))
    sagas = LendSagaSyncClient(ingress)
    sagas.start("loan-3", data)
    state = sagas.result("loan-3")
    assert state.status == SagaStatus.FAILED, state
    assert state.cause is not None and (state.cause.step, state.cause.error) == (
        "reserve_copy",
        "NotLendable",
    )
    assert state.completed_steps == [] and state.compensated_steps == []


def test_retry_and_timeouts_of_the_schema_are_restates(restate: Any, served: Any) -> None:
    billing = httpx.get(f"{restate.admin_url}/services/billing", timeout=30).json()
    assert (billing["inactivity_timeout"], billing["retry_policy"]) == (
        "1m",
        {
            "initial_interval": "100ms",
            "exponentiation_factor": 2.0,
            "max_attempts": 8,
            "max_interval": "5s",
            "on_max_attempts": "Pause",
        },
    )
    charge = next(h for h in billing["handlers"] if h["name"] == "charge")
    assert (charge["inactivity_timeout"], charge["abort_timeout"]) == ("30s", "2m")


def test_the_returns_topic_is_subscribed_to_billing(library: Path, own_restate: Any, endpoint: Any) -> None:
    """The generated Kafka subscription of billing's event handler, accepted by a server that
    knows the cluster (its broker is a closed port: Restate keeps trying to consume)."""
    endpoint("library.billing.main:app", [library], server=own_restate)
    cluster = {"name": "kafka", "properties": {"bootstrap.servers": "PLAINTEXT://127.0.0.1:1"}}
    httpx.post(f"{own_restate.admin_url}/kafka-clusters", json=cluster, timeout=30).raise_for_status()
    subscriptions = library / "library" / "billing" / "deploy" / "kafka-subscriptions.yaml"
    assert (
        restagen(["register", "--admin", own_restate.admin_url, "--subscriptions", str(subscriptions)]) == 0
    )
    listed = httpx.get(f"{own_restate.admin_url}/subscriptions", timeout=30).json()["subscriptions"]
    assert [(s["source"], s["sink"], s["options"]["auto.offset.reset"]) for s in listed] == [
        ("kafka://kafka/library.returns", "service://billing/on_item_returned", "earliest")
    ]
