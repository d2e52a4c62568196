"""Ground Truth input manifests and label category files."""

from __future__ import annotations

import json

import pytest

from mlops_core.ingest.manifest import ManifestMode, label_categories, manifest_lines
from mlops_core.ingest.objects import ObjectRef
from mlops_core.labeling.jobs import TaskType
from mlops_core.labeling.ui_templates import default_ui_template

A = ObjectRef("data", "incoming/b é+c.txt", 1, "e1")
B = ObjectRef("data", "incoming/a.txt", 1, "e2", version_id="v")


def test_a_manifest_is_one_source_ref_per_line_in_a_fixed_order() -> None:
    text = manifest_lines([A, B])

    assert text == manifest_lines([B, A])
    assert [json.loads(line) for line in text.splitlines()] == [
        {"source-ref": "s3://data/incoming/a.txt"},
        {"source-ref": "s3://data/incoming/b é+c.txt"},
    ]
    assert text.endswith("\n")


def test_an_inline_manifest_carries_each_text_as_one_json_line() -> None:
    texts = {A.identity: 'line one\nline "two"', B.identity: "plain"}
    lines = manifest_lines([A, B], ManifestMode.SOURCE, texts).splitlines()

    assert [json.loads(line) for line in lines] == [{"source": "plain"}, {"source": 'line one\nline "two"'}]


def test_an_inline_manifest_without_a_text_is_an_error() -> None:
    with pytest.raises(KeyError):
        manifest_lines([A], ManifestMode.SOURCE, {})


def test_label_categories_follow_ground_truths_document_format() -> None:
    assert json.loads(label_categories(["positive", "négatif"])) == {
        "document-version": "2018-11-28",
        "labels": [{"label": "positive"}, {"label": "négatif"}],
    }


@pytest.mark.parametrize(
    ("task", "mode", "element"),
    [
        (TaskType.TEXT_CLASSIFICATION, ManifestMode.SOURCE, "<crowd-classifier"),
        (TaskType.TEXT_CLASSIFICATION, ManifestMode.SOURCE_REF, "grant_read_access"),
        (TaskType.IMAGE_CLASSIFICATION, ManifestMode.SOURCE_REF, "<crowd-image-classifier"),
        (TaskType.BOUNDING_BOX, ManifestMode.SOURCE_REF, "<crowd-bounding-box"),
    ],
)
def test_each_task_type_has_a_worker_template_with_its_labels(task: TaskType, mode: ManifestMode, element: str) -> None:
    template = default_ui_template(task, mode)
    assert element in template
    assert "{{ task.input.labels | to_json | escape }}" in template
    assert template.startswith('<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>')
