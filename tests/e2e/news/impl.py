"""The news endpoint: subscribers record what they hear in the `tally` object keyed by post id."""

from __future__ import annotations

from news.app import bind_components
from news.clients import TallyContextClient
from news.contexts import (
    AuditContext,
    DeskContext,
    FeedContext,
    InboxContext,
    InboxSharedContext,
    TallyContext,
    TallySharedContext,
)
from news.events import NewsEvents
from news.handlers import AuditServiceBase, DeskServiceBase, FeedServiceBase, InboxObjectBase, TallyObjectBase
from news.models import Edited, Posted

from restagen.runtime import Endpoint

ATTEMPTS: dict[str, int] = {}


class Desk(DeskServiceBase):
    """Publishes durably, then fails its first attempt: the retry must not publish again."""

    def __init__(self, events: NewsEvents) -> None:
        self.events = events

    async def post(self, ctx: DeskContext, request: str) -> list[str]:
        ids = await self.events.posted(Posted(post_id=request, text=f"about {request}"), key=request)
        ATTEMPTS[request] = ATTEMPTS.get(request, 0) + 1
        if ATTEMPTS[request] == 1:
            raise RuntimeError("the first attempt fails after publishing")
        return list(ids)


async def _heard(ctx: AuditContext | FeedContext | InboxContext, post_id: str, who: str) -> None:
    await TallyContextClient(ctx, key=post_id).add(f"{who} {ctx.headers.get('restagen-event-id', '?')}")


class Audit(AuditServiceBase):
    async def on_posted(self, ctx: AuditContext, request: Posted) -> None:
        await _heard(ctx, request.post_id, "audit")


class Feed(FeedServiceBase):
    async def on_news(self, ctx: FeedContext, request: Posted | Edited) -> None:
        await _heard(ctx, request.post_id, f"feed:{type(request).__name__}")


class Inbox(InboxObjectBase):
    async def on_posted(self, ctx: InboxContext, request: Posted) -> None:
        ctx.state.received.set([*(await ctx.state.received.get() or []), request.post_id])
        await _heard(ctx, request.post_id, f"inbox:{ctx.key}")

    async def received(self, ctx: InboxSharedContext) -> list[str]:
        return await ctx.state.received.get() or []


class Tally(TallyObjectBase):
    async def add(self, ctx: TallyContext, request: str) -> None:
        ctx.state.heard.set([*(await ctx.state.heard.get() or []), request])

    async def heard(self, ctx: TallySharedContext) -> list[str]:
        return sorted(await ctx.state.heard.get() or [])


endpoint = Endpoint()
bind_components(endpoint, desk=Desk, audit=Audit(), feed=Feed(), inbox=Inbox(), tally=Tally())
app = endpoint.app()
