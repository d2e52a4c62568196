"""Emulated Ground Truth labeling (pure parts): task types, the workforce, the output manifest format."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mlopsctl.local.emulators.sagemaker import GoldLabelWorkforce
from mlopsctl.local.emulators.sagemaker.labeling import (
    LabelingInputError,
    label_items,
    output_manifest_uri,
    parse_categories,
    parse_manifest,
    task_type,
)

NOW = datetime(2025, 3, 4, 5, 6, 7, 891234, tzinfo=UTC)


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        ("PRE-TextMultiClass", "text-classification"),
        ("PRE-ImageMultiClass", "image-classification"),
        ("PRE-TextMultiClassMultiLabel", "text-classification-multilabel"),
        ("PRE-BoundingBox", "bounding-box"),
        ("my-own-lambda", "custom"),
    ],
)
def test_task_type_comes_from_the_built_in_pre_annotation_lambda(function, expected):
    config = {"PreHumanTaskLambdaArn": f"arn:aws:lambda:eu-west-1:568282634449:function:{function}"}

    assert task_type(config) == expected


def test_gold_workforce_answers_by_uri_text_or_file_name_and_refuses_unknown_categories():
    workforce = GoldLabelWorkforce({"s3://b/x/a.txt": "cat", "hello": "dog", "c.txt": "bird"}, default=None)
    labels = ["cat", "dog"]

    answers = [
        workforce.label("text-classification", labels, {"source-ref": "s3://b/x/a.txt"}),
        workforce.label("text-classification", labels, {"source": "hello"}),
        workforce.label("text-classification", labels, {"source-ref": "s3://b/y/c.txt"}),
        workforce.label("text-classification", labels, {"source": "unknown"}),
    ]

    assert answers == ["cat", "dog", None, None]


def test_single_label_output_line_keeps_the_input_and_adds_label_and_metadata():
    result = label_items(
        job_name="batch-7",
        attribute="animal",
        kind="image-classification",
        labels=["cat", "dog"],
        items=[{"source-ref": "s3://b/a.jpg", "batch": "7"}],
        workforce=GoldLabelWorkforce({"a.jpg": "dog"}),
        now=NOW,
    )

    assert result.lines == [
        {
            "source-ref": "s3://b/a.jpg",
            "batch": "7",
            "animal": 1,
            "animal-metadata": {
                "class-name": "dog",
                "confidence": 1.0,
                "type": "groundtruth/image-classification",
                "job-name": "labeling-job/batch-7",
                "human-annotated": "yes",
                "creation-date": "2025-03-04T05:06:07.891234",
            },
        }
    ]
    assert result.counters["TotalLabeled"] == result.counters["HumanLabeled"] == 1


def test_multi_label_output_uses_class_map_and_a_list_of_indices():
    result = label_items(
        job_name="j",
        attribute="tags",
        kind="text-classification-multilabel",
        labels=["a", "b", "c"],
        items=[{"source": "text"}],
        workforce=GoldLabelWorkforce({"text": "c"}),
        now=NOW,
    )

    line = result.lines[0]
    assert line["tags"] == [2]
    assert line["tags-metadata"]["class-map"] == {"2": "c"}
    assert line["tags-metadata"]["type"] == "groundtruth/text-classification-multilabel"


def test_unlabeled_objects_keep_only_a_failure_reason_and_are_counted():
    result = label_items(
        job_name="j",
        attribute="x",
        kind="text-classification",
        labels=["a"],
        items=[{"source": "?"}],
        workforce=GoldLabelWorkforce(),
        now=NOW,
    )

    assert "x" not in result.lines[0]
    assert result.lines[0]["x-metadata"]["failure-reason"].startswith("ClientError")
    assert result.counters == {
        "TotalLabeled": 0,
        "HumanLabeled": 0,
        "MachineLabeled": 0,
        "FailedNonRetryableError": 1,
        "Unlabeled": 0,
    }


def test_manifest_and_category_files_are_parsed_or_refused_with_a_client_error():
    assert parse_manifest('{"source-ref": "s3://b/a"}\n\n{"source": "t"}\n', "s3://b/m") == [
        {"source-ref": "s3://b/a"},
        {"source": "t"},
    ]
    assert parse_categories('{"document-version": "2018-11-28", "labels": [{"label": "a"}]}', "s3://b/c") == ["a"]
    with pytest.raises(LabelingInputError, match="Line 1"):
        parse_manifest('{"other": 1}', "s3://b/m")
    with pytest.raises(LabelingInputError, match="label category"):
        parse_categories("[]", "s3://b/c")


def test_output_manifest_lives_under_the_job_name():
    assert output_manifest_uri("s3://b/out", "j") == "s3://b/out/j/manifests/output/output.manifest"
    assert output_manifest_uri("s3://b/out/", "j") == "s3://b/out/j/manifests/output/output.manifest"
