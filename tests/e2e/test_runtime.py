"""The runtime on a real Restate server: middleware, header propagation, injection, request
signing and registration on startup, through the relay chain of `relay/` (first → second → third).

Each test serves the same app with another configuration (RESTAGEN_... variables); the latest
registration is the one Restate calls.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from restagen.runtime import RegistrationError, SyncIngress, register
from tests.generated import generated
from tests.polling import DEADLINE, wait_until

HERE = Path(__file__).resolve().parent

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with generated(tmp_path_factory.mktemp("relay"), HERE / "relay", "relay") as out:
        yield out


def _serve(endpoint: Any, relay: Path, **env: str) -> Any:
    return endpoint("impl:app", [relay, HERE / "relay"], env=env)


def _relay(restate: Any, request: str, headers: dict[str, str]) -> Any:
    from relay.clients import FirstSyncClient

    with SyncIngress(restate.ingress_url) as ingress:
        return FirstSyncClient(ingress).relay(
            request, headers=headers, idempotency_key=f"{request}-{time.time()}"
        )


HEADERS = {"X-Tenant": "acme", "X-User": "ann", "Authorization": "Bearer letmein"}


def test_middleware_runs_global_then_component_then_handler_with_injection(
    restate: Any, endpoint: Any, relay: Path
) -> None:
    _serve(endpoint, relay)
    seen = _relay(restate, "hello", HEADERS)
    assert seen.middleware == [
        "global first/relay",
        "component:schema audit,component_code",
        "component:code",
        "handler:schema check,handler_code str->Seen",
        "handler:code",
    ]
    # the Greeter provider, built once with the configuration injected
    assert seen.greeting == "hello from port 9080"


def test_a_middleware_rejects_an_unauthenticated_request_with_a_declared_error(
    restate: Any, endpoint: Any, relay: Path
) -> None:
    from relay.clients import FirstSyncClient
    from relay.errors import Unauthorized

    _serve(endpoint, relay)
    with SyncIngress(restate.ingress_url) as ingress:
        first = FirstSyncClient(ingress)
        with pytest.raises(Unauthorized) as raised:
            first.secret()
        assert raised.value.reason == "first/secret needs a token"
        assert first.secret(headers={"Authorization": "Bearer letmein"}) == "the secret"


def _headers(seen: Any) -> dict[str, dict[str, str]]:
    return {hop.service: hop.headers for hop in seen.hops}


def test_propagating_every_incoming_header_through_three_services(
    restate: Any, endpoint: Any, relay: Path
) -> None:
    _serve(endpoint, relay, RESTAGEN_SERVER__PROPAGATE_INCOMING_HEADERS="true")
    seen = _headers(_relay(restate, "override", HEADERS))
    assert seen["first"]["x-tenant"] == "acme"
    assert seen["first"]["x-restate-ingress-path"] == "/first/relay"
    forwarded = {"x-tenant": "overridden", "x-user": "ann", "authorization": "Bearer letmein"}
    assert seen["second"] == forwarded  # the explicit header won; Restate's own headers stayed
    assert seen["third"] == forwarded


def test_propagating_listed_headers_only(restate: Any, endpoint: Any, relay: Path) -> None:
    _serve(endpoint, relay, RESTAGEN_SERVER__PROPAGATE_INCOMING_HEADERS='["X-USER"]')
    seen = _headers(_relay(restate, "plain", HEADERS))
    assert seen["second"] == {"x-user": "ann"}
    assert seen["third"] == {"x-user": "ann"}
    seen = _headers(_relay(restate, "override", HEADERS))
    assert seen["second"] == {"x-user": "ann", "x-tenant": "overridden"}
    assert seen["third"] == {"x-user": "ann"}  # explicit headers are for one call, not propagated


def test_without_propagation_nothing_is_forwarded(restate: Any, endpoint: Any, relay: Path) -> None:
    _serve(endpoint, relay)
    seen = _headers(_relay(restate, "plain", HEADERS))
    assert seen["second"] == {}
    assert seen["third"] == {}


def test_a_declared_error_raised_in_a_run_action_is_terminal_and_keeps_its_type(
    restate: Any, endpoint: Any, relay: Path
) -> None:
    from relay.clients import ThirdSyncClient
    from relay.errors import Unauthorized

    _serve(endpoint, relay)
    with SyncIngress(restate.ingress_url) as ingress:
        third = ThirdSyncClient(ingress)
        with pytest.raises(Unauthorized) as raised:
            third.guarded("once")
        assert raised.value.reason == "refused once"
        assert third.attempts("once") == 1  # journaled as a failure, never retried


def test_identity_keys_reject_requests_not_signed_by_the_cluster(
    restate: Any, endpoint: Any, relay: Path, request_signing: Any
) -> None:
    from tests.e2e.conftest import signing_key

    served = _serve(endpoint, relay, RESTAGEN_IDENTITY__KEYS=f'["{request_signing.public_key}"]')
    assert _relay(restate, "signed", HEADERS).greeting  # Restate's signed requests pass
    unsigned = httpx.get(f"{served.uri}/discover")
    assert unsigned.status_code == 401

    stranger = signing_key(relay)
    other = endpoint(
        "impl:app",
        [relay, HERE / "relay"],
        env={"RESTAGEN_IDENTITY__KEYS": f'["{stranger.public_key}"]'},
        register=False,
    )
    with pytest.raises(RegistrationError):
        register(restate.admin_url, other.uri, timeout=DEADLINE)


def test_deploy_on_startup_registers_the_endpoint_by_itself(restate: Any, endpoint: Any, relay: Path) -> None:
    from tests.e2e.conftest import Endpoint

    served = Endpoint("impl:app", [relay, HERE / "relay"], restate, register=False)
    served.env = {
        "RESTAGEN_ADMIN__URL": restate.admin_url,
        "RESTAGEN_ADMIN__DEPLOY_ON_STARTUP": "true",
        "RESTAGEN_ADMIN__ENDPOINT_URL": served.uri,
    }
    served.start()
    try:

        def registered() -> bool:
            deployments = httpx.get(f"{restate.admin_url}/deployments", timeout=30).json()["deployments"]
            return any(deployment["uri"].rstrip("/") == served.uri for deployment in deployments)

        wait_until(registered, f"{served.uri} registering itself")
        assert _relay(restate, "deployed", HEADERS).greeting
    finally:
        served.stop()


def test_registering_with_an_unreachable_admin_api_fails_clearly() -> None:
    with pytest.raises(RegistrationError, match="admin API unreachable"):
        register("http://127.0.0.1:9", "http://127.0.0.1:9080", timeout=0.5)
