"""Settings of ``DataArrivalFunction``: S3 → EventBridge → SQS → DataArrivalFunction → Ground Truth."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator

from mlops_core.naming import PIPELINE_NAME_OR_EMPTY
from mlops_core.settings import CoreSettings, comma_separated

_PREFIX = r"^[A-Za-z0-9][A-Za-z0-9!_.*'()-]*(/[A-Za-z0-9!_.*'()-]+)*/$"
_DEFAULT_EXTENSIONS = frozenset({".txt", ".csv", ".json", ".jsonl", ".jpg", ".jpeg", ".png"})


def _extensions(value: object) -> object:
    """``".txt, .JPG"`` → ``frozenset({".txt", ".jpg"})``; each must start with a dot."""
    if isinstance(value, str):
        items = {part.strip().lower() for part in value.split(",") if part.strip()}
        bad = sorted(item for item in items if not item.startswith(".") or len(item) < 2 or "/" in item)
        if bad:
            raise ValueError(f"extensions need a leading dot and a name (e.g. .jpg): {', '.join(bad)}")
        return frozenset(items)
    return value


def _overlaps(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


class DataArrivalSettings(CoreSettings):
    """``DataArrivalFunction``: what data is accepted, where manifests go, and how labeling jobs are made.

    With ``labeling_backend == "groundtruth"`` (the default) the work team, the labeling role and at least one label
    are required. ``labeling_input_mode`` (``LABELING_INPUT_MODE``) says how manifests give objects to Ground Truth:
    ``source-ref`` (default, an S3 reference) or ``source`` (the text inline, text classification only).
    ``debounce_max_objects == 0`` turns debouncing off.
    """

    data_bucket_name: str = Field(min_length=3, max_length=63)
    idempotency_table_name: str = Field(min_length=3)
    incoming_prefix: str = Field(default="incoming/", pattern=_PREFIX)
    labeled_prefix: str = Field(default="labeled/", pattern=_PREFIX)
    manifest_prefix: str = Field(default="manifests/", pattern=_PREFIX)
    labeling_output_prefix: str = Field(default="labeling-output/", pattern=_PREFIX)
    allowed_extensions: Annotated[frozenset[str], BeforeValidator(_extensions)] = Field(
        default=_DEFAULT_EXTENSIONS, min_length=1
    )
    max_object_bytes: int = Field(default=50 * 1024 * 1024, ge=1, le=5 * 1024**3)
    labeling_backend: Literal["groundtruth", "none"] = "groundtruth"
    labeling_task_type: Literal["text-classification", "image-classification", "bounding-box"] = "text-classification"
    labeling_labels: Annotated[tuple[str, ...], BeforeValidator(comma_separated)] = Field(
        default=(), validate_default=True
    )
    labeling_workteam_arn: str = Field(default="", validate_default=True)
    labeling_role_arn: str = Field(default="", validate_default=True)
    labeling_ui_template_s3_uri: str = Field(default="", pattern=r"^(s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+)?$")
    labeling_task_time_limit_seconds: int = Field(default=300, ge=30, le=28_800)
    labeling_workers_per_object: int = Field(default=1, ge=1, le=9)
    labeling_automated: bool = False
    labeling_input_mode: Literal["source-ref", "source"] = "source-ref"
    debounce_max_objects: int = Field(default=0, ge=0, le=100_000)
    debounce_max_seconds: int = Field(default=900, ge=0, le=86_400)
    training_pipeline_name: str = Field(default="", pattern=PIPELINE_NAME_OR_EMPTY)
    """The pipeline ready batches start (``TRAINING_PIPELINE_NAME``); empty: they are only recorded."""
    label_column: str = Field(default="label", min_length=1, max_length=256, pattern=r"^[^,\s]([^,]*[^,\s])?$")
    """The column (CSV header name, JSON field) holding the label of labeled data (``LABEL_COLUMN``)."""
    feature_columns: Annotated[tuple[str, ...], BeforeValidator(comma_separated)] = Field(
        default=("text",), min_length=1, max_length=100, validate_default=True
    )
    """The columns the model reads, comma-separated (``FEATURE_COLUMNS``); they must differ from the label column."""

    @field_validator("labeled_prefix", "manifest_prefix", "labeling_output_prefix")
    @classmethod
    def _prefixes_do_not_overlap(cls, value: str, info: ValidationInfo) -> str:
        for other in ("incoming_prefix", "labeled_prefix", "manifest_prefix"):
            earlier = info.data.get(other)
            if other != info.field_name and isinstance(earlier, str) and _overlaps(value, earlier):
                raise ValueError(f"{value!r} overlaps {cls.env_name(other)} {earlier!r}")
        return value

    @field_validator("labeling_labels")
    @classmethod
    def _labels_for_ground_truth(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("labels must be unique")
        if any(len(label) > 127 for label in value) or len(value) > 50:
            raise ValueError("at most 50 labels of at most 127 characters")
        if info.data.get("labeling_backend") == "groundtruth" and not value:
            raise ValueError("is required when LABELING_BACKEND is groundtruth")
        return value

    @field_validator("labeling_workteam_arn", "labeling_role_arn")
    @classmethod
    def _arns_for_ground_truth(cls, value: str, info: ValidationInfo) -> str:
        pattern = {
            "labeling_workteam_arn": r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:workteam/.+$",
            "labeling_role_arn": r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$",
        }[str(info.field_name)]
        if info.data.get("labeling_backend") == "groundtruth" and not re.match(pattern, value):
            shown = repr(value) if value else "not set"
            raise ValueError(f"must be an ARN matching {pattern} when LABELING_BACKEND is groundtruth ({shown})")
        return value

    @field_validator("feature_columns")
    @classmethod
    def _distinct_columns(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        names = (info.data.get("label_column"), *value)
        if len(set(names)) != len(names):
            raise ValueError(f"label and feature columns must be distinct: {', '.join(map(str, names))}")
        return value

    @field_validator("labeling_input_mode")
    @classmethod
    def _inline_text_only(cls, value: str, info: ValidationInfo) -> str:
        if value == "source" and info.data.get("labeling_task_type") != "text-classification":
            raise ValueError("'source' (inline text) only works with LABELING_TASK_TYPE text-classification")
        return value
