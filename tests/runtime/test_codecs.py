"""Codecs round-trip every type of the language exactly, in JSON and in BSON."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ConfigDict, Field, RootModel, TypeAdapter

from restagen.runtime import BsonCodec, Codec, CodecError, JsonCodec, Model, UtcDatetime


class Colour(enum.StrEnum):
    RED = "RED"
    GREEN = "GREEN"


class Card(Model):
    kind: Literal["Card"] = "Card"
    token: str


class Cash(Model):
    kind: Literal["Cash"] = "Cash"
    change: Decimal | None = None


class Payment(RootModel[Card | Cash]):
    root: Annotated[Card | Cash, Field(discriminator="kind")]


class Line(Model):
    sku: str
    quantity: int


class Everything(Model):
    text: str
    number: int
    ratio: float
    flag: bool
    blob: bytes
    at: datetime
    naive: datetime
    day: date
    clock: time
    took: timedelta
    id: uuid.UUID
    price: Decimal
    anything: Any
    colour: Colour
    payment: Payment
    lines: list[Line]
    tags: dict[str, str]
    from_: Annotated[str, Field(alias="from")]
    note: str | None = None
    either: Line | str
    utc: UtcDatetime
    comment: str | None  # a nullable field: always written, null included


# BSON keys cannot hold NUL (a documented limit, tested below): keys here are NUL-free.
_keys = st.text(max_size=5).filter(lambda key: "\x00" not in key)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_keys, children, max_size=3),
    max_leaves=6,
)
aware_zones = st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))])
aware = st.datetimes(timezones=aware_zones)
decimals = st.decimals(allow_nan=False, allow_infinity=False, places=None)
everything = st.builds(
    Everything,
    text=st.text(),
    number=st.integers(-(2**63), 2**63 - 1),
    ratio=st.floats(allow_nan=False, allow_infinity=False),
    flag=st.booleans(),
    blob=st.binary(),
    at=aware,
    naive=st.datetimes(),
    day=st.dates(),
    clock=st.times(),
    took=st.timedeltas(),
    id=st.uuids(),
    price=decimals,
    anything=json_values,
    colour=st.sampled_from(Colour),
    payment=st.one_of(st.builds(Card, token=st.text()), st.builds(Cash, change=st.none() | decimals)).map(
        Payment
    ),
    lines=st.lists(st.builds(Line, sku=st.text(), quantity=st.integers(-1000, 1000)), max_size=3),
    tags=st.dictionaries(_keys, st.text(), max_size=3),
    from_=st.text(),
    note=st.none() | st.text(),
    either=st.one_of(st.builds(Line, sku=st.text(), quantity=st.integers(0, 9)), st.text()),
    utc=st.datetimes(  # a day from either end: every instant there is one in UTC too
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=aware_zones
    ),
    comment=st.none() | st.text(),
)

CODECS: list[Codec[Everything]] = [JsonCodec(Everything), BsonCodec(Everything)]


@pytest.mark.parametrize("codec", CODECS, ids=["json", "bson"])
@settings(max_examples=300, deadline=None, derandomize=True)
@given(value=everything)
def test_round_trip_is_exact(codec: Codec[Everything], value: Everything) -> None:
    again = codec.decode(codec.encode(value))
    assert again == value
    assert type(again.payment.root) is type(value.payment.root)
    for name in ("at", "price", "took", "utc"):
        assert str(getattr(again, name)) == str(getattr(value, name))
    assert again.utc.utcoffset() == timedelta(0)


@pytest.mark.parametrize("codec_class", [JsonCodec, BsonCodec], ids=["json", "bson"])
@pytest.mark.parametrize(
    "value",
    [
        Decimal("1E+2"),
        Decimal("-0.000"),
        Decimal("3.14159265358979323846264338327950288419716939937510"),
        # At the edges of what Decimal128 holds as written: 34 digits, exponents -6176 and 6111.
        Decimal("9999999999999999999999999999999999E+6111"),
        Decimal("-1234567890123456789012345678901234E-6176"),
        Decimal("1E+6112"),  # Decimal128 would clamp it to 10E+6111
        Decimal("1E-6177"),
    ],
)
def test_decimals_keep_their_exact_form(codec_class: type[Codec[Decimal]], value: Decimal) -> None:
    codec = codec_class(Decimal)
    assert str(codec.decode(codec.encode(value))) == str(value)


def test_bytes_that_are_not_utf8_round_trip() -> None:
    for codec in (JsonCodec(bytes), BsonCodec(bytes)):
        assert codec.decode(codec.encode(b"\xff\x00\xfe")) == b"\xff\x00\xfe"


def test_bson_refuses_ints_beyond_64_bits_naming_the_field() -> None:
    with pytest.raises(CodecError, match=r"lines\.0\.quantity"):
        BsonCodec(dict[str, list[Line]]).encode({"lines": [Line(sku="a", quantity=2**64)]})
    assert JsonCodec(int).decode(JsonCodec(int).encode(2**80)) == 2**80


def test_decode_errors_name_the_fields() -> None:
    with pytest.raises(CodecError, match=r"lines\.0\.quantity"):
        JsonCodec(Everything).decode(b'{"lines": [{"sku": "a", "quantity": "many"}]}')
    with pytest.raises(CodecError, match="not a BSON document"):
        BsonCodec(Line).decode(b"not bson")


def test_non_finite_floats() -> None:
    """JSON has no NaN or infinity (pydantic writes null, which does not read back as a float); BSON has both."""
    assert BsonCodec(float).decode(BsonCodec(float).encode(float("inf"))) == float("inf")
    with pytest.raises(CodecError):
        JsonCodec(float).decode(JsonCodec(float).encode(float("inf")))


def test_serde_bson_option_generates_bson_codecs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    schema = tmp_path / "vault.restagen.yaml"
    schema.write_text(
        "restagen: 1\npackage: vault\nserde: bson\ntypes:\n  Secret:\n    properties: {data: bytes, at: datetime}\n"
        "services:\n  vault:\n    handlers:\n"
        "      keep: {input: Secret, output: Secret}\n      name: {input: string, output: string, options: {serde: json}}\n"
    )
    from restagen.cli import main

    assert main(["generate", str(schema), "-o", str(tmp_path / "gen")]) == 0
    monkeypatch.syspath_prepend(str(tmp_path / "gen"))
    try:
        from vault import definitions
        from vault.models import Secret

        keep = definitions.VAULT__KEEP
        assert isinstance(keep.input, BsonCodec) and keep.input.media_type == "application/bson"
        assert isinstance(definitions.VAULT__NAME.input, JsonCodec)
        secret = Secret(data=b"\xff", at=datetime(2026, 1, 1, tzinfo=UTC))
        assert keep.output is not None and keep.output.decode(keep.input.encode(secret)) == secret
    finally:
        import sys

        for name in [m for m in sys.modules if m == "vault" or m.startswith("vault.")]:
            del sys.modules[name]


def test_bson_refuses_nul_in_map_keys_naming_the_field() -> None:
    with pytest.raises(CodecError, match="tags"):
        BsonCodec(dict[str, dict[str, str]]).encode({"tags": {"a\x00b": "x"}})


class Keyworded(Model):
    from_: Annotated[str, Field(alias="from")]


def test_json_codec_writes_what_pydantic_writes() -> None:
    """Encoding goes straight to pydantic-core: the same bytes as the TypeAdapter, schema names included."""
    line = Line(sku="a", quantity=2)
    assert JsonCodec(Line).encode(line) == TypeAdapter(Line).dump_json(line, by_alias=True)
    codec = JsonCodec(Keyworded)
    encoded = codec.encode(Keyworded(from_="x"))
    assert encoded == b'{"from":"x"}'
    assert codec.decode(encoded) == Keyworded(from_="x")


class Later(Model):
    child: Forward | None = None


# Built while `Forward` is not defined yet: pydantic defers building the schema of `Later`.
LATER_CODECS: list[Codec[Later]] = [JsonCodec(Later), BsonCodec(Later)]


class Forward(Model):
    n: int


@pytest.mark.parametrize("codec", LATER_CODECS, ids=["json", "bson"])
def test_a_codec_built_before_its_type_is_complete_works_once_it_is(codec: Codec[Later]) -> None:
    value = Later(child=Forward(n=1))
    assert codec.decode(codec.encode(value)) == value
    with pytest.raises(CodecError):
        codec.decode(b"")


def test_codecs_of_one_type_share_its_adapter() -> None:
    """A codec built per call from a type (`ctx.run(..., int)`) does not rebuild pydantic's schema."""
    assert JsonCodec(list[Line]).adapter is JsonCodec(list[Line]).adapter
    assert BsonCodec(Line).adapter is JsonCodec(Line).adapter


