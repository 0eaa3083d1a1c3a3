"""A 3-node Restate cluster on loopback: every node serves, and work survives the loss of a node.

Each test starts a cluster of its own (replicated log, replication 2), so that it can kill and
restart nodes, and serves `ingress_app`'s `tally` object on it: `add` adds to a total and counts
its own runs in the same state, so a total and a run count both at N after N sends means each
send was applied exactly once. Clients are given every node's ingress and fail over among them;
sends carry idempotency keys, which makes them safe to repeat on another node after a broken
connection.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from restagen.local.cluster import LocalCluster
from restagen.local.errors import RestateServerNotFound
from restagen.local.processes import stop
from restagen.local.server import LocalRestate
from restagen.runtime import Ingress, SyncIngress
from restagen.testing import local_cluster, serve
from tests.e2e.conftest import Endpoint, server_binary
from tests.e2e.ingress_app import ADD, RUNS, TOTAL, app
from tests.polling import until, wait_until

HERE = Path(__file__).resolve().parent

pytestmark = pytest.mark.e2e


@pytest.fixture
def cluster() -> Iterator[LocalCluster]:
    with local_cluster(3, binary=server_binary()) as started:
        yield started


def test_every_node_has_its_own_configuration_and_serves_every_service(cluster: LocalCluster) -> None:
    configs = [node.config_file.read_text() for node in cluster.nodes if node.config_file is not None]
    assert len(configs) == 3 and len(set(configs)) == 3
    assert sum("auto-provision = true" in config for config in configs) == 1, "one node provisions"
    assert all('default-provider = "replicated"' in config for config in configs)
    assert all("default-replication = 2" in config for config in configs)
    assert len({node.base_dir for node in cluster.nodes}) == 3
    assert len(set(cluster.ingress_urls)) == 3
    with serve(app, server=cluster):
        for url in cluster.ingress_urls:
            with SyncIngress(url) as ingress:
                ingress.call(ADD, 1, key="each")
        with SyncIngress(cluster.ingress_urls[2]) as ingress:
            assert ingress.call(TOTAL, None, key="each") == 3


def test_serve_starts_a_cluster_of_its_own() -> None:
    with serve(app, nodes=3) as env:
        assert isinstance(env.server, LocalCluster) and len(env.ingress_urls) == 3
        assert env.sync_ingress.urls == tuple(env.ingress_urls), "the env's clients fail over"
        env.sync_ingress.call(ADD, 5, key="own")
        with SyncIngress(env.ingress_urls[1]) as second:
            assert second.call(TOTAL, None, key="own") == 5
        nodes = list(env.server.nodes)
    assert not any(node.running for node in nodes)
    assert not env.server.base_dir.exists()


def test_a_cluster_stops_every_node_and_removes_its_data() -> None:
    cluster = local_cluster(3, binary=server_binary())
    cluster.start()
    processes = [node._process for node in cluster.nodes]
    cluster.close()
    assert all(process is not None and process.poll() is not None for process in processes)
    assert not cluster.base_dir.exists()


def test_a_failed_start_stops_every_node(tmp_path: Path) -> None:
    cluster = local_cluster(3, binary=server_binary())
    cluster.nodes[2].binary = tmp_path / "no-server"
    with pytest.raises(RestateServerNotFound, match="no restate-server"):
        cluster.start()
    assert not cluster.running_nodes()
    cluster.close()


@pytest.mark.slow
def test_sends_to_a_counter_while_a_node_is_killed_and_restarted(cluster: LocalCluster) -> None:
    """(a) 1,000 one-way sends; node 1 (the first ingress, which provisioned the cluster) is
    SIGKILLed after a third of them and started again after two thirds: exactly 1,000 applied."""
    sends = 1000
    accepted = 0

    async def scenario() -> None:
        nonlocal accepted
        async with serve(app, server=cluster), Ingress(cluster.ingress_urls) as ingress:
            queue: asyncio.Queue[int] = asyncio.Queue()
            for number in range(sends):
                queue.put_nowait(number)

            async def sender() -> None:
                nonlocal accepted
                while not queue.empty():
                    number = queue.get_nowait()
                    await ingress.send(ADD, 1, key="counter", idempotency_key=f"add-{number}")
                    accepted += 1

            async def chaos() -> None:
                await until(lambda: accepted >= sends // 3, "a third of the sends")
                await asyncio.to_thread(cluster.nodes[0].stop, kill=True)
                await until(lambda: accepted >= 2 * sends // 3, "two thirds of the sends")
                # Started from the main thread, blocking the senders a moment: a child gets SIGTERM when the
                # thread that spawned it ends (processes.py), and asyncio.to_thread's threads end with the loop.
                cluster.nodes[0].start()

            await asyncio.gather(chaos(), *(sender() for _ in range(16)))
            assert ingress.url != cluster.ingress_urls[0], "the client moved on from the killed node"

            async def settled() -> bool:
                return await ingress.call(RUNS, None, key="counter") >= sends

            await until(settled, "every send applied", timeout=90)
            assert await ingress.call(TOTAL, None, key="counter") == sends
            assert await ingress.call(RUNS, None, key="counter") == sends
            async with Ingress(cluster.ingress_urls[0]) as first:
                assert await first.call(TOTAL, None, key="counter") == sends, "node 1 is back in the cluster"

    asyncio.run(scenario())
    assert accepted == sends
    assert all(node.running for node in cluster.nodes)


@pytest.mark.slow
def test_the_endpoint_and_a_node_killed_at_the_same_time(cluster: LocalCluster) -> None:
    """(d) 300 one-way sends, 8 in flight; after 100 the endpoint process and node 1 are SIGKILLed
    together (invocations are running then: each add is queued behind the others of its key),
    the sends go on through the surviving nodes, and after 200 both start again. Every send is
    applied exactly once."""
    endpoint = Endpoint("ingress_app:app", [HERE], cluster, register=False)  # type: ignore[arg-type]
    endpoint.start()
    sends = 300
    accepted = 0

    def kill_both() -> None:
        killers = [
            threading.Thread(target=endpoint.kill),
            threading.Thread(target=cluster.nodes[0].stop, kwargs={"kill": True}),
        ]
        for killer in killers:
            killer.start()
        for killer in killers:
            killer.join()

    async def scenario() -> None:
        nonlocal accepted
        async with Ingress(cluster.ingress_urls) as ingress:
            numbers = iter(range(sends))

            async def sender() -> None:
                nonlocal accepted
                for number in numbers:
                    await ingress.send(ADD, 1, key="both", idempotency_key=f"add-{number}")
                    accepted += 1

            async def chaos() -> None:
                await until(lambda: accepted >= sends // 3, "a third of the sends")
                await asyncio.to_thread(kill_both)
                await until(lambda: accepted >= 2 * sends // 3, "two thirds of the sends")
                # Started from the main thread, blocking the senders a moment: a child gets SIGTERM when the
                # thread that spawned it ends (processes.py), and asyncio.to_thread's threads end with the loop.
                cluster.nodes[0].start()
                endpoint.start()

            await asyncio.gather(chaos(), *(sender() for _ in range(8)))

    try:
        cluster.register(endpoint.uri)
        asyncio.run(scenario())
        assert accepted == sends
        with SyncIngress(cluster.ingress_urls) as ingress:
            wait_until(
                lambda: ingress.call(RUNS, None, key="both") >= sends, "every send applied", timeout=90
            )
            assert ingress.call(TOTAL, None, key="both") == sends
            assert ingress.call(RUNS, None, key="both") == sends
        assert all(node.running for node in cluster.nodes) and endpoint.process is not None
        assert endpoint.process.poll() is None
    finally:
        endpoint.stop()


def test_the_compose_files_node_settings_form_a_cluster(tmp_path: Path) -> None:
    """The environment `docker-compose.cluster.yaml` gives its nodes, on loopback (each node's own
    address in place of the compose host names): restate-server reads it and forms the cluster."""
    from restagen.compiler.render.deploy_cluster import node_environment
    from restagen.compiler.render.deploy_settings import DeploySettings

    settings = DeploySettings(targets=["cluster"])
    nodes = [
        LocalRestate(server_binary(), base_dir=tmp_path / f"n{n}", node_name=f"restate-{n}")
        for n in (1, 2, 3)
    ]
    for index, node in enumerate(nodes, start=1):
        node.env = node_environment(settings, index, lambda n: nodes[n - 1].node_url)
    try:
        for node in nodes:
            node.launch()
        for node in nodes:
            node.wait_ready()

        def members() -> bool:
            health = httpx.get(f"{nodes[2].admin_url}/cluster-health", timeout=2).json()
            return (
                len(health["metadata_cluster_health"]["members"]) == 3 and health["cluster_name"] == "restate"
            )

        wait_until(members, "three members of the cluster named restate")
    finally:
        stop(*(node.release() for node in nodes))
