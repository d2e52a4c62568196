"""Emulated Ground Truth work: label every object of the input manifest and write the output manifest.

The output follows Ground Truth's documented format: ``<S3OutputPath>/<job>/manifests/output/output.manifest``,
one JSON line per input object with the input's keys unchanged plus ``<LabelAttributeName>`` (the class index, or a
list of indices for multi-label) and ``<LabelAttributeName>-metadata`` (``class-name`` or ``class-map``,
``confidence``, ``type`` ``groundtruth/<task type>``, ``job-name`` ``labeling-job/<job>``, ``human-annotated``,
``creation-date``). An object no worker labeled keeps only a ``-metadata`` with a ``failure-reason``. Only the
classification task types are emulated; a job of another type fails with a reason saying so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mlopsctl.local.emulators.sagemaker.workforce import Workforce
from mlopsctl.local.moto_patches.backends import S3ReadError, put_s3_object, s3_object_bytes

CLASSIFICATION_TYPES = {
    "PRE-TextMultiClass": "text-classification",
    "PRE-TextMultiClassMultiLabel": "text-classification-multilabel",
    "PRE-ImageMultiClass": "image-classification",
    "PRE-ImageMultiClassMultiLabel": "image-classification-multilabel",
}
OTHER_TYPES = {
    "PRE-BoundingBox": "bounding-box",
    "PRE-NamedEntityRecognition": "named-entity-recognition",
    "PRE-SemanticSegmentation": "semantic-segmentation",
    "PRE-VerificationBoundingBox": "label-verification",
}
UNLABELED_REASON = "ClientError: Annotation tasks expired. No worker labeled this data object."


class LabelingInputError(Exception):
    """The job's input cannot be used; the message is the job's ``FailureReason``."""


@dataclass(frozen=True)
class LabelingResult:
    """The output manifest lines and the job's ``LabelCounters``."""

    lines: list[dict[str, Any]]
    counters: dict[str, int]


def task_type(human_task_config: Mapping[str, Any]) -> str:
    """The Ground Truth task type, from the built-in pre-annotation Lambda's name (``custom`` otherwise)."""
    function = str(human_task_config.get("PreHumanTaskLambdaArn") or "").rsplit(":", 1)[-1]
    return CLASSIFICATION_TYPES.get(function) or OTHER_TYPES.get(function) or "custom"


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` → (bucket, key)."""
    if not uri.startswith("s3://"):
        raise LabelingInputError(f"ClientError: {uri} is not an s3:// URI.")
    bucket, _, key = uri[len("s3://") :].partition("/")
    return bucket, key


def read_s3_text(account_id: str, region: str, uri: str) -> str:
    """The text of an object in moto's S3."""
    bucket, key = split_s3_uri(uri)
    try:
        body = s3_object_bytes(account_id, region, bucket, key)
    except S3ReadError as exc:
        raise LabelingInputError(f"ClientError: Could not read {uri}: {exc.code}") from None
    return body.decode("utf-8")


def write_s3_text(account_id: str, region: str, uri: str, body: str) -> None:
    """Write an object to moto's S3 (S3's own notifications follow, as for any writer)."""
    bucket, key = split_s3_uri(uri)
    put_s3_object(account_id, region, bucket, key, body.encode("utf-8"))


def parse_manifest(text: str, uri: str) -> list[dict[str, Any]]:
    """The objects of a JSON-lines input manifest; each needs ``source`` or ``source-ref``."""
    items: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            raise LabelingInputError(f"ClientError: Line {number} of {uri} is not valid JSON.") from None
        if not isinstance(item, dict) or not ({"source", "source-ref"} & item.keys()):
            raise LabelingInputError(f"ClientError: Line {number} of {uri} has no source or source-ref.")
        items.append(item)
    return items


def parse_categories(text: str, uri: str) -> list[str]:
    """The label names of a label category configuration file (``{"labels": [{"label": ...}]}``)."""
    try:
        document = json.loads(text)
        return [str(entry["label"]) for entry in document["labels"]]
    except (ValueError, KeyError, TypeError):
        raise LabelingInputError(f"ClientError: {uri} is not a valid label category configuration file.") from None


def label_items(
    *,
    job_name: str,
    attribute: str,
    kind: str,
    labels: Sequence[str],
    items: Sequence[dict[str, Any]],
    workforce: Workforce,
    now: datetime,
) -> LabelingResult:
    """Ask the workforce for each item and build the output manifest lines (pure but for the workforce)."""
    created = now.replace(tzinfo=None).isoformat(timespec="microseconds")
    common = {"type": f"groundtruth/{kind}", "job-name": f"labeling-job/{job_name}"}
    lines: list[dict[str, Any]] = []
    labeled = failed = 0
    for item in items:
        line = dict(item)
        answer = workforce.label(kind, list(labels), dict(item))
        if answer is None or answer not in labels:
            line[f"{attribute}-metadata"] = {"failure-reason": UNLABELED_REASON, **common, "creation-date": created}
            failed += 1
        else:
            index = labels.index(answer)
            meta: dict[str, Any]
            if kind.endswith("-multilabel"):
                line[attribute] = [index]
                meta = {"class-map": {str(index): answer}, "confidence-map": {str(index): 1.0}}
            else:
                line[attribute] = index
                meta = {"class-name": answer, "confidence": 1.0}
            line[f"{attribute}-metadata"] = {**meta, **common, "human-annotated": "yes", "creation-date": created}
            labeled += 1
        lines.append(line)
    counters = {
        "TotalLabeled": labeled,
        "HumanLabeled": labeled,
        "MachineLabeled": 0,
        "FailedNonRetryableError": failed,
        "Unlabeled": 0,
    }
    return LabelingResult(lines=lines, counters=counters)


def output_manifest_uri(s3_output_path: str, job_name: str) -> str:
    """Where Ground Truth writes a job's output manifest."""
    return f"{s3_output_path.rstrip('/')}/{job_name}/manifests/output/output.manifest"
