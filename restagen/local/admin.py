"""Registering an endpoint with a Restate admin API (forced, so that new handlers are seen)."""

from __future__ import annotations

import time

import httpx

__all__ = ["RegistrationError", "register"]


class RegistrationError(Exception):
    """The admin API could not be reached, or refused the deployment."""


def register(admin_url: str, uri: str, *, attempts: int = 50, delay: float = 0.2) -> list[str]:
    """Register the deployment at `uri`; return the names of the services it serves.

    Retries while the admin API or the endpoint is not up yet; the registration is forced, since
    without it Restate keeps the old handler list of a URI it already knows.
    """
    last = "no attempt made"
    for attempt in range(attempts):
        if attempt:
            time.sleep(delay)
        try:
            response = httpx.post(
                f"{admin_url.rstrip('/')}/deployments", json={"uri": uri, "force": True}, timeout=30
            )
        except httpx.TransportError as error:
            last = f"admin API at {admin_url} unreachable: {error}"
            continue
        if response.is_success:
            return sorted(service["name"] for service in response.json().get("services", []))
        try:
            last = str(response.json().get("message", response.text))
        except ValueError:
            last = response.text
        if response.status_code < 500:
            break  # a refusal, not a matter of time
    raise RegistrationError(f"could not register {uri} with {admin_url}: {last}")
