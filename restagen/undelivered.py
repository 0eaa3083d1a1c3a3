"""`restagen events undelivered`: read, retry and drop the failure queue of an events cluster.

The queue is kept by the cluster's registry (`restagen_events`): events it could not deliver (a
version the subscriber was not generated for, an object subscriber without a key, a subscriber
gone), each with a number, up to a bound beyond which the oldest are dropped and counted. This
module calls the registry through the ingress and renders its answer as text; it needs nothing
but the runtime.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from restagen.runtime._core.ingress import Ingress
from restagen.runtime.events._registry import DROP, REPORT, RETRY
from restagen.runtime.events._wire import UndeliveredReport, UndeliveredSelection

__all__ = ["Action", "render", "undelivered"]

Action = Literal["list", "retry", "drop"]


async def undelivered(
    ingress_url: str, cluster: str, action: Action = "list", numbers: Sequence[int] | None = None
) -> UndeliveredReport:
    """The failure queue of `cluster` after `action` (on the items `numbers`, or all of them)."""
    selection = UndeliveredSelection(numbers=tuple(numbers) if numbers else None)
    async with Ingress(ingress_url) as ingress:
        if action == "retry":
            return await ingress.call(RETRY, selection, key=cluster)
        if action == "drop":
            return await ingress.call(DROP, selection, key=cluster)
        return await ingress.call(REPORT, None, key=cluster)


def render(report: UndeliveredReport, cluster: str) -> list[str]:
    """One line per item (number, event id, type and version, subscriber, reason), then a summary."""
    lines = [
        f"#{item.number}  {item.event.id}  {item.event.type}@{item.event.version}  "
        f"{item.subscription.target}  key={item.key if item.key is not None else '-'}  {item.reason}"
        for item in report.items
    ]
    lines.append(
        f"cluster {cluster}: {len(report.items)} undelivered (bound {report.bound}), "
        f"{report.dropped} dropped to stay within it"
    )
    return lines
