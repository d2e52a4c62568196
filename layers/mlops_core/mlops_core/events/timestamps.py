"""One reading of every timestamp spelling AWS puts in the events we consume.

Real samples carry, for the same kind of field: ISO-8601 strings with ``Z``, ``+0000`` or ``+00:00`` offsets and up to
nanosecond fractions (``2022-12-03T00:09:44.893854735Z``); epoch-millisecond strings (``"1583831889050"``, even in the
envelope ``time`` of one SageMaker sample); epoch-millisecond integers and floats (``1592411992203.0``). Every one of
them becomes a timezone-aware UTC :class:`~datetime.datetime`. Every spelling read here is printed by AWS's own pages:
the SageMaker Developer Guide's EventBridge samples (https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html:
ISO strings, epoch-ms strings, numbers and floats, an epoch-ms envelope ``time`` in the endpoint sample), the CloudWatch
User Guide's alarm samples (``+0000`` offsets) and the Step Functions guide's (epoch-ms ``startDate``).

Decisions:

- Numbers (and all-digit strings) are **epoch milliseconds**, never seconds: that is what every AWS event in the corpus
  uses, and guessing the unit from the magnitude would misread small values.
- Fractions beyond microseconds are truncated (Python's datetime resolution).
- An ISO string without an offset is taken as UTC (AWS always sends UTC).
- Anything else (a redaction placeholder such as ``"date"``, booleans, NaN, out-of-range values) is an error naming
  the value.

Examples
--------
>>> to_utc_datetime("2019-10-03T16:00:04.653+0000").isoformat()
'2019-10-03T16:00:04.653000+00:00'
>>> to_utc_datetime(1583831889050).isoformat()
'2020-03-10T09:18:09.050000+00:00'
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import BeforeValidator

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The largest epoch-ms a datetime can hold (9999-12-31T23:59:59.999Z).
_MAX_EPOCH_MS = 253_402_300_799_999
_EPOCH_MS_TEXT = re.compile(r"^\d+(?:\.\d+)?$")
_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")


def _from_epoch_ms(value: Decimal | int | float, original: object) -> datetime:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"timestamp {original!r} is not a finite number")
    if value < 0 or value > _MAX_EPOCH_MS:
        raise ValueError(f"timestamp {original!r} is out of range for epoch milliseconds")
    micros = int(Decimal(str(value)) * 1000)
    return _EPOCH + timedelta(microseconds=micros)


def _from_text(text: str) -> datetime:
    stripped = text.strip()
    if _EPOCH_MS_TEXT.match(stripped):
        try:
            return _from_epoch_ms(Decimal(stripped), text)
        except InvalidOperation:  # pragma: no cover - the regex admits only decimals
            raise ValueError(f"timestamp {text!r} is not a number") from None
    iso = stripped[:-1] + "Z" if stripped.endswith("z") else stripped
    iso = _LONG_FRACTION.sub(r"\1", iso)
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        raise ValueError(f"timestamp {text!r} is neither ISO-8601 nor epoch milliseconds") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def to_utc_datetime(value: object) -> datetime:
    """Read any timestamp spelling found in AWS events as a timezone-aware UTC datetime.

    Parameters
    ----------
    value
        An ISO-8601 string, an epoch-millisecond string, int or float, or a datetime (naive means UTC).

    Raises
    ------
    ValueError
        When the value is none of these; the message quotes the value.
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, bool):
        raise ValueError(f"timestamp {value!r} is a boolean, not a time")
    if isinstance(value, int | float):
        return _from_epoch_ms(value, value)
    if isinstance(value, str):
        return _from_text(value)
    raise ValueError(f"timestamp {value!r} has type {type(value).__name__}, expected a string or a number")


UtcDateTime = Annotated[datetime, BeforeValidator(to_utc_datetime)]
"""A pydantic field type: any AWS timestamp spelling in, a tz-aware UTC datetime out."""
