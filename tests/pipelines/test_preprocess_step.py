"""The preprocess step: Ground Truth output manifests and labelled data sets in, leak-free stratified splits out."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from pipelines.data.generate import LABELS, generate_tickets
from pipelines.models.text import preprocess
from pipelines.models.text.preprocess import PreprocessError, Record, read_records
from tests.support.pipeline_runs import args_for, read_split

DATA_PREFIXES = ("s3://data/incoming/", "s3://data/labeled/")


def gt_line(label: str | None, *, source: str | None = None, ref: str | None = None, attr: str = "label") -> str:
    """One line of a Ground Truth text-classification output manifest (failed annotation when label is None)."""
    item: dict[str, Any] = {"source": source} if source is not None else {"source-ref": ref}
    if label is None:
        item[f"{attr}-metadata"] = {
            "failure-reason": "ClientError: worker response timed out",
            "human-annotated": "yes",
        }
    else:
        item[attr] = LABELS.index(label)
        item[f"{attr}-metadata"] = {
            "class-name": label,
            "confidence": 0.92,
            "type": "groundtruth/text-classification",
            "job-name": "labeling-job/mlops-batch-1",
            "human-annotated": "yes",
            "creation-date": "2024-06-11T10:00:00.000000",
        }
    return json.dumps(item)


def write(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_inline_ground_truth_manifest_yields_labelled_records_and_skips_failed_annotations() -> None:
    lines = [
        gt_line("billing", source="I was charged twice."),
        gt_line(None, source="?"),
        gt_line("shipping", source="Late."),
    ]
    result = read_records(lines)
    assert result.records == [Record("I was charged twice.", "billing"), Record("Late.", "shipping")]
    assert result.skipped == 1


def test_source_ref_lines_are_read_through_the_fetcher() -> None:
    texts = {"s3://data/incoming/b1/t1.txt": "My  parcel\nis lost.\n"}
    line = gt_line("shipping", ref="s3://data/incoming/b1/t1.txt")
    result = read_records([line], fetch=texts.__getitem__, allowed_prefixes=DATA_PREFIXES)
    assert result.records == [Record("My parcel is lost.", "shipping")]


@pytest.mark.parametrize(
    ("ref", "allowed"),
    [
        ("s3://someone-else/incoming/t1.txt", DATA_PREFIXES),
        ("s3://data/manifests/t1.txt", DATA_PREFIXES),
        ("s3://data/incomingx/t1.txt", ("s3://data/incoming",)),  # a prefix without its slash allows nothing
        ("s3://data/incoming/t1.txt", ()),
    ],
)
def test_a_source_ref_outside_the_allowed_prefixes_fails_and_is_never_fetched(
    ref: str, allowed: tuple[str, ...]
) -> None:
    fetched: list[str] = []

    with pytest.raises(PreprocessError, match=r"line 1: source-ref .* is outside the stack's data"):
        read_records(
            [gt_line("shipping", ref=ref)], fetch=lambda uri: fetched.append(uri) or "x", allowed_prefixes=allowed
        )

    assert fetched == []


def test_source_ref_objects_are_read_from_s3_by_default() -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="data")
        s3.put_object(Bucket="data", Key="incoming/b1/ticket 1.txt", Body=b"Refund please")
        result = read_records(
            [gt_line("returns", ref="s3://data/incoming/b1/ticket 1.txt")], allowed_prefixes=DATA_PREFIXES
        )
    assert result.records == [Record("Refund please", "returns")]


def test_an_explicit_label_attribute_picks_the_right_one_of_several() -> None:
    item = json.loads(gt_line("billing", source="Invoice wrong", attr="topic"))
    item.update(json.loads(gt_line("account", source="Invoice wrong", attr="other")))
    assert read_records([json.dumps(item)], label_attribute="topic").records == [Record("Invoice wrong", "billing")]
    with pytest.raises(PreprocessError, match="cannot tell the label attribute"):
        read_records([json.dumps(item)])


def test_labelled_data_set_lines_are_taken_as_they_are() -> None:
    lines = [
        json.dumps({"text": "App crashes", "label": "technical"}),
        "",
        json.dumps({"text": "x", "label": "account"}),
    ]
    assert read_records(lines).records == [Record("App crashes", "technical"), Record("x", "account")]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({"text": " ", "label": "billing"}), "empty or non-string text"),
        (json.dumps({"text": "hello", "label": 3}), "empty or non-string label"),
        (json.dumps({"label": 0, "label-metadata": {"class-name": "billing"}}), "neither 'source' nor 'source-ref'"),
    ],
)
def test_malformed_lines_fail_with_a_line_number_and_reason(line: str, reason: str) -> None:
    with pytest.raises(PreprocessError, match=reason) as error:
        read_records(["", line])
    assert "line 2" in str(error.value)


def test_splits_are_stratified_deterministic_and_share_no_text(tmp_path: Path) -> None:
    tickets = generate_tickets(count=200)
    write(tmp_path / "in" / "output.manifest", [gt_line(t.label, source=t.text) for t in tickets])
    summary = preprocess.run(preprocess.parse_args(args_for(tmp_path)))
    splits = {name: read_split(tmp_path, name) for name in preprocess.SPLITS}
    texts = {name: {row["text"].casefold() for row in rows} for name, rows in splits.items()}
    assert not texts["train"] & texts["test"]
    assert not texts["train"] & texts["validation"]
    assert not texts["validation"] & texts["test"]
    for rows in splits.values():
        assert set(Counter(row["label"] for row in rows)) == set(LABELS)
    assert sum(summary["splits"].values()) == summary["records"] - summary["duplicates_dropped"]
    assert 0.15 <= summary["splits"]["test"] / sum(summary["splits"].values()) <= 0.25

    again = tmp_path / "again"
    write(again / "in" / "output.manifest", [gt_line(t.label, source=t.text) for t in tickets])
    preprocess.run(preprocess.parse_args(args_for(again)))
    assert all(read_split(again, name) == splits[name] for name in preprocess.SPLITS)


def test_duplicate_texts_are_kept_once() -> None:
    records = [Record("Same text", "billing"), Record("same TEXT", "account"), Record("Other", "account")]
    assert preprocess.deduplicate(records) == [Record("Same text", "billing"), Record("Other", "account")]


def test_a_class_too_small_to_evaluate_fails_the_step_with_the_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lines = [json.dumps({"text": f"bill {i}", "label": "billing"}) for i in range(10)]
    lines += [json.dumps({"text": "odd one", "label": "other"}), json.dumps({"text": "odd two", "label": "other"})]
    write(tmp_path / "in" / "data.jsonl", lines)
    assert preprocess.main(args_for(tmp_path)) == 1
    assert "classes with too few records to split (need 3): {'other': 2}" in caplog.text
    assert not (tmp_path / "train").exists()


def test_a_single_class_cannot_train_a_classifier() -> None:
    with pytest.raises(PreprocessError, match="need at least 2 classes"):
        preprocess.split([Record(f"t{i}", "billing") for i in range(10)])


def test_an_input_without_manifest_files_fails_clearly(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notes.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(PreprocessError, match=r"no \.manifest/\.jsonl/\.json/\.csv file"):
        preprocess.run(preprocess.parse_args(args_for(tmp_path)))


def test_every_manifest_file_under_the_input_prefix_is_read(tmp_path: Path) -> None:
    tickets = generate_tickets(count=60)
    write(
        tmp_path / "in" / "a" / "part-1.jsonl", [json.dumps({"text": t.text, "label": t.label}) for t in tickets[:30]]
    )
    write(tmp_path / "in" / "b" / "output.manifest", [gt_line(t.label, source=t.text) for t in tickets[30:]])
    summary = preprocess.run(preprocess.parse_args(args_for(tmp_path)))
    assert summary["records"] == 60
