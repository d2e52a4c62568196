"""The preprocess step reads labeled CSV (a header row, then records) and JSON lines with the stack's label and
feature columns (``--label-column``, ``--feature-columns``); a file it cannot read fails the step with its file and
row."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from pipelines.data.generate import generate_tickets
from pipelines.models.text import preprocess
from pipelines.models.text.preprocess import PreprocessError, Record, read_csv_records, read_records
from tests.support.pipeline_runs import args_for, read_split


def as_csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def test_csv_records_take_the_label_column_and_join_the_feature_columns() -> None:
    text = as_csv(
        ["id", "subject", "body", "category"],
        [["1", "Refund", "I was charged, twice", "billing"], ["2", "", "app  crashes\non start", "technical"]],
    )

    records = read_csv_records(text, "category", ("subject", "body"))

    assert records == [Record("Refund I was charged, twice", "billing"), Record("app crashes on start", "technical")]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("body,category\nhello,billing\n", r"tickets\.csv: the header lacks label, text \(found: body, category\)"),
        ("text,label\na,billing\nb\n", r"tickets\.csv row 3: 1 values, the header has 2"),
        ("text,label\na,\n", r"tickets\.csv row 2: empty or non-string label"),
        ("text,label\n ,billing\n", r"tickets\.csv row 2: empty or non-string text"),
        ('text,label\n"open,billing\n', r"tickets\.csv: not CSV"),
        ("", r"tickets\.csv: no header row"),
    ],
)
def test_csv_the_step_cannot_read_fails_with_the_file_and_row(text: str, reason: str) -> None:
    with pytest.raises(PreprocessError, match=reason):
        read_csv_records(text, name="tickets.csv")


def test_json_lines_records_take_the_configured_fields() -> None:
    lines = [json.dumps({"category": "billing", "subject": "Refund", "body": "charged twice", "id": 1})]

    result = read_records(lines, label_column="category", feature_columns=("subject", "body"))

    assert result.records == [Record("Refund charged twice", "billing")]


def test_a_run_reads_csv_and_json_lines_together_with_the_columns_given(tmp_path: Path) -> None:
    tickets = generate_tickets(count=60)
    (tmp_path / "in").mkdir()
    rows = [[t.ticket_id, t.text, t.label] for t in tickets[:40]]
    (tmp_path / "in" / "a.CSV").write_text("\ufeff" + as_csv(["id", "body", "category"], rows), encoding="utf-8")
    lines = "".join(json.dumps({"body": t.text, "category": t.label}) + "\n" for t in tickets[40:])
    (tmp_path / "in" / "b.jsonl").write_text(lines, encoding="utf-8")

    summary = preprocess.run(
        preprocess.parse_args(args_for(tmp_path, "--label-column=category", "--feature-columns=body"))
    )

    assert summary["records"] == 60
    written = [row for name in preprocess.SPLITS for row in read_split(tmp_path, name)]
    assert {row["label"] for row in written} == {t.label for t in tickets}


def test_the_columns_default_to_label_and_text() -> None:
    args = preprocess.parse_args([])

    assert (args.label_column, args.feature_columns) == ("label", "text")
