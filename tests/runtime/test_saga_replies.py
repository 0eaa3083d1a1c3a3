"""Reply handlers of every type a participant can return: primitives, lists, maps, the members
of a union and the inner type of a nullable, each matched against the decoded reply at run time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from restagen.runtime.sagas import SagaStatus
from restagen.runtime.sagas._engine import matches
from restagen.testing import SagaTestKit
from tests.generated import generated

SCHEMA = """\
restagen: 1
package: replies
types:
  Data:
    properties:
      name: string?
      count: int?
      flights: {type: "list[Flight]", default: []}
      quoted: {type: "list[string]", default: []}
      maybe: string?
      tags: {type: "map[int]", default: {}}
  Flight:
    properties: {ref: string}
services:
  names:
    handlers:
      lookup: {input: string, output: string}
      count: {output: int}
      find: {output: "list[Flight]"}
      quote: {output: "Flight | string"}
      maybe: {output: "Flight?"}
      tags: {output: "map[int]"}
sagas:
  collect:
    data: Data
    steps:
      - {name: lookup, invoke: names.lookup, on_reply: {string: record_name}}
      - {name: count, invoke: names.count, on_reply: {int: record_count}}
      - {name: find, invoke: names.find, on_reply: {"list[Flight]": record_flights}}
      - {name: quote, invoke: names.quote, on_reply: {Flight: quoted_flight, string: quoted_note}}
      - {name: quote_again, invoke: names.quote, on_reply: {Flight: quoted_flight_again, string: quoted_note_again}}
      - {name: maybe, invoke: names.maybe, on_reply: {Flight: maybe_flight}}
      - {name: tags, invoke: names.tags, on_reply: {"map[int]": record_tags}}
"""


@pytest.fixture(scope="module")
def replies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    schemas = tmp_path_factory.mktemp("schemas")
    (schemas / "replies.restagen.yaml").write_text(SCHEMA)
    with generated(tmp_path_factory.mktemp("out"), schemas, "replies"):
        import replies.sagas

        yield replies.sagas


def _saga(sagas: Any) -> Any:
    from replies.models import Data, Flight

    class Collect(sagas.CollectSagaBase):  # type: ignore[name-defined, misc]
        async def lookup_request(self, ctx: Any, data: Data) -> str:
            return "ann"

        async def record_name(self, ctx: Any, data: Data, reply: str) -> None:
            data.name = reply

        async def record_count(self, ctx: Any, data: Data, reply: int) -> None:
            data.count = reply

        async def record_flights(self, ctx: Any, data: Data, reply: list[Flight]) -> None:
            data.flights = reply

        async def quoted_flight(self, ctx: Any, data: Data, reply: Flight) -> None:
            data.quoted.append(f"flight {reply.ref}")

        async def quoted_note(self, ctx: Any, data: Data, reply: str) -> None:
            data.quoted.append(f"note {reply}")

        async def quoted_flight_again(self, ctx: Any, data: Data, reply: Flight) -> None:
            data.quoted.append(f"flight {reply.ref}")

        async def quoted_note_again(self, ctx: Any, data: Data, reply: str) -> None:
            data.quoted.append(f"note {reply}")

        async def maybe_flight(self, ctx: Any, data: Data, reply: Flight) -> None:
            data.maybe = reply.ref

        async def record_tags(self, ctx: Any, data: Data, reply: dict[str, int]) -> None:
            data.tags = reply

    return Collect()


def test_each_reply_reaches_the_handler_of_its_type(replies: Any) -> None:
    from replies.models import Data, Flight

    kit = SagaTestKit(replies.COLLECT, _saga(replies))
    kit.reply("lookup", "Ann Smith").reply("count", 3).reply("find", [Flight(ref="F1"), Flight(ref="F2")])
    kit.reply("quote", Flight(ref="Q1")).reply("quote_again", "sold out")
    kit.reply("maybe", None).reply("tags", {"a": 1})
    state = asyncio.run(kit.run("c-1", Data()))
    assert state.status == SagaStatus.SUCCEEDED
    data = state.data
    assert (data.name, data.count, [f.ref for f in data.flights]) == ("Ann Smith", 3, ["F1", "F2"])
    assert data.quoted == ["flight Q1", "note sold out"]  # each union member to its own handler
    assert data.maybe is None  # a null reply has no handler: nothing is called
    assert data.tags == {"a": 1}


def test_a_present_nullable_reply_reaches_the_inner_types_handler(replies: Any) -> None:
    from replies.models import Data, Flight

    kit = SagaTestKit(replies.COLLECT, _saga(replies))
    kit.reply("lookup", "x").reply("count", 0).reply("find", []).reply("quote", "a").reply("quote_again", "b")
    kit.reply("maybe", Flight(ref="M1")).reply("tags", {})
    state = asyncio.run(kit.run("c-2", Data()))
    assert state.data.maybe == "M1"


@pytest.mark.parametrize(
    ("value", "form", "expected"),
    [
        ("a", str, True),
        (1, str, False),
        (True, int, False),  # JSON's true is no number
        (True, bool, True),
        (2, float, True),  # a whole number is a float's value too
        (2.5, int, False),
        ([1, 2], list[int], True),
        ([1, "a"], list[int], False),
        ([], list[str], True),
        ({"a": 1}, dict[str, int], True),
        ({"a": "b"}, dict[str, int], False),
        (None, str | None, True),
        ("a", int | str, True),
        (None, str, False),
        (object(), Any, True),
    ],
)
def test_matches(value: Any, form: Any, expected: bool) -> None:
    assert matches(value, form) is expected
