"""Middleware around the handler and tracing on a real Restate server, through `traced/` (front → back).

The endpoint writes its finished spans as JSON lines to a file; each test waits for the spans of
its own invocations there.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from restagen.cli import main as restagen
from restagen.runtime import SyncIngress
from tests.generated import generated
from tests.polling import wait_until

HERE = Path(__file__).resolve().parent

pytestmark = pytest.mark.e2e

INCOMING_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
INCOMING_SPAN = "00f067aa0ba902b7"


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with generated(tmp_path_factory.mktemp("traced"), HERE / "traced", "traced") as out:
        yield out


@pytest.fixture(scope="module")
def spans_file(traced: Path, restate: Any, endpoint: Any) -> Path:
    path = traced / "spans.jsonl"
    path.touch()
    # A cluster of its own, so that no other test's subscriptions get these events.
    env = {"TRACED_SPANS": str(path), "RESTAGEN_PUBSUB__CLUSTER": "traced"}
    served = endpoint("impl:app", [traced, HERE / "traced"], env=env)
    command = [
        "register",
        "--admin",
        restate.admin_url,
        "--uri",
        served.uri,
        "--ingress",
        restate.ingress_url,
        "--cluster",
        "traced",
    ]
    assert restagen(command) == 0  # the deployment, and its subscriptions with the registry
    return path


def _spans(path: Path, trace_id: str) -> list[dict[str, Any]]:
    spans = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [span for span in spans if span["context"]["trace_id"] == f"0x{trace_id}"]


def _ask(restate: Any, request: str, headers: dict[str, str] | None = None) -> str:
    from traced.clients import FrontSyncClient

    with SyncIngress(restate.ingress_url) as ingress:
        answer: str = FrontSyncClient(ingress).ask(
            request, headers=headers, idempotency_key=f"{request}-{time.time()}"
        )
        return answer


def test_an_around_middleware_sees_the_result_and_the_declared_error(restate: Any, spans_file: Path) -> None:
    from traced.clients import FrontSyncClient

    assert _ask(restate, "plain") == "answer to plain (seen by front/ask)"
    with SyncIngress(restate.ingress_url) as ingress:
        assert FrontSyncClient(ingress).refuse("no") == "front/refuse refused no"


def test_a_call_from_front_to_back_is_one_trace_under_the_incoming_traceparent(
    restate: Any, spans_file: Path
) -> None:
    headers = {"traceparent": f"00-{INCOMING_TRACE}-{INCOMING_SPAN}-01"}
    assert _ask(restate, "traced", headers) == "answer to traced (seen by front/ask)"

    def complete() -> dict[str, dict[str, Any]] | None:
        by_name = {span["name"]: span for span in _spans(spans_file, INCOMING_TRACE)}
        return by_name if {"front/ask", "call back/answer", "back/answer"} <= set(by_name) else None

    by_name = wait_until(complete, "the spans of front/ask, its call and back/answer")
    front, call, back = by_name["front/ask"], by_name["call back/answer"], by_name["back/answer"]
    assert front["kind"] == "SpanKind.SERVER" and back["kind"] == "SpanKind.SERVER"
    assert call["kind"] == "SpanKind.CLIENT"
    assert front["parent_id"] == f"0x{INCOMING_SPAN}"
    assert call["parent_id"] == front["context"]["span_id"]
    assert back["parent_id"] == call["context"]["span_id"]
    assert front["attributes"]["restagen.outcome"] == "ok"
    assert back["attributes"]["rpc.service"] == "back"
    assert front["attributes"]["restate.invocation.id"].startswith("inv_")
    assert front["attributes"]["restate.invocation.id"] != back["attributes"]["restate.invocation.id"]


def test_a_retried_attempt_replays_its_call_with_the_same_traceparent(restate: Any, spans_file: Path) -> None:
    trace_id = "5bf92f3577b34da6a3ce929d0e0e4737"
    headers = {"traceparent": f"00-{trace_id}-{INCOMING_SPAN}-01"}
    # A traceparent that changed on replay would be a journal mismatch: the retry would never end.
    assert _ask(restate, "flaky", headers) == "answer to flaky (seen by front/ask)"

    def complete() -> list[dict[str, Any]] | None:
        spans = _spans(spans_file, trace_id)
        attempts = [span for span in spans if span["name"] == "front/ask"]
        return spans if len(attempts) == 2 and any(s["name"] == "back/answer" for s in spans) else None

    spans = wait_until(complete, "two attempts of front/ask and back/answer")
    attempts = sorted((s for s in spans if s["name"] == "front/ask"), key=lambda s: s["start_time"])
    assert [a["attributes"]["restagen.outcome"] for a in attempts] == ["retry", "ok"]
    assert [a["attributes"]["restate.replaying"] for a in attempts] == [False, True]
    assert attempts[0]["status"]["status_code"] == "ERROR"
    (call,) = [s for s in spans if s["name"] == "call back/answer"]  # recorded by the first attempt only
    assert call["parent_id"] == attempts[0]["context"]["span_id"]
    (back,) = [s for s in spans if s["name"] == "back/answer"]
    assert back["parent_id"] == call["context"]["span_id"]


def test_an_invocation_without_a_traceparent_keeps_one_trace_across_attempts(
    restate: Any, spans_file: Path
) -> None:
    assert _ask(restate, "flaky root") == "answer to flaky root (seen by front/ask)"

    def complete() -> list[dict[str, Any]] | None:
        spans = [json.loads(line) for line in spans_file.read_text(encoding="utf-8").splitlines()]
        backs = [s for s in spans if s["name"] == "back/answer" and s["parent_id"] is not None]
        for back in backs:
            same = [s for s in spans if s["context"]["trace_id"] == back["context"]["trace_id"]]
            attempts = [s for s in same if s["name"] == "front/ask"]
            if len(attempts) == 2 and all(a["parent_id"] is None for a in attempts):
                return same
        return None

    same = wait_until(complete, "a root trace with two attempts of front/ask")
    names = sorted(span["name"] for span in same)
    assert names == ["back/answer", "call back/answer", "front/ask", "front/ask"]


def test_a_publish_is_the_parent_of_each_delivery(restate: Any, spans_file: Path) -> None:
    from traced.clients import FrontSyncClient

    trace_id = "6bf92f3577b34da6a3ce929d0e0e4738"
    with SyncIngress(restate.ingress_url) as ingress:
        FrontSyncClient(ingress).note(
            "hear this", headers={"traceparent": f"00-{trace_id}-{INCOMING_SPAN}-01"}
        )

    def complete() -> dict[str, dict[str, Any]] | None:
        by_name = {span["name"]: span for span in _spans(spans_file, trace_id)}
        return by_name if {"front/note", "back/on_noted"} <= set(by_name) else None

    by_name = wait_until(complete, "the spans of front/note and of the delivery to back/on_noted")
    front, publish, back = (
        by_name["front/note"],
        by_name["publish restagen_events/publish"],
        by_name["back/on_noted"],
    )
    assert publish["kind"] == "SpanKind.PRODUCER"
    assert publish["parent_id"] == front["context"]["span_id"]
    assert back["parent_id"] == publish["context"]["span_id"]