def test_codecs_of_unhashable_type_expressions() -> None:
    codec = JsonCodec[int](Annotated[int, {"note": ["unhashable"]}])
    assert codec.decode(codec.encode(3)) == 3


# The BSON codec's plan: what it writes, and that it reads what the general walk writes.

BSON_EVERYTHING = BsonCodec(Everything)
JSON_EVERYTHING = JsonCodec(Everything)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(value=everything)
def test_bson_round_trips_whatever_json_round_trips(value: Everything) -> None:
    through_json = JSON_EVERYTHING.decode(JSON_EVERYTHING.encode(value))
    through_bson = BSON_EVERYTHING.decode(BSON_EVERYTHING.encode(value))
    assert through_bson == through_json == value
    assert through_bson.model_dump_json() == through_json.model_dump_json()


@settings(max_examples=200, deadline=None, derandomize=True)
@given(value=everything)
def test_bson_reads_decimals_and_uuids_written_by_bson_itself(value: Everything) -> None:
    """Documents written with bson's own Decimal128 for every decimal (as earlier versions did) read back."""
    import bson
    from bson.binary import UuidRepresentation
    from bson.codec_options import CodecOptions
    from bson.decimal128 import Decimal128

    document = bson.decode(BSON_EVERYTHING.encode(value), codec_options=CodecOptions(uuid_representation=4))
    if len(value.price.as_tuple().digits) <= 34 and -6176 <= int(value.price.as_tuple().exponent) <= 6111:
        document["v"]["price"] = Decimal128(value.price)
    written = bson.encode(
        document, codec_options=CodecOptions(uuid_representation=UuidRepresentation.STANDARD)
    )
    again = BSON_EVERYTHING.decode(written)
    assert again == value
    assert str(again.price) == str(value.price)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(value=decimals)
