"""`restagen pull` against TypeScript services on a real server: a service, a virtual object and a
workflow written with Restate's TypeScript SDK and zod (tests/e2e/typescript/services.ts) are
registered, pulled, generated, and called through the generated clients.

Every handler is called with the optional fields (zod's `.optional()`, `.nullish()`, defaults)
left out: the generated models leave an unset `T?` out of the JSON, which `.optional()` requires,
and send a required nullable field (`.nullable()`, pulled as `T | null`) as `null`. A second call
sets them all, a datetime with another offset among them: it is written in UTC with `Z`, which
`z.iso.datetime()` requires; and bytes, written in base64's standard alphabet, which
`z.base64()` requires.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

import pytest

from restagen.cli import main as restagen
from restagen.local.server import LocalRestate, free_port
from restagen.runtime import register
from tests.e2e.typescript import serving
from tests.generated import generated

pytestmark = pytest.mark.e2e

SERVICES = ["Counter", "Onboarding", "SubscriptionService"]


@pytest.fixture(scope="module")
def typescript(restate: LocalRestate, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(free_port(), tmp_path_factory.mktemp("typescript")) as uri:
        assert sorted(register(restate.admin_url, uri)) == SERVICES
        yield uri


@pytest.fixture(scope="module")
def pulled(restate: LocalRestate, typescript: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    schemas = tmp_path_factory.mktemp("pulled") / "schemas"
    assert (
        restagen(["pull", "--admin", restate.admin_url, "-o", str(schemas), "--package", "ts", *SERVICES])
        == 0
    )
    return schemas


@pytest.fixture(scope="module")
def clients(pulled: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with generated(tmp_path_factory.mktemp("gen"), pulled, "ts") as out:
        yield out


def test_pull_writes_a_file_per_service(pulled: Path) -> None:
    names = sorted(p.name for p in pulled.iterdir())
    assert names == [
        "counter.restagen.yaml",
        "onboarding.restagen.yaml",
        "subscription_service.restagen.yaml",
    ]
    text = (pulled / "subscription_service.restagen.yaml").read_text()
    assert "  SubscriptionService:\n    description: Plans and what they cost.\n" in text
    assert "description: Adds a plan and returns it as stored." in text
    assert "idempotency_retention: 2h" in text
    assert "enum: [free, pro, enterprise]" in text


def test_pulling_an_unchanged_server_again_changes_nothing(
    restate: LocalRestate, pulled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in pulled.iterdir()}
    capsys.readouterr()
    assert (
        restagen(["pull", "--admin", restate.admin_url, "-o", str(pulled), "--package", "ts", *SERVICES]) == 0
    )
    assert "(0 changed)" in capsys.readouterr().out
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in pulled.iterdir()} == before


def test_every_handler_through_the_generated_clients(restate: LocalRestate, clients: Path) -> None:
    from ts.counter.clients import CounterClient
    from ts.onboarding.clients import OnboardingClient
    from ts.onboarding.models import Plan as OnboardingPlan
    from ts.onboarding.models import RunRequest, RunResponse
    from ts.subscription_service.clients import SubscriptionServiceClient
    from ts.subscription_service.models import (
        Address,
        Card,
        CardKind,
        Plan,
        QuoteRequest,
        QuoteResponse,
        QuoteResponseCurrency,
        Tier,
    )

    from restagen.runtime import Ingress

    # Only what zod requires: `discount` is `.nullable()`, so it is sent, as null.
    plan = Plan(planId="pro-2", tier=Tier.pro, seats=2, price=9.5, tags=["team"], limits={}, discount=None)
    assert plan.model_dump(mode="json", by_alias=True).keys() == {
        "planId",
        "tier",
        "seats",
        "price",
        "active",
        "tags",
        "limits",
        "discount",
    }
    everything = plan.model_copy(
        update={
            "billing": Address(street="Main St 1", city="Berlin"),
            "startsAt": datetime(2026, 1, 1, 9, 30, tzinfo=timezone(timedelta(hours=2))),
            "owner": UUID("12345678-1234-4234-8234-123456789abc"),
            "note": "yearly",
            "discount": 0.1,
            # zod's z.base64() takes the standard alphabet only: these bytes differ in the URL-safe one.
            "logo": b"\xfb\xff\xfe",
            "limits": {"projects": 3},
        }
    )
    everything = Plan.model_validate(everything.model_dump())  # validated: the datetime in UTC

    async def scenario() -> None:
        async with Ingress(restate.ingress_url) as ingress:
            subscriptions = SubscriptionServiceClient(ingress)
            stored = await subscriptions.add_plan(plan)
            assert stored == plan.model_copy(update={"planId": "PRO-2"})
            assert stored.active is True and stored.billing is None and stored.startsAt is None
            stored = await subscriptions.add_plan(everything)
            assert stored == everything.model_copy(update={"planId": "PRO-2"})
            assert stored.startsAt == datetime(2026, 1, 1, 7, 30, tzinfo=UTC)
            assert stored.logo == b"\xfb\xff\xfe"
            assert await subscriptions.quote(QuoteRequest(tier=Tier.pro, seats=3)) == QuoteResponse(
                total=30, currency=QuoteResponseCurrency.EUR
            )
            with_payment = QuoteRequest(
                tier=Tier.free, seats=1, payment=Card(kind=CardKind.card, last4="4242")
            )
            assert (await subscriptions.quote(with_payment)).total == 0
            assert await subscriptions.get_count() == 3
            assert await subscriptions.ping() is None

            counter = CounterClient(ingress, "c-1")
            assert await counter.add(5) == 5
            assert await counter.add(2) == 7
            assert await counter.current() == 7

            for key, request in (
                ("ann", RunRequest(email="ann@example.com")),
                # Each pulled file is a package of its own, with its own copy of the types it uses.
                (
                    "bob",
                    RunRequest(
                        email="bob@example.com", plan=OnboardingPlan.model_validate(plan.model_dump())
                    ),
                ),
            ):
                onboarding = OnboardingClient(ingress, key)
                await onboarding.submit(request)
                await onboarding.confirm("abc")
                assert await onboarding.attach() == RunResponse(welcomed=True, code="abc")

    asyncio.run(scenario())


def test_a_typescript_terminal_error_revives_as_the_declared_error(
    restate: LocalRestate, typescript: str, tmp_path: Path
) -> None:
    """services.ts raises a TerminalError with restagen's metadata (docs/interop.md): a client
    generated from a schema declaring the error gets it back as its class, fields and all."""
    with generated(tmp_path, Path(__file__).parent / "typescript" / "handwritten", "tsclient"):
        from tsclient.clients import SubscriptionServiceClient
        from tsclient.errors import TooManySeats
        from tsclient.models import Quote, QuoteRequest, Tier

        from restagen.runtime import Ingress

        async def scenario() -> None:
            async with Ingress(restate.ingress_url) as ingress:
                client = SubscriptionServiceClient(ingress)
                assert await client.quote(QuoteRequest(tier=Tier.pro, seats=2)) == Quote(
                    total=20, currency="EUR"
                )
                with pytest.raises(TooManySeats) as raised:
                    await client.quote(QuoteRequest(tier=Tier.pro, seats=600))
                assert (raised.value.seats, raised.value.limit, raised.value.code) == (600, 500, 422)

        asyncio.run(scenario())
