"""The one test double of the runtime's unit tests: a fake of the SDK's invocation context."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeRequest:
    id: str
    headers: dict[str, str]


@dataclass
class FakeContext:
    """Answers `request()`, and records the calls and sends a handler makes, answering each call
    with `reply`."""

    headers: dict[str, str] = field(default_factory=dict)
    invocation_id: str = "inv_1"
    reply: bytes = b'"ok"'
    calls: list[dict[str, Any]] = field(default_factory=list)

    def request(self) -> FakeRequest:
        return FakeRequest(self.invocation_id, self.headers)

    async def generic_call(self, service: str, handler: str, arg: bytes, **options: Any) -> bytes:
        self.calls.append({"target": f"{service}/{handler}", "body": arg, **options})
        return self.reply

    def generic_send(self, service: str, handler: str, arg: bytes, **options: Any) -> object:
        self.calls.append({"target": f"{service}/{handler}", "body": arg, "send": True, **options})
        return object()

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=len(self.calls) + 1)
