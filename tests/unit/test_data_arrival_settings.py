"""DataArrivalFunction's settings: defaults, parsing of lists, and a clear error naming each bad variable."""

from __future__ import annotations

import pytest

from mlops_core.config import DataArrivalSettings
from mlops_core.errors import ConfigurationError

CORE = {
    "STACK_NAME": "mlops-dev",
    "LEDGER_TABLE_NAME": "mlops-dev-ledger",
    "NOTIFICATION_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:mlops-dev",
    "DATA_BUCKET_NAME": "mlops-dev-data",
    "IDEMPOTENCY_TABLE_NAME": "mlops-dev-idempotency",
}
GROUND_TRUTH = {
    **CORE,
    "LABELING_LABELS": "positive, negative",
    "LABELING_WORKTEAM_ARN": "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/team",
    "LABELING_ROLE_ARN": "arn:aws:iam::123456789012:role/labeling",
}


def test_defaults_match_the_wiring_contract() -> None:
    s = DataArrivalSettings.from_env(GROUND_TRUTH)

    assert (s.incoming_prefix, s.labeled_prefix, s.manifest_prefix, s.labeling_output_prefix) == (
        "incoming/",
        "labeled/",
        "manifests/",
        "labeling-output/",
    )
    assert s.labeling_backend == "groundtruth"
    assert s.labeling_task_type == "text-classification"
    assert s.labeling_labels == ("positive", "negative")
    assert s.labeling_input_mode == "source-ref"
    assert s.debounce_max_objects == 0
    assert ".jpg" in s.allowed_extensions


def test_extensions_are_read_case_insensitively() -> None:
    s = DataArrivalSettings.from_env({**GROUND_TRUTH, "ALLOWED_EXTENSIONS": ".TXT, .Csv"})
    assert s.allowed_extensions == frozenset({".txt", ".csv"})


def test_an_extension_without_its_dot_is_named_in_the_error() -> None:
    with pytest.raises(ConfigurationError, match=r"ALLOWED_EXTENSIONS.*txt"):
        DataArrivalSettings.from_env({**GROUND_TRUTH, "ALLOWED_EXTENSIONS": ".csv,txt"})


def test_ground_truth_needs_labels_a_work_team_and_a_role() -> None:
    with pytest.raises(ConfigurationError) as excinfo:
        DataArrivalSettings.from_env(CORE)
    message = str(excinfo.value)
    for name in ("LABELING_LABELS", "LABELING_WORKTEAM_ARN", "LABELING_ROLE_ARN"):
        assert name in message


def test_without_labeling_none_of_that_is_needed() -> None:
    s = DataArrivalSettings.from_env({**CORE, "LABELING_BACKEND": "none"})
    assert s.labeling_labels == ()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LABELED_PREFIX", "incoming/labeled/"),
        ("MANIFEST_PREFIX", "labeled/"),
        ("INCOMING_PREFIX", "no-trailing-slash"),
        ("LABELING_TASK_TYPE", "semantic-segmentation"),
        ("LABELING_WORKERS_PER_OBJECT", "10"),
        ("LABELING_TASK_TIME_LIMIT_SECONDS", "28801"),
        ("LABELING_LABELS", "a,b,a"),
        ("LABELING_UI_TEMPLATE_S3_URI", "https://example.com/t.html"),
        ("DEBOUNCE_MAX_OBJECTS", "-1"),
        ("MAX_OBJECT_BYTES", "0"),
    ],
)
def test_an_invalid_value_is_named_in_the_error(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        DataArrivalSettings.from_env({**GROUND_TRUTH, name: value})


def test_inline_text_manifests_are_for_text_classification_only() -> None:
    ok = DataArrivalSettings.from_env({**GROUND_TRUTH, "LABELING_INPUT_MODE": "source"})
    assert ok.labeling_input_mode == "source"
    with pytest.raises(ConfigurationError, match="LABELING_INPUT_MODE"):
        DataArrivalSettings.from_env(
            {**GROUND_TRUTH, "LABELING_INPUT_MODE": "source", "LABELING_TASK_TYPE": "bounding-box"}
        )


def test_the_label_and_feature_columns_default_to_label_and_text_and_are_read_comma_separated() -> None:
    assert (DataArrivalSettings.from_env(GROUND_TRUTH).label_column,) == ("label",)
    assert DataArrivalSettings.from_env(GROUND_TRUTH).feature_columns == ("text",)
    s = DataArrivalSettings.from_env({**GROUND_TRUTH, "LABEL_COLUMN": "category", "FEATURE_COLUMNS": "subject, body"})
    assert (s.label_column, s.feature_columns) == ("category", ("subject", "body"))


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"LABEL_COLUMN": "text"}, "FEATURE_COLUMNS"),
        ({"FEATURE_COLUMNS": " , "}, "FEATURE_COLUMNS"),
        ({"LABEL_COLUMN": "a,b"}, "LABEL_COLUMN"),
        ({"LABEL_COLUMN": ""}, "LABEL_COLUMN"),
    ],
)
def test_columns_that_cannot_work_fail_the_cold_start_with_their_name(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        DataArrivalSettings.from_env({**GROUND_TRUTH, **env})
