"""Reading Restate's admin API: the registered services, each with its handlers' schemas.

`GET /services` lists the services; `GET /services/{name}` describes one, with each handler's
kind, documentation, options and input and output JSON Schemas. The API returns services,
handlers and properties in no fixed order; callers sort.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

__all__ = ["AdminError", "read_services"]


class AdminError(Exception):
    """The admin API could not be read: unreachable, an error status, or not its JSON."""


def read_services(
    admin_url: str, names: list[str], *, timeout: float = 30.0, transport: httpx.BaseTransport | None = None
) -> list[dict[str, Any]]:
    """The descriptions of the services called `names` (all services when empty), sorted by name."""
    base = admin_url.rstrip("/")
    with httpx.Client(timeout=timeout, transport=transport) as client:
        if not names:
            listing = _get(client, f"{base}/services")
            services = listing.get("services") if isinstance(listing, dict) else None
            if not isinstance(services, list):
                raise AdminError(f"{base}/services did not answer with a list of services")
            names = [str(s.get("name")) for s in services if isinstance(s, dict)]
        found = [_get(client, f"{base}/services/{quote(name, safe='')}") for name in sorted(set(names))]
    return [s for s in found if isinstance(s, dict)]


def _get(client: httpx.Client, url: str) -> Any:
    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        raise AdminError(f"cannot reach {url}: {exc}") from exc
    if response.status_code == 404:
        raise AdminError(f"{url}: no such service (404)")
    if response.status_code != 200:
        raise AdminError(f"{url} answered {response.status_code}: {response.text[:200]}")
    try:
        return response.json()
    except ValueError as exc:
        raise AdminError(f"{url} did not answer with JSON") from exc
