"""The arrival check of labeled files: what the training pipeline could not read is refused, with the reason.

The property tests hold the check and the preprocess step together: a file the check accepts is read by the step
into as many records as it has rows, and the head of a good file, cut anywhere, is never refused.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_core.ingest.labeled_data import HEAD_BYTES, Columns, Refusal, check_head
from pipelines.models.text import preprocess

DEFAULT = Columns()
TICKETS = Columns(label="category", features=("subject", "body"))


def verdict(body: bytes | str, suffix: str = ".csv", columns: Columns = DEFAULT, *, complete: bool = True) -> str:
    data = body.encode() if isinstance(body, str) else body
    refused = check_head(data, suffix, columns, complete=complete)
    return "ok" if refused is None else refused.reason.value


@pytest.mark.parametrize(
    ("body", "suffix", "columns"),
    [
        ("text,label\nmy printer jams,technical\n", ".csv", DEFAULT),
        ('label,text\r\nbilling,"refund, please"\r\n', ".CSV", DEFAULT),
        ("\ufefftext,label\nhello,greeting\n", ".csv", DEFAULT),
        ('id,subject,body,category\n1,,"line one\nline two",billing\n', ".csv", TICKETS),
        ('{"text": "hi", "label": "greeting"}\n\n{"text": "bye", "label": "farewell"}\n', ".jsonl", DEFAULT),
        ('{"subject": "s", "body": "", "category": "c", "extra": 1}\n', ".json", TICKETS),
        ('{"source": "hello", "tickets": 0, "tickets-metadata": {"class-name": "greeting"}}\n', ".manifest", DEFAULT),
    ],
)
def test_files_the_preprocess_step_reads_are_accepted(body: str, suffix: str, columns: Columns) -> None:
    assert verdict(body, suffix, columns) == "ok"


@pytest.mark.parametrize(
    ("body", "suffix", "reason", "says"),
    [
        ("hello", ".txt", Refusal.UNSUPPORTED_FORMAT, ".txt cannot be trained on"),
        ("x", "", Refusal.UNSUPPORTED_FORMAT, "no extension"),
        (b"text,label\n\xff\xfe,x\n", ".csv", Refusal.NOT_UTF8, "byte 11 is 0xff"),
        ("  \n\n", ".csv", Refusal.NO_DATA, "no records"),
        ("text,label\n", ".csv", Refusal.NO_DATA, "header row but no records"),
        ("body,category\nhi,x\n", ".csv", Refusal.MISSING_COLUMNS, "lacks the column(s) label, text; found: body"),
        ('text,label\n"unterminated,x\n', ".csv", Refusal.NOT_CSV, "not CSV"),
        ("text,label\na,b\nc\n", ".csv", Refusal.RAGGED_ROWS, "row 3 has 1 value(s), the header names 2"),
        ("text,label\na,\n", ".csv", Refusal.EMPTY_VALUE, "row 2: the label column label is empty"),
        ("text,label\n ,b\n", ".csv", Refusal.EMPTY_VALUE, "row 2: every feature column (text) is empty"),
        ('{"text": "a", "label": "b"}\nnot json\n', ".jsonl", Refusal.NOT_JSON_LINES, "line 2 is not JSON"),
        ('[{"text": "a", "label": "b"}]\n', ".json", Refusal.NOT_JSON_LINES, "line 1 is a JSON array"),
        ('{\n  "text": "a",\n  "label": "b"\n}\n', ".json", Refusal.NOT_JSON_LINES, "line 1 is not JSON"),
        ('{"text": "a"}\n', ".jsonl", Refusal.MISSING_FIELDS, "line 1 lacks the field(s) label (has: text)"),
        ('{"text": "a", "label": 3}\n', ".jsonl", Refusal.BAD_VALUE, "label is a JSON number, not a string"),
        ('{"text": "a", "label": " "}\n', ".jsonl", Refusal.EMPTY_VALUE, "line 1: the label field label is empty"),
        ('{"text": "", "label": "b"}\n', ".jsonl", Refusal.EMPTY_VALUE, "every feature field (text) is empty"),
    ],
)
def test_files_it_cannot_read_are_refused_with_the_reason(
    body: bytes | str, suffix: str, reason: Refusal, says: str
) -> None:
    data = body.encode() if isinstance(body, str) else body
    refused = check_head(data, suffix, DEFAULT, complete=True)

    assert refused is not None
    assert refused.reason is reason
    assert says in refused.message


def test_non_default_columns_are_required_by_name() -> None:
    assert verdict("text,label\na,b\n", ".csv", TICKETS) == "missing-columns"
    refused = check_head(b"subject,category\na,b\n", ".csv", TICKETS, complete=True)
    assert refused is not None
    assert refused.message.startswith("the header lacks the column(s) body; found: subject, category")


def test_a_cut_head_is_judged_on_its_complete_lines() -> None:
    good = "text,label\n" + "é a ticket about the printer,technical\n" * 3000
    head = good.encode()[:HEAD_BYTES]

    assert verdict(head, complete=False) == "ok"
    assert verdict(b"text,label\nabc,tech", complete=False) == "no-data"
    assert verdict(b'{"text": "a", "label": "b"}\n{"text": "cut', ".jsonl", complete=False) == "ok"
    assert verdict(b'{"text": "a", "label": "b"}\n{"text": "cut', ".jsonl", complete=True) == "not-json-lines"


def test_columns_must_be_distinct_names() -> None:
    assert Columns.parse(" category ", "subject,, body") == TICKETS
    with pytest.raises(ValueError, match="distinct"):
        Columns.parse("text", "text")
    with pytest.raises(ValueError, match="non-empty"):
        Columns.parse("label", " , ")


# -- the check and the preprocess step agree ----------------------------------------------------------------------

VALUES = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), min_size=0, max_size=30)
ROWS = st.lists(st.tuples(VALUES, VALUES, VALUES), min_size=1, max_size=20)


def as_csv(rows: list[tuple[str, str, str]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["subject", "body", "category"])
    writer.writerows(rows)
    return out.getvalue()


@settings(max_examples=200, deadline=None)
@given(ROWS)
def test_a_csv_file_the_check_accepts_is_read_by_the_preprocess_step(rows: list[tuple[str, str, str]]) -> None:
    text = as_csv(rows)
    refused = check_head(text.encode(), ".csv", TICKETS, complete=True)

    if refused is None or refused.reason is Refusal.NO_DATA:  # a file of no records adds none
        records = preprocess.read_csv_records(text, "category", ("subject", "body"))
        assert len(records) == len([r for r in rows if any(c.strip() for c in r)])
    else:
        with pytest.raises(preprocess.PreprocessError):
            preprocess.read_csv_records(text, "category", ("subject", "body"))


@settings(max_examples=200, deadline=None)
@given(ROWS)
def test_a_json_lines_file_the_check_accepts_is_read_by_the_preprocess_step(rows: list[tuple[str, str, str]]) -> None:
    lines = [json.dumps({"subject": s, "body": b, "category": c}) for s, b, c in rows]

    accepted = check_head("\n".join(lines).encode(), ".jsonl", TICKETS, complete=True) is None

    if accepted:
        result = preprocess.read_records(lines, label_column="category", feature_columns=("subject", "body"))
        assert len(result.records) == len(rows)
    else:
        with pytest.raises(preprocess.PreprocessError):
            preprocess.read_records(lines, label_column="category", feature_columns=("subject", "body"))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(VALUES.filter(str.strip), VALUES.filter(str.strip)), min_size=1, max_size=40),
    st.integers(min_value=1),
)
def test_the_head_of_a_good_file_cut_anywhere_is_never_refused_for_its_cut(
    rows: list[tuple[str, str]], cut: int
) -> None:
    out = io.StringIO(newline="")
    csv.writer(out).writerows([("text", "label"), *rows])
    data = out.getvalue().encode()
    head = data[: cut % len(data) + 1]

    refused = check_head(head, ".csv", DEFAULT, complete=len(head) == len(data))

    assert refused is None or refused.reason is Refusal.NO_DATA
