"""Registering an endpoint with a Restate admin API (forced, so that new handlers are seen)."""

from __future__ import annotations

import asyncio
import re
import time

import httpx

__all__ = ["RegistrationError", "register", "register_async"]


class RegistrationError(Exception):
    """The admin API could not be reached, or refused the deployment."""


def _reason(response: httpx.Response) -> str:
    try:
        data = response.json()
        text = str(data.get("message", response.text)) if isinstance(data, dict) else response.text
    except ValueError:
        text = response.text
    # restate-server repeats its error code: "[META0003] [META0003] error when calling ..."
    text = re.sub(r"(\[\w+\]) (?:\1 )+", r"\1 ", text)
    return f"HTTP {response.status_code}: {text.strip() or response.reason_phrase}"


def _url(admin_url: str) -> str:
    return f"{admin_url.rstrip('/')}/deployments"


def _services(admin_url: str, uri: str, response: httpx.Response) -> list[str]:
    try:
        services = response.json().get("services", [])
        return sorted(str(service["name"]) for service in services)
    except (ValueError, AttributeError, KeyError, TypeError):
        raise RegistrationError(f"{admin_url} accepted {uri} but answered: {response.text[:300]}") from None


def register(
    admin_url: str,
    uri: str,
    *,
    attempts: int = 50,
    delay: float = 0.2,
    timeout: float = 30.0,
    http1: bool = False,
) -> list[str]:
    """Register the deployment at `uri`; return the sorted names of the services it serves.

    Retries (up to `attempts` times, for at most `timeout` seconds) while the admin API or the
    endpoint is not up yet; a refusal of the deployment itself (4xx) is not retried. The
    registration is forced: without it Restate keeps the old handler list of a URI it knows. With
    `http1`, Restate reaches the endpoint over HTTP/1.1, in request-response mode (serverless).
    """
    return asyncio.run(
        register_async(admin_url, uri, attempts=attempts, delay=delay, timeout=timeout, http1=http1)
    )


async def register_async(
    admin_url: str,
    uri: str,
    *,
    attempts: int = 50,
    delay: float = 0.2,
    timeout: float = 30.0,
    http1: bool = False,
) -> list[str]:
    """`register`, from a running event loop (an endpoint registering itself as it starts)."""
    deadline = time.monotonic() + timeout
    last = "no attempt made"
    async with httpx.AsyncClient(timeout=max(1.0, timeout)) as client:
        for attempt in range(attempts):
            if attempt:
                if time.monotonic() + delay > deadline:
                    break
                await asyncio.sleep(delay)
            try:
                body = {"uri": uri, "force": True, **({"use_http_11": True} if http1 else {})}
                response = await client.post(_url(admin_url), json=body)
            except httpx.TransportError as error:
                last = f"admin API unreachable ({type(error).__name__}: {error})"
                continue
            if response.is_success:
                return _services(admin_url, uri, response)
            last = _reason(response)
            if response.status_code < 500:
                break
    raise RegistrationError(f"could not register {uri} with {admin_url}: {last}")
