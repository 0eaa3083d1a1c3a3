"""front → back (a call, and an event), traced: spans go as JSON lines to the file named by TRACED_SPANS (written by the
OpenTelemetry SDK's console exporter), and an around middleware annotates what front answers."""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from traced import definitions
from traced.clients import BackContextClient
from traced.contexts import BackContext, FrontContext
from traced.errors import Refused
from traced.events import TracedEvents
from traced.handlers import BackServiceBase, FrontServiceBase
from traced.models import Noted

from restagen.runtime import ComponentInfo, Endpoint, HandlerContext, HandlerInfo, Proceed
from restagen.runtime.tracing import tracing

# Attempts of each invocation of front/ask (one process serves both services).
ATTEMPTS: Counter[str] = Counter()


class Front(FrontServiceBase):
    def __init__(self, back: BackContextClient, events: TracedEvents) -> None:
        self.back = back
        self.events = events

    async def ask(self, ctx: FrontContext, request: str) -> str:
        answer = await self.back.answer(request)
        ATTEMPTS[ctx.invocation_id] += 1
        if request.startswith("flaky") and ATTEMPTS[ctx.invocation_id] == 1:
            raise RuntimeError("the first attempt fails after its call")  # Restate retries
        return answer

    async def refuse(self, ctx: FrontContext, request: str) -> str:
        raise Refused(reason=request)

    async def note(self, ctx: FrontContext, request: str) -> None:
        await self.events.noted(Noted(text=request))


class Back(BackServiceBase):
    async def answer(self, ctx: BackContext, request: str) -> str:
        return f"answer to {request}"

    async def on_noted(self, ctx: BackContext, request: Noted) -> None:
        pass


class Annotate:
    """Around middleware: sees front's result, or its declared error, after the handler ran."""

    async def around(
        self, ctx: HandlerContext[object], component: ComponentInfo, handler: HandlerInfo, proceed: Proceed
    ) -> Any:
        try:
            result = await proceed()
        except Refused as error:
            return f"{component.name}/{handler.name} refused {error.reason}"
        return f"{result} (seen by {component.name}/{handler.name})"


provider = TracerProvider()
spans = open(os.environ["TRACED_SPANS"], "a", encoding="utf-8")  # noqa: SIM115 - open while serving
provider.add_span_processor(
    SimpleSpanProcessor(
        ConsoleSpanExporter(out=spans, formatter=lambda span: span.to_json(indent=None) + "\n")
    )
)

endpoint = Endpoint()
endpoint.use(tracing(provider))
endpoint.bind(definitions.FRONT, Front, middleware=[Annotate])
endpoint.bind(definitions.BACK, Back())
app = endpoint.app()