def test_bson_packs_and_unpacks_decimal128_as_bson_does(value: Decimal) -> None:
    from bson.decimal128 import Decimal128

    from restagen.runtime._core.bson import _decimal, _from_decimal128

    written = _decimal(value)
    if isinstance(written, str):
        assert written == str(value)
        return
    assert written.bid == Decimal128(value).bid
    assert str(_from_decimal128(written)) == str(value)
    assert str(_from_decimal128(Decimal128(value))) == str(Decimal128(value).to_decimal())


class Priced(Model):
    price: Annotated[Decimal, Field(alias="unit-price")]
    loose: Any = None
    at: datetime | None = None


def test_bson_writes_typed_decimals_as_strings_and_untyped_ones_as_decimal128() -> None:
    import bson
    from bson.decimal128 import Decimal128

    value = Priced(
        price=Decimal("-0.000"), loose={"d": Decimal("1E+2")}, at=datetime(2026, 1, 2, 3, 4, 5, 6, UTC)
    )
    encoded = BsonCodec(Priced).encode(value)
    document = bson.decode(encoded)["v"]
    assert document["unit-price"] == "-0.000"
    assert document["loose"]["d"] == Decimal128("1E+2")
    assert document["at"] == "2026-01-02T03:04:05.000006+00:00"
    again = BsonCodec(Priced).decode(encoded)
    assert again == value and str(again.loose["d"]) == "1E+2"


class Tree(Model):
    weight: Decimal
    children: list[Tree] = Field(default_factory=list)


def test_bson_round_trips_recursive_types() -> None:
    value = Tree(
        weight=Decimal("1.50"), children=[Tree(weight=Decimal("2E+3"), children=[Tree(weight=Decimal("-0"))])]
    )
    codec = BsonCodec(Tree)
    again = codec.decode(codec.encode(value))
    assert again == value
    assert str(again.children[0].children[0].weight) == "-0"


def test_bson_decode_errors_name_the_fields() -> None:
    import bson

    with pytest.raises(CodecError, match=r"lines\.0\.quantity"):
        BSON_EVERYTHING.decode(bson.encode({"v": {"lines": [{"sku": "a", "quantity": "many"}]}}))
    with pytest.raises(CodecError, match="single key"):
        BsonCodec(Line).decode(bson.encode({"v": {}, "w": 1}))


def test_bson_reads_the_member_of_a_tagged_union_by_its_tag() -> None:
    """A tagged union's members are converted by their own plan: a decimal of `Cash` is its string."""
    import bson

    codec = BsonCodec(list[Payment])
    value = [Payment(Cash(change=Decimal("0.50"))), Payment(Card(token="t")), Payment(Cash())]
    encoded = codec.encode(value)
    assert bson.decode(encoded)["v"][0] == {"kind": "Cash", "change": "0.50"}
    assert codec.decode(encoded) == value
    with pytest.raises(CodecError, match="0"):
        codec.decode(bson.encode({"v": [{"kind": ["Cash"], "change": "1"}]}))


@pytest.mark.parametrize("type_", [uuid.UUID | str, str | uuid.UUID, bytes | uuid.UUID, uuid.UUID | bytes])
def test_bson_reads_a_uuid_in_a_union_as_a_uuid(type_: Any) -> None:
    """A uuid travels as 16 bytes; where a union also takes bytes or a string, they must not win."""
    value = uuid.UUID(bytes=b"abcdefghijklmnop")  # bytes that are valid UTF-8 too
    codec = BsonCodec[Any](type_)
    again = codec.decode(codec.encode(value))
    assert type(again) is uuid.UUID and again == value
    nested = BsonCodec[Any](dict[str, type_])
    assert type(nested.decode(nested.encode({"k": value}))["k"]) is uuid.UUID


class StrictPrice(Model):
    amount: Annotated[Decimal, Field(strict=True)]


class StrictModel(Model):
    model_config = ConfigDict(strict=True)
    amount: Decimal
    items: list[StrictPrice]


def test_bson_decimals_of_strict_fields_travel_as_decimal128() -> None:
    """Strict validation takes no string for a decimal: those fields keep Decimal128."""
    value = StrictModel(amount=Decimal("1.10"), items=[StrictPrice(amount=Decimal("-0.0"))])
    codec = BsonCodec(StrictModel)
    again = codec.decode(codec.encode(value))
    assert again == value and str(again.items[0].amount) == "-0.0"


def test_a_codec_builds_its_adapter_on_first_use() -> None:
    codec = JsonCodec(list[int])
    assert codec._adapter is None
    assert codec.decode(codec.encode([1, 2])) == [1, 2]
    assert codec._adapter is not None
    assert codec.encode([3]) == b"[3]"
