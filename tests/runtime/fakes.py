"""The one test double of the runtime's unit tests: a fake of the SDK's invocation context."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeRequest:
    id: str
    headers: dict[str, str]
    attempt_headers: dict[str, str] = field(default_factory=dict)
    idempotency_key: str | None = None


@dataclass
class FakeContext:
    """Answers `request()`, and records the calls a handler makes, answering each with `reply`."""

    headers: dict[str, str] = field(default_factory=dict)
    invocation_id: str = "inv_1"
    reply: bytes = b'"ok"'
    calls: list[dict[str, Any]] = field(default_factory=list)

    def request(self) -> FakeRequest:
        return FakeRequest(self.invocation_id, self.headers)

    async def generic_call(self, service: str, handler: str, arg: bytes, **options: Any) -> bytes:
        self.calls.append({"target": f"{service}/{handler}", "body": arg, **options})
        return self.reply


@dataclass
class FakeRunContext(FakeContext):
    """Also runs actions, sleeps, awakeables and state, with plain asyncio futures as its futures.

    A sleep completes when the test sets its future (`sleeps`); an awakeable likewise
    (`awakeables`); `run_typed` records its options and awaits the action.
    """

    attempt_headers: dict[str, str] = field(default_factory=dict)
    idempotency_key: str | None = None
    state: dict[str, Any] = field(default_factory=dict)
    runs: list[tuple[str, Any]] = field(default_factory=list)
    sleeps: list[asyncio.Future[None]] = field(default_factory=list)
    awakeables: dict[str, asyncio.Future[Any]] = field(default_factory=dict)
    cancelled: list[str] = field(default_factory=list)

    def request(self) -> FakeRequest:
        return FakeRequest(self.invocation_id, self.headers, self.attempt_headers, self.idempotency_key)

    async def run_typed(self, name: str, action: Any, options: Any) -> Any:
        self.runs.append((name, options))
        result = action()
        return await result if asyncio.iscoroutine(result) else result

    def sleep(self, delay: Any, name: str | None = None) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.sleeps.append(future)
        return future

    def time(self) -> Any:
        return self.run_typed("timestamp", lambda: 86400.0, None)

    def awakeable(self, serde: Any) -> tuple[str, asyncio.Future[Any]]:
        awakeable_id = f"sign_{len(self.awakeables)}"
        self.awakeables[awakeable_id] = asyncio.get_running_loop().create_future()
        return awakeable_id, self.awakeables[awakeable_id]

    def cancel_invocation(self, invocation_id: str) -> None:
        self.cancelled.append(invocation_id)

    async def get(self, name: str, serde: Any) -> Any:
        return self.state.get(name)

    async def state_keys(self) -> list[str]:
        return sorted(self.state)
