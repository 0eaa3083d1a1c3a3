"""This process's copy of the subscriptions of each cluster, for publishing in one hop.

A publish inside a handler records the copy in a `run`, so the invocation's journal holds the
very subscriptions it delivered to: a retry or a replay makes the same sends, whatever the copy
has become since. A copy older than `ttl` seconds (or none) is not used: the invocation asks the
registry (a journaled call) and the answer becomes the copy. A copy that is out of date but not
expired is harmless: the publish carries its version, and the registry delivers again, to its
own subscriptions, whenever the versions differ (deliveries are deduplicated by event id).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from typing import Any

from pydantic import BaseModel, ConfigDict

from restagen.runtime._core.codecs import JsonCodec
from restagen.runtime.events._wire import SubscriptionsSnapshot

__all__ = ["CACHE", "Recorded", "SubscriptionCache", "journaled_snapshot"]

_SNAPSHOT = JsonCodec(SubscriptionsSnapshot)


class SubscriptionCache:
    """Snapshots by cluster, each with the (monotonic) time it was fetched."""

    def __init__(self) -> None:
        self._snapshots: dict[str, tuple[float, SubscriptionsSnapshot]] = {}

    def fresh(self, cluster: str, ttl: float) -> SubscriptionsSnapshot | None:
        found = self._snapshots.get(cluster)
        if found is None or time.monotonic() - found[0] > ttl:
            return None
        return found[1]

    def put(self, cluster: str, snapshot: SubscriptionsSnapshot) -> None:
        self._snapshots[cluster] = (time.monotonic(), snapshot)

    def clear(self) -> None:
        self._snapshots.clear()


CACHE = SubscriptionCache()


class Recorded(BaseModel):
    """What an invocation journals for a publish: when (ms since the epoch), and the copy of the
    subscriptions it delivered from (None: it asked the registry, in a journaled call)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at: int
    snapshot: SubscriptionsSnapshot | None = None


_RECORDED = JsonCodec(Recorded)


async def journaled_snapshot(
    ctx: Any, cluster: str, ttl: float
) -> tuple[SubscriptionsSnapshot, int, Awaitable[Any] | None]:
    """The subscriptions of `cluster` for this invocation and the time of the publish, journaled;
    and what to await once the deliveries are sent (None: nothing).

    The copy is journaled with a `run` that is awaited only after the sends, so that a publish
    costs no round trip before its deliveries leave. A replay (the sends are in the journal)
    awaits the run first and gets the copy the first attempt used. (Only a crash between the
    sends being recorded and the run's result being recorded, a few milliseconds, replays with
    this process's copy instead; they differ only if the subscriptions changed in between.)
    """
    from restagen.runtime.events._registry import REGISTRY, SNAPSHOT

    fresh = CACHE.fresh(cluster, ttl)
    now = Recorded(at=time.time_ns() // 1_000_000, snapshot=fresh)
    text = _RECORDED.encode(now).decode()

    async def cached() -> str:
        return text

    recorded = ctx.run_typed("restagen publish", cached)
    if fresh is not None and not _replaying():
        return fresh, now.at, recorded
    journaled = _RECORDED.decode((await recorded).encode())
    if journaled.snapshot is not None:
        return journaled.snapshot, journaled.at, None
    body: bytes = await ctx.generic_call(REGISTRY, SNAPSHOT.name, b"", key=cluster)
    snapshot = _SNAPSHOT.decode(body)
    if CACHE.fresh(cluster, ttl) is None:  # a replayed, older answer does not replace a fresh copy
        CACHE.put(cluster, snapshot)
    return snapshot, journaled.at, None


def _replaying() -> bool:
    """Whether the invocation is replaying its journal at this point (what restate-sdk's own log
    filter reads); if this SDK does not say, assume it is, which is always safe."""
    try:
        from restate.server_context import restate_context_is_replaying
    except ImportError:  # pragma: no cover - another SDK version
        return True
    return bool(restate_context_is_replaying.get())
