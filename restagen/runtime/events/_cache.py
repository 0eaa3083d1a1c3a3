"""This process's copy of the subscriptions of each cluster, for publishing in one hop.

A publish inside a handler reads the copy in a `run`, so the invocation's journal holds the very
subscriptions it delivered to: a retry or a replay makes the same sends, whatever the copy has
become since. A copy older than `ttl` seconds (or none) is not used: the invocation asks the
registry (a journaled call) and the answer becomes the copy. A copy that is out of date but not
expired is harmless: the publish carries its version, and the registry delivers again, to its
own subscriptions, whenever the versions differ (deliveries are deduplicated by event id).
"""

from __future__ import annotations

import time
from typing import Any

from restagen.runtime._core.codecs import JsonCodec
from restagen.runtime.events._wire import SubscriptionsSnapshot

__all__ = ["SubscriptionCache", "journaled_snapshot"]

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


async def journaled_snapshot(ctx: Any, cluster: str, ttl: float) -> SubscriptionsSnapshot:
    """The subscriptions of `cluster` for this invocation: the cached copy if fresh, else the
    registry's; either way journaled."""
    from restagen.runtime.events._registry import REGISTRY, SNAPSHOT

    def cached() -> str:
        snapshot = CACHE.fresh(cluster, ttl)
        return "" if snapshot is None else _SNAPSHOT.encode(snapshot).decode()

    text: str = await ctx.run_typed("restagen subscriptions", cached)
    if text:
        return _SNAPSHOT.decode(text.encode())
    body: bytes = await ctx.generic_call(REGISTRY, SNAPSHOT.name, b"", key=cluster)
    snapshot = _SNAPSHOT.decode(body)
    if CACHE.fresh(cluster, ttl) is None:  # a replayed, older answer does not replace a fresh copy
        CACHE.put(cluster, snapshot)
    return snapshot
