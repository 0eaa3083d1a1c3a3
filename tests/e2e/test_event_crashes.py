"""Events crash tests, on a real Restate server of the test's own: while a source publishes ticks
(one publish at a time, from inside a handler: one hop, from its copy of the subscriptions) to two
subscribers in two other endpoints, the publishing endpoint, a subscriber's endpoint and the
server are each killed with SIGKILL and restarted. Every subscriber hears every tick exactly
once, as counted in the state of the `count` object."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from restagen.cli import main as restagen
from restagen.local.server import LocalRestate
from restagen.runtime import SyncIngress
from tests.generated import generated
from tests.polling import wait_until

HERE = Path(__file__).resolve().parent

pytestmark = pytest.mark.e2e

TICKS = 60


@pytest.fixture(scope="module")
def storm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with generated(tmp_path_factory.mktemp("storm"), HERE / "storm", "storm", "impl") as out:
        yield out


def _heard(ingress_url: str, who: str) -> list[int]:
    from storm.clients import CountSyncClient

    with SyncIngress(ingress_url) as ingress:
        return CountSyncClient(ingress, key=who).heard()


def _unfinished(server: LocalRestate) -> int:
    query = (
        "SELECT count(*) AS n FROM sys_invocation WHERE status != 'completed' "
        "AND target_service_name IN ('source', 'left', 'right', 'count', 'restagen_events', 'restagen_event_log')"
    )
    answer = httpx.post(
        f"{server.admin_url}/query", json={"query": query}, headers={"accept": "application/json"}, timeout=30
    )
    answer.raise_for_status()
    return int(answer.json()["rows"][0]["n"])


def test_every_subscriber_hears_every_event_once_through_kills_of_each_process(
    storm: Path, own_restate: LocalRestate, endpoint: Any
) -> None:
    from storm.clients import SourceSyncClient

    paths = [storm, HERE / "storm"]
    source = endpoint("impl:source_app", paths, server=own_restate)
    left = endpoint("impl:left_app", paths, server=own_restate)
    right = endpoint("impl:right_app", paths, server=own_restate)
    for subscriber in (left, right):
        command = ["register", "--admin", own_restate.admin_url, "--uri", subscriber.uri]
        assert restagen([*command, "--ingress", own_restate.ingress_url]) == 0

    with SyncIngress(own_restate.ingress_url) as ingress:
        SourceSyncClient(ingress).send_burst(TICKS)

    def progress(count: int) -> int:
        heard = len(_heard(own_restate.ingress_url, "left"))
        return heard if heard >= count else 0

    # The server first: the source is idle while it restarts, so the other kills come in time.
    at_kills = [wait_until(lambda: progress(3), "the first ticks")]
    own_restate.restart(kill=True)
    at_kills.append(wait_until(lambda: progress(at_kills[-1] + 3), "ticks after the server's restart"))
    source.kill()  # the publisher, with the registry and the logs
    source.start()
    at_kills.append(wait_until(lambda: progress(at_kills[-1] + 3), "ticks after the source's restart"))
    right.kill()  # a subscriber
    right.start()
    assert max(at_kills) < TICKS, "each kill came during the fan-out"

    expected = list(range(TICKS))
    for who in ("left", "right"):
        wait_until(
            lambda who=who: sorted(_heard(own_restate.ingress_url, who)) == expected, f"every tick at {who}"
        )
    # Once nothing is left unfinished, nothing more is on its way: a duplicate would be counted now.
    wait_until(lambda: _unfinished(own_restate) == 0, "every invocation finishing")
    for who in ("left", "right"):
        heard = _heard(own_restate.ingress_url, who)
        assert sorted(heard) == expected, f"{who} heard {sorted(heard)}"
    for served in (source, left, right):
        served.stop()
