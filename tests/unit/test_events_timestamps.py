"""Every timestamp spelling AWS uses reads as one tz-aware UTC datetime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlops_core.events import to_utc_datetime

MOMENT = datetime(2019, 10, 3, 16, 0, 4, 653000, tzinfo=UTC)
EPOCH_MS = 1570118404653  # MOMENT in epoch milliseconds

# Any instant a datetime can hold, at millisecond precision (what AWS events carry).
instants = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000))


def _epoch_ms(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


@pytest.mark.parametrize(
    "spelling",
    [
        "2019-10-03T16:00:04.653Z",
        "2019-10-03T16:00:04.653z",
        "2019-10-03T16:00:04.653+0000",
        "2019-10-03T16:00:04.653+00:00",
        "2019-10-03T18:00:04.653+0200",
        "2019-10-03T16:00:04.653000000Z",
        "2019-10-03T16:00:04.653",
        " 2019-10-03T16:00:04.653Z ",
        "1570118404653",
        "1570118404653.0",
        EPOCH_MS,
        float(EPOCH_MS),
        datetime(2019, 10, 3, 16, 0, 4, 653000),
        datetime(2019, 10, 3, 11, 0, 4, 653000, tzinfo=timezone(timedelta(hours=-5))),
    ],
    ids=repr,
)
def test_every_aws_spelling_reads_as_the_same_utc_instant(spelling: object) -> None:
    read = to_utc_datetime(spelling)
    assert read == MOMENT
    assert read.tzinfo is UTC


def test_nanosecond_fraction_is_truncated_to_microseconds() -> None:
    assert to_utc_datetime("2022-12-03T00:09:44.893854735Z") == datetime(2022, 12, 3, 0, 9, 44, 893854, UTC)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("date", "neither ISO-8601 nor epoch milliseconds"),
        ("Timestamp", "neither ISO-8601 nor epoch milliseconds"),
        ("", "neither ISO-8601 nor epoch milliseconds"),
        ("2023-08-04T12: 56: 46.138+0000", "neither ISO-8601 nor epoch milliseconds"),
        ("-1", "neither ISO-8601 nor epoch milliseconds"),
        (True, "boolean"),
        (-1, "out of range"),
        (10**20, "out of range"),
        (float("nan"), "not a finite number"),
        (float("inf"), "not a finite number"),
        (None, "expected a string or a number"),
        ([1570118404653], "expected a string or a number"),
    ],
    ids=repr,
)
def test_a_value_that_is_no_timestamp_is_refused_with_the_value_named(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        to_utc_datetime(value)


@given(instants)
def test_iso_with_z_reads_back_the_instant(moment: datetime) -> None:
    assert to_utc_datetime(moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z") == moment


@given(instants)
def test_iso_with_plus_0000_offset_reads_back_the_instant(moment: datetime) -> None:
    assert to_utc_datetime(moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000") == moment


@given(instants.filter(lambda moment: 1970 < moment.year < 9999), st.integers(min_value=-14 * 60, max_value=14 * 60))
def test_iso_in_any_offset_reads_as_the_same_utc_instant(moment: datetime, offset_minutes: int) -> None:
    local = moment.astimezone(timezone(timedelta(minutes=offset_minutes)))
    assert to_utc_datetime(local.isoformat()) == moment


@given(instants)
def test_epoch_ms_as_int_string_and_float_read_back_the_instant(moment: datetime) -> None:
    epoch_ms = _epoch_ms(moment)
    assert to_utc_datetime(epoch_ms) == moment
    assert to_utc_datetime(str(epoch_ms)) == moment
    assert to_utc_datetime(f"{epoch_ms}.0") == moment
    if epoch_ms < 2**53:  # floats hold every integer up to here exactly
        assert to_utc_datetime(float(epoch_ms)) == moment


@given(instants, st.integers(min_value=0, max_value=999_999_999))
def test_any_fraction_digits_read_within_a_microsecond(moment: datetime, nanos: int) -> None:
    spelled = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{nanos:09d}Z"
    read = to_utc_datetime(spelled)
    assert read.tzinfo is UTC
    assert read - moment.replace(microsecond=0) == timedelta(microseconds=nanos // 1000)
