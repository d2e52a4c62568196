"""One timestamp spelling for the ledger: written by :func:`stamp`, read by :func:`parse_stamp`.

The ledger (one DynamoDB table, :mod:`mlops_core.aws.ledger`) stores times as text, and some of them are in sort keys
(``DEPLOYMENT#<started_at>#<id>``), so the spelling is part of an item's identity and must sort as the time does.
:func:`stamp` writes ``2026-01-01T00:10:30.000Z``: UTC, milliseconds always present, ``Z``: fixed width (24
characters), so text order is time order. It is also Step Functions' own spelling (``$$.Execution.StartTime``), the
spelling the deployment tasks already wrote in the execution state.

:func:`parse_stamp` reads it and every spelling an earlier version wrote: ``datetime.isoformat()``
(``2026-01-01T00:00:00+00:00``, a fraction only when non-zero, so not fixed width; :func:`legacy_stamp` reproduces
it, for keys written by that version) and naive ISO text (taken as UTC).

Identifiers derived from a time (``mlops_core.naming``'s buffer digest) keep their own spelling: changing it would
change the ids.

Examples
--------
>>> from datetime import UTC, datetime
>>> moment = datetime(2026, 1, 1, 0, 10, 30, 123456, tzinfo=UTC)
>>> stamp(moment)
'2026-01-01T00:10:30.123Z'
>>> stamp(datetime(2026, 1, 1, tzinfo=UTC))
'2026-01-01T00:00:00.000Z'
>>> parse_stamp("2026-01-01T00:10:30.123Z") == moment.replace(microsecond=123000)
True
>>> {parse_stamp(text) for text in ("2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00")}
{datetime.datetime(2026, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)}
>>> legacy_stamp(parse_stamp("2026-01-01T00:00:00.000Z"))
'2026-01-01T00:00:00+00:00'
>>> is_stamp("2026-01-01T00:00:00+00:00"), is_stamp("2026-01-01T00:00:00.000Z")
(False, True)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

__all__ = ["is_stamp", "legacy_stamp", "parse_stamp", "stamp"]

_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def stamp(moment: datetime) -> str:
    """The ledger's spelling of ``moment`` (naive means UTC): ``YYYY-MM-DDTHH:MM:SS.mmmZ``, sortable as text."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_stamp(text: str) -> datetime:
    """A timezone-aware UTC datetime from :func:`stamp`'s spelling, ``isoformat()``'s, or naive ISO text (UTC)."""
    moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def legacy_stamp(moment: datetime) -> str:
    """The spelling the previous version wrote (``datetime.isoformat()`` of the UTC time): to find its items."""
    return moment.astimezone(UTC).isoformat()


def is_stamp(text: str) -> bool:
    """Whether ``text`` is in the ledger's spelling (an item in another one is rewritten by ``mlopsctl ledger``)."""
    return _STAMP.match(text) is not None
