"""`restagen sagas list` and `show`: where the sagas are, read from Restate's admin API.

A saga persists its state (`SagaState`, JSON) under the state key `saga` of its workflow, keyed by
the saga id. The admin API answers SQL over Restate's tables (`POST /query`), so one query over
the `state` table finds every saga of every kind, with no endpoint involved; rows whose value is
not a saga's state (another workflow with a `saga` key) are left out. Text from the server is
only ever printed, and the one value put into a query, a saga id, is quoted as SQL quotes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["SagaRow", "SagaStatesError", "format_list", "format_show", "query_sagas"]

_STATE_KEY = "saga"  # the runtime's STATE_KEY, not imported: this module loads no runtime
_FIELDS = {"saga_id", "status", "data"}


class SagaStatesError(Exception):
    """The admin API could not be reached, or refused the query."""


@dataclass(frozen=True)
class SagaRow:
    """One saga: its kind (the workflow's name), its id and its persisted state."""

    saga: str
    saga_id: str
    state: dict[str, Any]

    @property
    def status(self) -> str:
        return str(self.state.get("status", "?"))

    @property
    def current_step(self) -> str | None:
        step = self.state.get("current_step")
        return None if step is None else str(step)

    @property
    def last_error(self) -> str | None:
        return _failure(self.state.get("last_error"))


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def query_sagas(
    admin_url: str, *, saga: str | None = None, saga_id: str | None = None, timeout: float = 10.0
) -> list[SagaRow]:
    """The sagas known to the Restate server at `admin_url`, by kind and id; filtered by kind
    and id when given."""
    where = [f"key = {_quoted(_STATE_KEY)}"]
    if saga is not None:
        where.append(f"service_name = {_quoted(saga)}")
    if saga_id is not None:
        where.append(f"service_key = {_quoted(saga_id)}")
    query = f"SELECT service_name, service_key, value_utf8 FROM state WHERE {' AND '.join(where)}"
    try:
        response = httpx.post(
            f"{admin_url.rstrip('/')}/query",
            json={"query": query},
            headers={"accept": "application/json"},
            timeout=timeout,
        )
    except httpx.HTTPError as error:
        raise SagaStatesError(f"cannot reach the Restate admin API at {admin_url}: {error}") from error
    if response.status_code != 200:
        raise SagaStatesError(f"the admin API answered {response.status_code}: {response.text[:300]}")
    rows = []
    for row in response.json().get("rows", []):
        try:
            state = json.loads(row.get("value_utf8") or "")
        except ValueError:
            continue
        if isinstance(state, dict) and state.keys() >= _FIELDS:
            rows.append(SagaRow(str(row["service_name"]), str(row["service_key"]), state))
    return sorted(rows, key=lambda r: (r.saga, r.saga_id))


def _failure(failure: Any) -> str | None:
    """A `SagaFailure` on one line: `phase step: message (code, error, attempt n)`."""
    if not isinstance(failure, dict):
        return None
    details = [str(failure[k]) for k in ("code", "error") if failure.get(k) is not None]
    if failure.get("phase") == "compensate":
        details.append(f"attempt {failure.get('attempt', 1)}")
    text = f"{failure.get('phase')} {failure.get('step')}: {failure.get('message')}"
    return f"{text} ({', '.join(details)})" if details else text


def format_list(rows: list[SagaRow]) -> str:
    """One line per saga, in columns: kind, id, status, current step, last error."""
    if not rows:
        return "no sagas\n"
    table = [("SAGA", "ID", "STATUS", "STEP", "LAST ERROR")]
    table += [(r.saga, r.saga_id, r.status, r.current_step or "-", r.last_error or "-") for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(4)]
    lines = [
        "  ".join([*(cell.ljust(w) for cell, w in zip(line, widths, strict=False)), line[4]])
        for line in table
    ]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def format_show(row: SagaRow) -> str:
    """A saga's state, field by field, its data as indented JSON."""
    state = row.state

    def steps(name: str) -> str:
        return ", ".join(state.get(name) or []) or "-"

    fields = [
        ("saga", row.saga),
        ("id", row.saga_id),
        ("status", row.status),
        ("current step", row.current_step or "-"),
        ("completed", steps("completed_steps")),
        ("skipped", steps("skipped_steps")),
        ("compensated", steps("compensated_steps")),
        ("resumes", str(state.get("resumes", 0))),
        ("last error", row.last_error or "-"),
        ("cause", _failure(state.get("cause")) or "-"),
    ]
    width = max(len(name) for name, _ in fields)
    lines = [f"{name.ljust(width)}  {value}" for name, value in fields]
    data = json.dumps(state.get("data"), indent=2, ensure_ascii=False)
    return (
        "\n".join([*lines, f"{'data'.ljust(width)}  " + data.replace("\n", "\n" + " " * (width + 2))]) + "\n"
    )
