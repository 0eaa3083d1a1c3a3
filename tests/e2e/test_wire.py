"""What travels on the wire, seen as bytes at the ingress of a real Restate server.

The two packages of `wire/` are generated and served: `wire_closed` refuses undeclared fields
(`unknown_fields: reject`), `wire_open` ignores them. Requests are posted raw, as a service in
another language would send them, and answers read raw: an unset optional field is left out, a
nullable one is written as null, datetimes are UTC with `Z`, and a request of the wrong JSON types
ends the invocation at once with 400 (an attempt that was retried would fail the same way each
time, and the call would never get the 400 back).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from restagen.local.server import LocalRestate
from restagen.testing import ServedApp, serve
from tests.generated import generated

HERE = Path(__file__).resolve().parent

pytestmark = pytest.mark.e2e

READING = {"count": 1, "comment": None, "at": "2025-01-31T12:00:00+02:00"}


@pytest.fixture(scope="module")
def wire(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with generated(tmp_path_factory.mktemp("wire"), HERE / "wire", "wire_closed", "wire_open", "impl") as out:
        yield out


@pytest.fixture(scope="module")
def served(wire: Path, restate: LocalRestate) -> Iterator[ServedApp]:
    import impl

    with serve(impl.app, server=restate) as env:
        yield env


def _post(restate: LocalRestate, path: str, body: Any) -> httpx.Response:
    return httpx.post(f"{restate.ingress_url}/{path}", json=body, timeout=30)


def test_unset_optional_is_left_out_null_is_sent_and_datetimes_are_utc(
    restate: LocalRestate, served: Any
) -> None:
    answer = _post(restate, "meter/record", READING)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"count": 1, "comment": None, "at": "2025-01-31T10:00:00Z"}
    # A null for a field that may be absent reads as absent (earlier senders wrote null there).
    answer = _post(restate, "meter/record", {**READING, "note": None, "comment": "hi"})
    assert answer.json() == {"count": 1, "comment": "hi", "at": "2025-01-31T10:00:00Z"}
    assert _post(restate, "meter/record", {**READING, "note": "n"}).json()["note"] == "n"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"count": "1"}, "count"),
        ({"count": True}, "count"),
        ({"count": 1.5}, "count"),
        ({"comment": 5}, "comment"),
        ({"at": "2025-01-31T12:00:00"}, "at"),  # no offset: not an instant
        ({"extra": 1}, "extra"),
    ],
)
def test_malformed_request_ends_at_once_with_400_naming_the_field(
    restate: LocalRestate, served: Any, change: dict[str, Any], field: str
) -> None:
    answer = _post(restate, "meter/record", {**READING, **change})
    assert answer.status_code == 400, answer.text
    assert field in answer.json()["message"]


def test_a_required_nullable_field_must_be_sent(restate: LocalRestate, served: Any) -> None:
    answer = _post(restate, "meter/record", {"count": 1, "at": "2025-01-31T10:00:00Z"})
    assert answer.status_code == 400 and "comment" in answer.json()["message"]


def test_a_primitive_input_is_strict_too(restate: LocalRestate, served: Any) -> None:
    assert _post(restate, "meter/bump", 1).json() == 2
    for bad in ("1", True, 1.0):
        answer = _post(restate, "meter/bump", bad)
        assert answer.status_code == 400, (bad, answer.text)


def test_unknown_fields_are_ignored_by_default(restate: LocalRestate, served: Any) -> None:
    answer = _post(restate, "gauge/record", {"count": 2, "extra": 1})
    assert answer.status_code == 200 and answer.json() == {"count": 2}


def test_bson_refuses_unknown_fields_and_leaves_unset_optionals_out(
    restate: LocalRestate, served: Any
) -> None:
    import bson

    def post(value: dict[str, Any]) -> httpx.Response:
        body = bson.encode({"v": value})
        headers = {"content-type": "application/bson"}
        return httpx.post(
            f"{restate.ingress_url}/meter/record_bson", content=body, headers=headers, timeout=30
        )

    answer = post({"count": 1, "comment": None, "at": "2025-01-31T12:00:00+02:00"})
    assert answer.status_code == 200, answer.text
    assert bson.decode(answer.content) == {
        "v": {"count": 1, "comment": None, "at": "2025-01-31T10:00:00+00:00"}
    }
    refused = post({"count": 1, "comment": None, "at": "2025-01-31T10:00:00Z", "extra": 1})
    assert refused.status_code == 400 and "extra" in refused.json()["message"]


def test_generated_client_round_trips_and_refuses_a_naive_datetime(
    restate: LocalRestate, served: Any
) -> None:
    from wire_closed.clients import MeterSyncClient
    from wire_closed.models import Reading

    from restagen.runtime import SyncIngress

    paris = timezone(timedelta(hours=1))
    reading = Reading(count=3, comment=None, at=datetime(2025, 1, 31, 11, tzinfo=paris))
    assert reading.at == datetime(2025, 1, 31, 10, tzinfo=UTC) and reading.at.utcoffset() == timedelta(0)
    with SyncIngress(restate.ingress_url) as ingress:
        meter = MeterSyncClient(ingress)
        assert meter.record(reading) == reading
        assert meter.record_bson(reading) == reading
    with pytest.raises(ValueError, match="timezone"):
        Reading(count=3, comment=None, at=datetime(2025, 1, 31, 11))
