"""Restate names that are not Python names (`SubscriptionService`, `getCount`, `user-account.v2`)
on a real server: the wire and the admin API carry the Restate names, Python code the derived or
chosen ones."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from restagen.local.server import LocalRestate
from restagen.testing import ServedApp, serve
from tests.generated import generated

HERE = Path(__file__).resolve().parent

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, restate: LocalRestate) -> Iterator[ServedApp]:
    with generated(tmp_path_factory.mktemp("renamed"), HERE / "renamed", "renamed", "impl"):
        import impl

        with serve(impl.app, server=restate) as env:
            yield env


def test_the_admin_api_lists_the_restate_names(restate: LocalRestate, served: ServedApp) -> None:
    services = httpx.get(f"{restate.admin_url}/services").json()["services"]
    handlers = {s["name"]: sorted(h["name"] for h in s["handlers"]) for s in services}
    assert handlers["SubscriptionService"] == ["addPlan", "getCount"]
    assert handlers["user-account.v2"] == ["bumpVisits", "visits"]
    assert handlers["SignUp"] == ["confirmEmail", "run"]


def test_generated_clients_call_by_restate_name(restate: LocalRestate, served: ServedApp) -> None:
    from renamed.clients import SignUpClient, SubscriptionsClient, UserAccountV2Client
    from renamed.models import Plan

    from restagen.runtime import Ingress

    async def scenario() -> None:
        async with Ingress(restate.ingress_url) as ingress:
            subscriptions = SubscriptionsClient(ingress)
            assert await subscriptions.get_count() == 7
            assert await subscriptions.add_plan(Plan(planId="pro", seats=2)) == Plan(planId="PRO", seats=3)
            account = UserAccountV2Client(ingress, "ann")
            assert await account.bump_visits() == 1
            assert await account.bump_visits() == 2
            assert await account.visit_count() == 2
            signup = SignUpClient(ingress, "s-1")
            await signup.submit("ann@example.com")
            await signup.confirm_email("yes")
            assert await signup.attach() == "ann@example.com: yes"

    asyncio.run(scenario())


def test_the_ingress_answers_at_the_restate_names(restate: LocalRestate, served: ServedApp) -> None:
    response = httpx.post(f"{restate.ingress_url}/user-account.v2/bob/bumpVisits", timeout=30)
    assert response.status_code == 200 and response.json() == 1
    assert httpx.post(f"{restate.ingress_url}/user-account.v2/bob/visits", timeout=30).json() == 1
