"""Applying a package's Kafka subscriptions (`deploy/kafka-subscriptions.yaml`) to a Restate admin API.

Restate creates a new subscription, with a consumer group of its own, for every
`POST /subscriptions`, even one identical to an existing subscription: posting twice would
deliver every record twice. So a subscription is created only when none with the same source and
sink exists; one that exists with other options is reported, not replaced, because replacing it
would start a new consumer group (from `auto.offset.reset`, not where the old one was).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = [
    "Applied",
    "KafkaSubscription",
    "KafkaSubscriptionError",
    "apply_subscriptions",
    "apply_subscriptions_async",
    "read_subscriptions",
]


class KafkaSubscriptionError(Exception):
    """The file is not a list of subscriptions, or the admin API refused or could not be reached."""


class KafkaSubscription(BaseModel):
    """The body of `POST <admin>/subscriptions`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(pattern=r"^kafka://[^/\s]+/[^/\s]+$")
    sink: str = Field(pattern=r"^service://[^/\s]+/[^/\s]+$")
    options: dict[str, str] = Field(default_factory=dict)

    def describe(self) -> str:
        return f"{self.source} -> {self.sink}"


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subscriptions: list[KafkaSubscription]


@dataclass(frozen=True)
class Applied:
    subscription: KafkaSubscription
    outcome: Literal["created", "exists"]
    id: str


def read_subscriptions(path: Path) -> list[KafkaSubscription]:
    """The subscriptions of a `kafka-subscriptions.yaml` file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise KafkaSubscriptionError(f"cannot read {path}: {error}") from error
    try:
        return _File.model_validate(data).subscriptions
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or '(file)'}: {e['msg']}" for e in error.errors()
        )
        raise KafkaSubscriptionError(f"{path} is not a list of subscriptions: {problems}") from None


def _reason(response: httpx.Response) -> str:
    try:
        data = response.json()
        message = data.get("message", response.text) if isinstance(data, dict) else response.text
    except ValueError:
        message = response.text
    return f"HTTP {response.status_code}: {str(message).strip() or response.reason_phrase}"


def _matches(wanted: KafkaSubscription, existing: dict[str, Any]) -> bool:
    return bool(existing.get("source") == wanted.source and existing.get("sink") == wanted.sink)


def _same_options(wanted: KafkaSubscription, existing: dict[str, Any]) -> bool:
    # Restate adds options of its own (group.id, client.id): those the file sets must agree.
    options = existing.get("options") or {}
    return all(options.get(key) == value for key, value in wanted.options.items())


async def _existing(client: httpx.AsyncClient, admin_url: str, deadline: float) -> list[dict[str, Any]]:
    last = "no attempt made"
    while True:
        try:
            response = await client.get(f"{admin_url}/subscriptions")
            if response.is_success:
                found = response.json().get("subscriptions", [])
                return [s for s in found if isinstance(s, dict)]
            last = _reason(response)
            if response.status_code < 500:
                break
        except httpx.TransportError as error:
            last = f"admin API unreachable ({type(error).__name__}: {error})"
        except (ValueError, AttributeError):
            raise KafkaSubscriptionError(
                f"{admin_url}/subscriptions answered {response.text[:300]!r}"
            ) from None
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    raise KafkaSubscriptionError(f"cannot list the subscriptions of {admin_url}: {last}")


async def apply_subscriptions_async(
    admin_url: str, subscriptions: list[KafkaSubscription], *, timeout: float = 30.0
) -> list[Applied]:
    admin_url = admin_url.rstrip("/")
    deadline = time.monotonic() + timeout
    applied: list[Applied] = []
    async with httpx.AsyncClient(timeout=max(1.0, timeout)) as client:
        existing = await _existing(client, admin_url, deadline)
        for wanted in subscriptions:
            same = [s for s in existing if _matches(wanted, s)]
            if same:
                agreeing = [s for s in same if _same_options(wanted, s)]
                if not agreeing:
                    ids = ", ".join(str(s.get("id")) for s in same)
                    raise KafkaSubscriptionError(
                        f"{wanted.describe()} exists ({ids}) with other options than {wanted.options}; "
                        f"delete it (DELETE {admin_url}/subscriptions/<id>) to create it anew, "
                        "which starts a new consumer group"
                    )
                applied.append(Applied(wanted, "exists", str(agreeing[0].get("id"))))
                continue
            body = wanted.model_dump(exclude_defaults=True)
            try:
                response = await client.post(f"{admin_url}/subscriptions", json=body)
            except httpx.TransportError as error:
                raise KafkaSubscriptionError(f"cannot create {wanted.describe()}: {error}") from error
            if not response.is_success:
                raise KafkaSubscriptionError(f"{admin_url} refused {wanted.describe()}: {_reason(response)}")
            created = response.json()
            existing.append(created)
            applied.append(Applied(wanted, "created", str(created.get("id"))))
    return applied


def apply_subscriptions(
    admin_url: str, subscriptions: list[KafkaSubscription], *, timeout: float = 30.0
) -> list[Applied]:
    """Create the subscriptions that do not exist yet; report each one's outcome, in order.

    Retries listing the existing ones while the admin API is not up (for at most `timeout`
    seconds); a refused subscription (its cluster unknown, its handler not registered) is an error.
    """
    return asyncio.run(apply_subscriptions_async(admin_url, subscriptions, timeout=timeout))
