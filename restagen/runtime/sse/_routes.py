"""The HTTP side of a hub: the subscribe and publish routes, in front of another ASGI app.

`GET {PREFIX}/{cluster}/{stream}` opens a subscription: the hub's middleware run first (a raise
refuses it), then the stream starts with a `retry:` message (the subscription is attached from
then on), the events that followed `Last-Event-ID` (header, or `last_event_id` query parameter;
else the `from_offset` query parameter) and the live events. `types` (query, comma-separated
qualified names) keeps only events of those types. `POST {PREFIX}/{cluster}/publish` takes signed
events (see `_signing`); it does not exist (404) on a hub without a secret.

Each subscription tracks the last offset it has passed: an event at or before it is not sent
again (a replay and a live push that overlap), and an event whose `previous` it has not passed
means this node missed pushes: what is missing is read from the log first. So a subscriber that
resumes gets each event after its offset once, in order, whatever node and however many restarts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from restagen.runtime.sse._hub import SseHub
from restagen.runtime.sse._model import PREFIX, SseError, SseEvent, parse_publish, stream_data
from restagen.runtime.sse._signing import SIGNATURE_HEADER

__all__ = ["mount"]

MAX_BODY = 16 * 1024 * 1024
RETRY_MS = 1000
"""How long browsers wait before reconnecting a dropped stream."""


def _refusal(error: SseError) -> Response:
    return PlainTextResponse(str(error) or "refused", status_code=error.status_code)


def mount(hub: SseHub, app: Any) -> Any:
    async def subscribe(request: Request) -> Response:
        cluster, stream = request.path_params["cluster"], request.path_params["stream"]
        try:
            for middleware in hub.middleware:
                await middleware(request)
        except SseError as error:
            return _refusal(error)
        query = request.query_params
        last_event_id = request.headers.get("last-event-id") or query.get("last_event_id")
        try:
            from_offset = int(query["from_offset"]) if "from_offset" in query else None
        except ValueError:
            return PlainTextResponse("from_offset must be an integer", status_code=400)
        types = frozenset(filter(None, query["types"].split(","))) if "types" in query else None

        async def messages() -> AsyncIterator[ServerSentEvent]:
            # Attached here, not before the response: a response that never starts leaves nothing behind.
            subscriber = hub.attach(cluster, stream, last_event_id, from_offset=from_offset)
            last = subscriber.resume

            def message(event: SseEvent) -> ServerSentEvent | None:
                nonlocal last
                if event.offset is not None:
                    last = event.offset
                if types is not None and event.event not in types:
                    return None
                return ServerSentEvent(stream_data(event), id=event.sse_id, event=event.event)

            try:
                yield ServerSentEvent(retry=RETRY_MS)
                if subscriber.from_log and last is not None:
                    async for logged in hub.read_log(cluster, stream, last + 1):
                        if logged.offset is not None and logged.offset > last and (sent := message(logged)):
                            yield sent
                replay, subscriber.replay = subscriber.replay, []
                while (event := replay.pop(0) if replay else await subscriber.queue.get()) is not None:
                    if event.offset is not None and last is not None:
                        if event.offset <= last:
                            continue
                        if event.previous is not None and event.previous > last:
                            async for missed in hub.read_log(cluster, stream, last + 1, until=event.offset):
                                if (
                                    missed.offset is not None
                                    and missed.offset > last
                                    and (sent := message(missed))
                                ):
                                    yield sent
                    if sent := message(event):
                        yield sent
            finally:
                hub.detach(subscriber)

        return EventSourceResponse(messages(), ping=hub.ping)

    async def publish(request: Request) -> Response:
        cluster = request.path_params["cluster"]
        if hub.verifier is None:
            return PlainTextResponse("publishing is disabled: the hub has no secret", status_code=404)
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                return PlainTextResponse(f"body larger than {MAX_BODY} bytes", status_code=413)
            chunks.append(chunk)
        body = b"".join(chunks)
        try:
            hub.verifier.verify(request.headers.get(SIGNATURE_HEADER), cluster, body)
        except SseError as error:
            return _refusal(error)
        try:
            events, forward = parse_publish(body, cluster)
        except ValueError as error:
            return PlainTextResponse(f"bad publish body: {error}", status_code=400)
        await hub.push(events, forward=forward)
        return JSONResponse({"received": len(events)})

    routes = Starlette(
        routes=[
            Route(PREFIX + "/{cluster}/publish", publish, methods=["POST"]),
            Route(PREFIX + "/{cluster}/{stream}", subscribe, methods=["GET"]),
        ]
    )

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX + "/"):
            await routes(scope, receive, send)
        else:
            await app(scope, receive, send)

    return asgi
