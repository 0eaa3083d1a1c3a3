"""How `restagen sagas list` and `show` print saga states (reading them from a real server is
tested in tests/e2e/test_sagas.py)."""

from __future__ import annotations

from restagen.saga_states import SagaRow, format_list, format_show

FAILED = {
    "saga_id": "t-7",
    "status": "FAILED",
    "current_step": "hotel",
    "completed_steps": ["flight", "hotel"],
    "skipped_steps": ["car"],
    "compensated_steps": [],
    "last_error": {"step": "hotel", "phase": "compensate", "message": "refused", "code": 503, "attempt": 20},
    "cause": {
        "step": "charge",
        "phase": "invoke",
        "message": "declined",
        "code": 402,
        "error": "CardDeclined",
    },
    "resumes": 1,
    "data": {"trip_id": "t-7", "note": "café"},
}


def test_list_aligns_columns_and_prints_each_failure_on_one_line() -> None:
    rows = [
        SagaRow("book_trip", "t-7", FAILED),
        SagaRow("rent", "r-100", {"saga_id": "r-100", "status": "SUCCEEDED", "data": {}}),
    ]
    assert format_list(rows) == (
        "SAGA       ID     STATUS     STEP   LAST ERROR\n"
        "book_trip  t-7    FAILED     hotel  compensate hotel: refused (503, attempt 20)\n"
        "rent       r-100  SUCCEEDED  -      -\n"
    )
    assert format_list([]) == "no sagas\n"


def test_show_prints_every_field_and_the_data_as_json() -> None:
    shown = format_show(SagaRow("book_trip", "t-7", FAILED))
    assert shown.splitlines()[:10] == [
        "saga          book_trip",
        "id            t-7",
        "status        FAILED",
        "current step  hotel",
        "completed     flight, hotel",
        "skipped       car",
        "compensated   -",
        "resumes       1",
        "last error    compensate hotel: refused (503, attempt 20)",
        "cause         invoke charge: declined (402, CardDeclined)",
    ]
    assert shown.endswith(
        'data          {\n                "trip_id": "t-7",\n                "note": "café"\n              }\n'
    )
