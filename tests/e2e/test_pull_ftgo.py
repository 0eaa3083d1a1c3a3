"""restagen's own food-to-go example pulled back from a real server: what `restagen pull` reads
from services restagen generated, and how it differs from the schemas they came from (the
differences docs/interop.md lists)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from restagen.cli import main as restagen
from restagen.local.server import LocalRestate
from tests.e2e.conftest import ROOT, Endpoint
from tests.generated import generated

pytestmark = pytest.mark.e2e

FTGO = ["accounting", "consumer", "create_order", "kitchen", "order", "signup"]


@pytest.fixture(scope="module")
def pulled(
    restate: LocalRestate, endpoint: Callable[..., Endpoint], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    endpoint("ftgo_endpoint:app", [ROOT / "examples" / "ftgo" / "src"])
    schemas = tmp_path_factory.mktemp("ftgo") / "schemas"
    assert (
        restagen(["pull", "--admin", restate.admin_url, "-o", str(schemas), "--package", "back", *FTGO]) == 0
    )
    return schemas


def _load(path: Path) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(path.read_text())


def test_the_pulled_order_service_keeps_names_kinds_descriptions_and_tagged_unions(pulled: Path) -> None:
    order = _load(pulled / "order.restagen.yaml")
    types = order["types"]
    assert types["Payment"] == {"union": ["CardPayment", "CashPayment"], "discriminator": "kind"}
    assert types["CardPayment"] == {"properties": {"card_token": "string"}}
    assert types["OrderState"] == {"enum": ["APPROVAL_PENDING", "APPROVED", "REJECTED", "CANCELLED"]}
    assert types["Order"]["properties"]["from"] == {
        "type": "string",
        "description": "Which channel the order came from.",
        "default": "web",
    }
    handlers = order["services"]["order"]["handlers"]
    # Errors are not described by Restate; an event handler is a handler taking the event.
    assert handlers["create"] == {"input": "OrderDetails", "output": "Order"}
    assert handlers["on_ticket_created"] == {"input": "TicketCreated"}
    # inactivity_timeout: 1m is the server's default, which a pull does not write.
    assert order["services"]["order"]["options"] == {
        "retry": {"max_attempts": 10, "initial_interval": "100ms"}
    }
    consumer = _load(pulled / "consumer.restagen.yaml")["objects"]["consumer"]
    # `output: Consumer?`: outside a field, `T?` is `T | null`, and pulls back as that.
    assert consumer["handlers"]["get"] == {"kind": "shared", "output": "Consumer | null"}
    signup = _load(pulled / "signup.restagen.yaml")["workflows"]["signup"]
    assert signup["options"] == {"workflow_retention": "7d"}


@pytest.fixture(scope="module")
def back(pulled: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with generated(tmp_path_factory.mktemp("back"), pulled, "back") as out:
        yield out


def test_clients_generated_from_the_pulled_files_call_the_services(restate: LocalRestate, back: Path) -> None:
    from back.consumer.clients import ConsumerClient
    from back.consumer.models import Consumer

    from restagen.runtime import Ingress

    async def scenario() -> None:
        async with Ingress(restate.ingress_url) as ingress:
            consumer = ConsumerClient(ingress, "pulled-1")
            ann = Consumer(name="Ann", email="ann@example.com")
            assert await consumer.register(ann) == ann
            assert await consumer.get() == ann

    asyncio.run(scenario())
