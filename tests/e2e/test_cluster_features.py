"""Sagas and events on a 3-node cluster while a node is SIGKILLed: exactly once all the same.

(b) The trip saga (tests/e2e/trip) counts every participant call and every compensation in its
ledger object: sagas are started, node 1 (the first ingress, which provisioned the cluster) is
killed while they are in forward steps and started again while they compensate; every saga must
end as it would have, each effect counted once. (c) Events are published from outside through
every node's ingress while node 1 is killed and restarted: each subscriber of each event records
it once in the `tally` object of the news package (tests/e2e/news).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from restagen.cli import main as restagen
from restagen.local.cluster import LocalCluster
from restagen.runtime import Ingress, PubSubConfig, SyncIngress
from restagen.runtime.events import IngressPublisher
from restagen.testing import local_cluster
from tests.e2e.conftest import Endpoint, server_binary
from tests.e2e.test_saga_crashes import (
    _check_exactly_once,
    _compensating,
    _in_forward_step,
    _start,
    _wait_for,
)
from tests.e2e.test_saga_crashes import trip as trip  # the generated trip package, for this module too
from tests.generated import generated
from tests.polling import until, wait_until

HERE = Path(__file__).resolve().parent

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def cluster() -> Iterator[LocalCluster]:
    with local_cluster(3, binary=server_binary()) as started:
        yield started


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with generated(tmp_path_factory.mktemp("news"), HERE / "news", "news", "impl") as out:
        yield out


def _settled(cluster: LocalCluster) -> bool:
    """Whether no invocation of the news services or the registry is left unfinished. A cluster's
    SQL query fails for a few seconds after a node restarts (restate-server 1.7 answers 500 "node
    lookup for partition 0 failed", or "No such scanner"): that is not an answer, ask again."""
    services = "'desk', 'audit', 'feed', 'inbox', 'tally', 'restagen_events'"
    query = f"SELECT count(*) AS n FROM sys_invocation WHERE status != 'completed' AND target_service_name IN ({services})"
    for admin_url in cluster.admin_urls:
        try:
            answer = httpx.post(
                f"{admin_url}/query",
                json={"query": query},
                headers={"accept": "application/json"},
                timeout=30,
            )
        except httpx.TransportError:
            continue
        if answer.status_code == 200:
            return int(answer.json()["rows"][0]["n"]) == 0
    return False


def _serve(cluster: LocalCluster, app: str, paths: list[Path], env: dict[str, str] | None = None) -> Endpoint:
    endpoint = Endpoint(app, paths, cluster, env=env or {}, register=False)  # type: ignore[arg-type]
    endpoint.start()
    return endpoint


def test_sagas_in_flight_while_a_node_is_killed(trip: Path, cluster: LocalCluster) -> None:
    """(b) Every saga ends, each participant's effect and each compensation exactly once."""
    served = _serve(cluster, "impl:app", [trip, HERE / "trip"])
    try:
        cluster.register(served.uri)
        urls: Any = cluster.ingress_urls  # the helpers' clients take one ingress or several
        trips = _start(urls, "cluster")
        _wait_for(urls, trips, _in_forward_step, "in a forward step")
        cluster.nodes[0].stop(kill=True)
        _wait_for(urls, trips, _compensating, "compensating")
        cluster.nodes[0].start()
        _check_exactly_once(urls, trips)
        assert all(node.running for node in cluster.nodes)
    finally:
        served.stop()


def test_events_published_while_a_node_is_killed(news: Path, cluster: LocalCluster) -> None:
    """(c) Each of 60 events reaches each of its three subscribers exactly once."""
    from news.clients import TallySyncClient
    from news.events import NewsEvents
    from news.models import Posted

    served = _serve(cluster, "impl:app", [news, HERE / "news"], {"RESTAGEN_PUBSUB__CLUSTER": "default"})
    try:
        command = ["register", "--admin", cluster.admin_url, "--uri", served.uri]
        assert restagen([*command, "--ingress", cluster.ingress_url]) == 0
        cluster.wait_known(served.uri)
        posts = [f"k{number}" for number in range(60)]
        published = 0

        async def scenario() -> None:
            nonlocal published
            async with Ingress(cluster.ingress_urls) as ingress:
                events = NewsEvents(IngressPublisher(ingress, PubSubConfig()))

                async def publish() -> None:
                    nonlocal published
                    for post in posts:
                        await events.posted(Posted(post_id=post, text=f"about {post}"), key=post)
                        published += 1

                async def chaos() -> None:
                    await until(lambda: published >= 20, "a third of the publishes")
                    await asyncio.to_thread(cluster.nodes[0].stop, kill=True)
                    await until(lambda: published >= 40, "two thirds of the publishes")
                    # Started from the main thread, blocking the senders a moment: a child gets SIGTERM when the
                    # thread that spawned it ends (processes.py), and asyncio.to_thread's threads end with the loop.
                    cluster.nodes[0].start()

                await asyncio.gather(publish(), chaos())
                assert ingress.url != cluster.ingress_urls[0], "the publisher moved on from the killed node"

        asyncio.run(scenario())
        with SyncIngress(cluster.ingress_urls) as ingress:

            def heard(post: str) -> list[str]:
                return [entry.split(" ")[0] for entry in TallySyncClient(ingress, key=post).heard()]

            for post in posts:
                wait_until(lambda post=post: len(heard(post)) >= 3, f"the subscribers of {post}", timeout=90)
            # Nothing is left to run (a duplicate on its way would be heard after this)...
            wait_until(lambda: _settled(cluster), "every delivery finished", timeout=90)
            for post in posts:
                assert heard(post) == ["audit", "feed:Posted", f"inbox:{post}"], post
        assert all(node.running for node in cluster.nodes)
    finally:
        served.stop()
