"""Whether the training pipeline can read a labeled file, judged from its first bytes when it arrives.

Files that skip labeling (under ``labeled/``, or under ``incoming/`` with ``LABELING_BACKEND=none``) go straight to
the training pipeline, whose preprocess step reads labeled CSV (a header row naming the label column and the feature
columns) and JSON lines (one object per line with the same fields, or Ground Truth output-manifest lines). A file it
cannot read would only fail the training run later, for the whole batch; :func:`check_head` refuses it at arrival
instead, with a :class:`Refusal` reason and a message a person can act on.

Only the head of the object is read (:data:`HEAD_BYTES`): a file that is not complete in the head is judged on its
complete lines (its last, cut line is not judged), so a defect further down is found by the preprocess step, which
fails the run with the line number.

Examples
--------
>>> columns = Columns(label="label", features=("text",))
>>> check_head(b"text,label\\nmy printer jams,technical\\n", ".csv", columns, complete=True) is None
True
>>> check_head(b"body,label\\nhello,billing\\n", ".csv", columns, complete=True).reason
<Refusal.MISSING_COLUMNS: 'missing-columns'>
>>> print(check_head(b'{"text": "hi"}\\n', ".jsonl", columns, complete=True).message)
line 1 lacks the field(s) label (has: text); each line needs label and text, or is a Ground Truth manifest line
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

HEAD_BYTES = 64 * 1024
"""How much of an arriving object is read to check it (one ranged ``GetObject``)."""
CSV_SUFFIXES = frozenset({".csv"})
JSON_LINES_SUFFIXES = frozenset({".jsonl", ".json", ".manifest"})
READABLE_SUFFIXES = CSV_SUFFIXES | JSON_LINES_SUFFIXES
"""Extensions the preprocess step reads (``pipelines/models/text/preprocess.py``: ``INPUT_SUFFIXES``)."""
_METADATA = "-metadata"
_SHOWN = 120


class Refusal(StrEnum):
    """Why a labeled file was refused; the value is the ``reason`` of the log line and the notification."""

    UNSUPPORTED_FORMAT = "unsupported-format"
    NOT_UTF8 = "not-utf8"
    NO_DATA = "no-data"
    MISSING_COLUMNS = "missing-columns"
    NOT_CSV = "not-csv"
    RAGGED_ROWS = "ragged-rows"
    EMPTY_VALUE = "empty-value"
    NOT_JSON_LINES = "not-json-lines"
    MISSING_FIELDS = "missing-fields"
    BAD_VALUE = "bad-value"
    OBJECT_GONE = "object-gone"


@dataclass(frozen=True, slots=True)
class Refused:
    """A refusal: its reason code and a one-line human message."""

    reason: Refusal
    message: str

    def __str__(self) -> str:
        return f"{self.reason.value}: {self.message}"


@dataclass(frozen=True, slots=True)
class Columns:
    """The label column and the feature columns a labeled file must have (CSV header names, JSON fields).

    Parameters
    ----------
    label
        The column holding the class (``LABEL_COLUMN``, default ``label``).
    features
        The columns the model reads (``FEATURE_COLUMNS``, default ``text``); the text model joins them with a space.
    """

    label: str = "label"
    features: tuple[str, ...] = ("text",)

    def __post_init__(self) -> None:
        names = (self.label, *self.features)
        if not self.features or any(not name or name != name.strip() for name in names):
            raise ValueError(f"label and feature columns must be non-empty names without spaces around: {names}")
        if len(set(names)) != len(names):
            raise ValueError(f"label and feature columns must be distinct: {', '.join(names)}")

    @property
    def required(self) -> tuple[str, ...]:
        """The label column, then the feature columns."""
        return (self.label, *self.features)

    @classmethod
    def parse(cls, label: str, features: str) -> Columns:
        """From the settings' spelling: ``"label"`` and ``"subject, body"`` (comma-separated).

        >>> Columns.parse("category", "subject, body")
        Columns(label='category', features=('subject', 'body'))
        """
        return cls(label.strip(), tuple(part.strip() for part in features.split(",") if part.strip()))


def check_head(head: bytes, suffix: str, columns: Columns, *, complete: bool) -> Refused | None:
    """``None`` when the preprocess step can read a file starting with ``head``; otherwise why not.

    Parameters
    ----------
    head
        The object's first bytes (at most :data:`HEAD_BYTES`).
    suffix
        Its extension, with the dot (compared in lower case).
    columns
        The label and feature columns it must have.
    complete
        Whether ``head`` is the whole object; if not, its last (possibly cut) line is not judged.
    """
    suffix = suffix.lower()
    if suffix not in READABLE_SUFFIXES:
        readable = ", ".join(sorted(READABLE_SUFFIXES))
        return Refused(
            Refusal.UNSUPPORTED_FORMAT,
            f"{suffix or 'no extension'} cannot be trained on: labeled data must be CSV or JSON lines ({readable})",
        )
    text = _decoded(head, complete=complete)
    if isinstance(text, Refused):
        return text
    if not complete:
        text = text[: text.rfind("\n") + 1]
    if not text.strip():
        return Refused(Refusal.NO_DATA, "the file holds no records" if complete else "no complete line in the head")
    if suffix in CSV_SUFFIXES:
        return _csv_problem(text, columns, complete=complete)
    return _json_lines_problem(text, columns)


def _decoded(head: bytes, *, complete: bool) -> str | Refused:
    """``head`` as text (a UTF-8 byte-order mark dropped); a multi-byte character cut at the end is tolerated."""
    try:
        return head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if not complete and error.start >= len(head) - 3 and error.reason == "unexpected end of data":
            return head[: error.start].decode("utf-8-sig")
        return Refused(Refusal.NOT_UTF8, f"not UTF-8 text: byte {error.start} is {head[error.start]:#04x}")


def _csv_problem(text: str, columns: Columns, *, complete: bool) -> Refused | None:
    try:
        rows = _csv_rows(text, strict=True)
    except csv.Error as error:
        if complete:
            return Refused(Refusal.NOT_CSV, f"not CSV: {error}")
        rows = _csv_rows(text, strict=False)  # the head may end inside a quoted value
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not complete and len(rows) > 1:
        rows = rows[:-1]  # a quoted value may span lines: the last record may have been cut
    header = [name.strip() for name in rows[0]] if rows else []
    problem = _header_problem(header, columns, records=len(rows) - 1)
    if problem:
        return problem
    positions = {name: header.index(name) for name in columns.required}
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            return Refused(
                Refusal.RAGGED_ROWS, f"row {number} has {len(row)} value(s), the header names {len(header)} columns"
            )
        empty = _empty_value(row, positions, columns)
        if empty:
            return Refused(Refusal.EMPTY_VALUE, f"row {number}: {empty}")
    return None


def _header_problem(header: list[str], columns: Columns, *, records: int) -> Refused | None:
    if not header:
        return Refused(Refusal.NO_DATA, "the file holds no records")
    absent = [name for name in columns.required if name not in header]
    if absent:
        return Refused(
            Refusal.MISSING_COLUMNS,
            f"the header lacks the column(s) {', '.join(absent)}; found: {_shown(', '.join(header))} "
            "(the first row must name the columns)",
        )
    if records < 1:
        return Refused(Refusal.NO_DATA, "the file has a header row but no records")
    return None


def _csv_rows(text: str, *, strict: bool) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), strict=strict))


def _empty_value(row: Sequence[str], positions: dict[str, int], columns: Columns) -> str | None:
    if not row[positions[columns.label]].strip():
        return f"the label column {columns.label} is empty"
    if not any(row[positions[name]].strip() for name in columns.features):
        return f"every feature column ({', '.join(columns.features)}) is empty"
    return None


def _json_lines_problem(text: str, columns: Columns) -> Refused | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            return Refused(
                Refusal.NOT_JSON_LINES,
                f"line {number} is not JSON ({error.msg}, column {error.colno}): JSON lines need one object per line",
            )
        if not isinstance(item, dict):
            return Refused(Refusal.NOT_JSON_LINES, f"line {number} is a JSON {_kind(item)}, not an object")
        problem = _item_problem(item, columns, number)
        if problem:
            return problem
    return None


def _item_problem(item: dict[str, Any], columns: Columns, number: int) -> Refused | None:
    absent = [name for name in columns.required if name not in item]
    if absent and _is_manifest_line(item):
        return None
    if absent:
        return Refused(
            Refusal.MISSING_FIELDS,
            f"line {number} lacks the field(s) {', '.join(absent)} (has: {_shown(', '.join(sorted(item)))}); "
            f"each line needs {' and '.join(columns.required)}, or is a Ground Truth manifest line",
        )
    bad = [name for name in columns.required if not isinstance(item[name], str)]
    if bad:
        return Refused(
            Refusal.BAD_VALUE,
            f"line {number}: {', '.join(f'{name} is a JSON {_kind(item[name])}' for name in bad)}, not a string",
        )
    if not item[columns.label].strip():
        return Refused(Refusal.EMPTY_VALUE, f"line {number}: the label field {columns.label} is empty")
    if not any(item[name].strip() for name in columns.features):
        return Refused(
            Refusal.EMPTY_VALUE, f"line {number}: every feature field ({', '.join(columns.features)}) is empty"
        )
    return None


def _is_manifest_line(item: dict[str, Any]) -> bool:
    """A Ground Truth output-manifest line: ``source`` or ``source-ref``, and an ``<attr>-metadata`` object."""
    has_source = isinstance(item.get("source"), str) or isinstance(item.get("source-ref"), str)
    return has_source and any(key.endswith(_METADATA) and isinstance(v, dict) for key, v in item.items())


def _kind(value: Any) -> str:
    names = {bool: "boolean", int: "number", float: "number", str: "string", list: "array", dict: "object"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _shown(text: str) -> str:
    printable = "".join(ch if ch.isprintable() else "?" for ch in text)
    return printable if len(printable) <= _SHOWN else printable[: _SHOWN - 1] + "…"
