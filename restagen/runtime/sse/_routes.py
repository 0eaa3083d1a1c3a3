"""The HTTP side of a hub: the subscribe and publish routes, in front of another ASGI app.

`GET {PREFIX}/{cluster}/{stream}` opens a subscription: the hub's middleware run first (a raise
refuses it), then the stream starts with a `retry:` message (the subscription is attached from
then on), the events that followed `Last-Event-ID` (header, or `last_event_id` query parameter)
and the live events. `POST {PREFIX}/{cluster}/publish` takes signed events (see `_signing`); it
does not exist (404) on a hub without a secret.
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
from restagen.runtime.sse._model import PREFIX, SseError, parse_publish, stream_data
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
        last_event_id = request.headers.get("last-event-id") or request.query_params.get("last_event_id")

        async def messages() -> AsyncIterator[ServerSentEvent]:
            # Attached here, not before the response: a response that never starts leaves nothing behind.
            subscriber = hub.attach(cluster, stream, last_event_id)
            try:
                yield ServerSentEvent(retry=RETRY_MS)
                for event in subscriber.replay:
                    yield ServerSentEvent(stream_data(event), id=event.id, event=event.event)
                subscriber.replay = []
                while (live := await subscriber.queue.get()) is not None:
                    yield ServerSentEvent(stream_data(live), id=live.id, event=live.event)
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
