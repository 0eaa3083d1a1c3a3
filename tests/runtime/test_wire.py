"""What models and codecs write and accept: absent versus null, UTC datetimes, strict decoding.

Each behaviour is checked in JSON and, where BSON has it too, in BSON.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import bson
import pytest
from pydantic import ValidationError

from restagen.runtime import BsonCodec, Codec, CodecError, JsonCodec, Model, UtcDatetime

CODECS = [JsonCodec, BsonCodec]
PARIS = timezone(timedelta(hours=1))


class Reading(Model):
    count: int
    note: str | None = None
    """May be absent (`note: string?`): None is left out."""
    comment: str | None
    """May be null (`comment: string | null`): always written."""
    level: int | None = 3
    """A default other than None: None set on purpose is written as null."""
    at: UtcDatetime


def _wire(codec: Codec[Any], value: Any) -> Any:
    data = codec.encode(value)
    return bson.decode(data)["v"] if isinstance(codec, BsonCodec) else json.loads(data)


def _bytes(codec: Codec[Any], value: Any) -> bytes:
    return bson.encode({"v": value}) if isinstance(codec, BsonCodec) else json.dumps(value).encode()


AT = datetime(2025, 1, 31, 10, tzinfo=UTC)


@pytest.mark.parametrize("codec_class", CODECS, ids=["json", "bson"])
def test_an_unset_optional_field_is_left_out_and_a_nullable_one_is_written(codec_class: Any) -> None:
    codec = codec_class(Reading)
    reading = Reading(count=1, comment=None, at=AT)
    wire = _wire(codec, reading)
    assert "note" not in wire and wire["comment"] is None and wire["level"] == 3
    assert _wire(codec, reading.model_copy(update={"level": None}))["level"] is None
    assert _wire(codec, Reading(count=1, note="n", comment="c", at=AT))["note"] == "n"
    assert codec.decode(codec.encode(reading)) == reading
    assert "note" not in reading.model_dump()


@pytest.mark.parametrize("codec_class", CODECS, ids=["json", "bson"])
def test_null_for_a_field_that_may_be_absent_reads_as_absent(codec_class: Any) -> None:
    codec = codec_class(Reading)
    data = _bytes(codec, {"count": 1, "note": None, "comment": None, "at": "2025-01-31T10:00:00Z"})
    assert codec.decode(data) == Reading(count=1, comment=None, at=AT)
    with pytest.raises(CodecError, match="comment"):  # a nullable field must be sent
        codec.decode(_bytes(codec, {"count": 1, "at": "2025-01-31T10:00:00Z"}))


@pytest.mark.parametrize("codec_class", CODECS, ids=["json", "bson"])
def test_unknown_fields_are_ignored_unless_the_codec_rejects_them(codec_class: Any) -> None:
    data = _bytes(
        codec_class(Reading), {"count": 1, "comment": None, "at": "2025-01-31T10:00:00Z", "extra": 1}
    )
    assert codec_class(Reading).decode(data) == Reading(count=1, comment=None, at=AT)
    with pytest.raises(CodecError, match="extra"):
        codec_class(Reading, unknown_fields="reject").decode(data)
    nested = codec_class(list[Reading], unknown_fields="reject")
    with pytest.raises(CodecError, match="extra"):
        nested.decode(
            _bytes(nested, [{"count": 1, "comment": None, "at": "2025-01-31T10:00:00Z", "extra": 1}])
        )
    with pytest.raises(ValueError, match="unknown_fields"):
        codec_class(Reading, unknown_fields="forbid")


def test_a_naive_datetime_is_refused_where_the_model_is_built() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        Reading(count=1, comment=None, at=datetime(2025, 1, 31, 10))
    with pytest.raises(CodecError, match="timezone"):
        JsonCodec(Reading).decode(b'{"count": 1, "comment": null, "at": "2025-01-31T10:00:00"}')


@pytest.mark.parametrize("codec_class", CODECS, ids=["json", "bson"])
def test_a_bare_datetime_is_checked_before_it_is_written(codec_class: Any) -> None:
    for type_ in (UtcDatetime, list[UtcDatetime], UtcDatetime | None):
        codec = codec_class(type_)
        value = datetime(2025, 1, 31, 10)
        with pytest.raises(CodecError, match="timezone"):
            codec.encode([value] if type_ == list[UtcDatetime] else value)
    assert codec_class(UtcDatetime | None).decode(codec_class(UtcDatetime | None).encode(None)) is None


def test_an_instant_beyond_the_range_of_utc_is_refused_as_invalid() -> None:
    edge = datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=5)))
    with pytest.raises(ValidationError, match="out of range in UTC"):
        Reading(count=1, comment=None, at=edge)
    with pytest.raises(CodecError, match="out of range in UTC"):
        JsonCodec(Reading).decode(b'{"count": 1, "comment": null, "at": "0001-01-01T00:00:00+05:00"}')


def test_datetimes_are_held_and_written_in_utc_with_z() -> None:
    reading = Reading(count=1, comment=None, at=datetime(2025, 1, 31, 11, 30, tzinfo=PARIS))
    assert reading.at == datetime(2025, 1, 31, 10, 30, tzinfo=UTC) and reading.at.utcoffset() == timedelta(0)
    assert json.loads(JsonCodec(Reading).encode(reading))["at"] == "2025-01-31T10:30:00Z"
    assert JsonCodec(UtcDatetime).encode(datetime(2025, 1, 31, 11, 30, 0, 5, tzinfo=PARIS)) == (
        b'"2025-01-31T10:30:00.000005Z"'
    )
    decoded = JsonCodec(Reading).decode(b'{"count": 1, "comment": null, "at": "2025-01-31T11:30:00+01:00"}')
    assert decoded.at == reading.at and decoded.at.utcoffset() == timedelta(0)
    bson_at = BsonCodec(Reading).decode(BsonCodec(Reading).encode(reading)).at
    assert bson_at == reading.at and bson_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("type_", "value"),
    [
        (int, "1"),
        (int, True),
        (int, 1.5),
        (int, 1.0),
        (str, 1),
        (bool, 1),
        (bool, "true"),
        (float, "1.5"),
        (list[int], ["1"]),
        (dict[str, int], {"a": "1"}),
    ],
)
def test_json_decoding_is_strict(type_: Any, value: Any) -> None:
    with pytest.raises(CodecError):
        JsonCodec(type_).decode(json.dumps(value).encode())


def test_json_decoding_reads_what_json_carries_as_strings_and_ints_as_floats() -> None:
    assert JsonCodec(float).decode(b"2") == 2.0
    text = b'{"count": 1, "comment": "c", "at": "2025-01-31T10:00:00Z"}'
    assert JsonCodec(Reading).decode(text).comment == "c"


def test_ints_beyond_javascripts_safe_range_round_trip_exactly() -> None:
    # restagen keeps them exact; a JavaScript reader would not (see docs/codecs.md).
    big = 2**53 + 1
    assert JsonCodec(int).encode(big) == b"9007199254740993"
    assert JsonCodec(int).decode(b"9007199254740993") == big
    assert float(big) != big
