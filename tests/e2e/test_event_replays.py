"""Publishing in one hop under replay: on a server that suspends and replays an invocation at
every await (`always_replay`), a handler that publishes and then fails its first attempt still
delivers each event once to each subscriber, and logs it once: the replays send what the first
execution sent, from the copy of the subscriptions it journaled."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from restagen.runtime import Config, Endpoint
from restagen.runtime.events import pull, register_subscriptions
from restagen.runtime.events._cache import CACHE
from restagen.testing import serve
from tests.generated import generated
from tests.polling import until

HERE = Path(__file__).resolve().parent

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _no_copy_of_the_subscriptions() -> None:
    """Each test has a server of its own: a copy made in another test's is not this one's."""
    CACHE.clear()


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with generated(tmp_path_factory.mktemp("news"), HERE / "news", "news", "impl") as out:
        yield out


def test_a_publish_replayed_at_every_await_delivers_and_logs_each_event_once(
    news: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RESTAGEN_PUBSUB__CLUSTER", "default")  # the module's own endpoint, built on import
    from impl import Audit, Desk, Feed, Inbox, Tally
    from news.app import bind_components
    from news.clients import DeskClient, TallyClient

    endpoint = Endpoint(Config.model_validate({"pubsub": {"cluster": "default", "default_stream": "desk"}}))
    bind_components(endpoint, desk=Desk, audit=Audit(), feed=Feed(), inbox=Inbox(), tally=Tally())

    async def scenario() -> tuple[list[str], list[str], list[str], set[str]]:
        async with serve(endpoint, always_replay=True) as env:
            await register_subscriptions(env.ingress_url, "default", endpoint.subscriptions())
            ids = await env.client(DeskClient).post("r1")  # its first attempt fails after publishing
            tally = env.client(TallyClient, "r1")
            heard = await until(lambda: _three(tally), "the three deliveries")
            page = await until(lambda: _logged(env.ingress), "the event in the log")
            # a later publish goes through the same journal path: nothing more arrives for r1
            await env.client(DeskClient).post("r2")
            await until(lambda: _three(env.client(TallyClient, "r2")), "the deliveries of r2")
            senders = await _senders(env.admin_url, "audit")
            return list(ids), heard, [entry.event.id for entry in page], senders

    ids, heard, logged, senders = asyncio.run(scenario())
    assert senders == {"desk"}, "one hop: the publishing handler itself started each delivery"
    assert sorted(entry.split()[0] for entry in heard) == ["audit", "feed:Posted", "inbox:r1"]
    assert {entry.split()[1] for entry in heard} == set(ids)
    assert logged[:1] == ids


async def _three(tally: object) -> list[str] | None:
    heard: list[str] = await tally.heard()  # type: ignore[attr-defined]
    assert len(heard) <= 3, heard
    return heard if len(heard) == 3 else None


async def _logged(ingress: object) -> list[object] | None:
    page = await pull(ingress, stream="desk")  # type: ignore[arg-type]
    return list(page.entries) or None


def test_a_publisher_with_an_out_of_date_copy_of_the_subscriptions_reaches_the_new_ones_once(
    news: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The publishing process keeps its copy for an hour here: once a subscriber has joined, the
    registry sees the publish came from another version and delivers again; those already served
    are not served twice."""
    monkeypatch.setenv("RESTAGEN_PUBSUB__CLUSTER", "default")
    from impl import Audit, Desk, Feed, Inbox, Tally
    from news.app import bind_components
    from news.clients import DeskClient, TallyClient

    config = {"pubsub": {"cluster": "default", "subscriptions_ttl": 3600}}
    endpoint = Endpoint(Config.model_validate(config))
    bind_components(endpoint, desk=Desk, audit=Audit(), feed=Feed(), inbox=Inbox(), tally=Tally())
    everything = endpoint.subscriptions()
    without_inbox = everything.model_copy(
        update={"subscriptions": tuple(s for s in everything.subscriptions if s.component != "inbox")}
    )

    async def scenario() -> tuple[list[str], list[str]]:
        async with serve(endpoint) as env:
            await register_subscriptions(env.ingress_url, "default", without_inbox)
            await env.client(DeskClient).post("c1")  # the process copies the subscriptions
            first = await until(lambda: _count(env.client(TallyClient, "c1"), 2), "c1 at audit and feed")
            await register_subscriptions(env.ingress_url, "default", everything)  # inbox joins
            await env.client(DeskClient).post("c2")
            await until(lambda: _count(env.client(TallyClient, "c2"), 3), "c2 at all three")
            await until(lambda: _settled(env.admin_url), "every invocation finishing")
            return first, await env.client(TallyClient, "c2").heard()

    first, second = asyncio.run(scenario())
    assert sorted(entry.split()[0] for entry in first) == ["audit", "feed:Posted"]
    assert sorted(entry.split()[0] for entry in second) == ["audit", "feed:Posted", "inbox:c2"]


async def _count(tally: object, count: int) -> list[str] | None:
    heard: list[str] = await tally.heard()  # type: ignore[attr-defined]
    return heard if len(heard) >= count else None


async def _senders(admin_url: str, target: str) -> set[str]:
    """Which services started the invocations of `target` (Restate's own records)."""
    import httpx

    query = (
        f"SELECT invoked_by_service_name AS sender FROM sys_invocation WHERE target_service_name = '{target}'"
    )
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.post(
            f"{admin_url}/query", json={"query": query}, headers={"accept": "application/json"}
        )
    answer.raise_for_status()
    return {row["sender"] for row in answer.json()["rows"]}


async def _settled(admin_url: str) -> bool:
    import httpx

    query = "SELECT count(*) AS n FROM sys_invocation WHERE status != 'completed'"
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.post(
            f"{admin_url}/query", json={"query": query}, headers={"accept": "application/json"}
        )
    answer.raise_for_status()
    return int(answer.json()["rows"][0]["n"]) == 0
