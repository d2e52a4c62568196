"""The stack's training settings (``mlops_core.training.pipeline_start``): read once, refused at once when bad, and
added to every execution the system starts, under what the trigger sets itself."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mlops_core.errors import ConfigurationError
from mlops_core.training.pipeline_start import PipelineStartSettings, StackParameters
from mlops_core.training.pipelines import ExecutionRequest
from tests.support.fakes.training import FakeExecutions

NOW = datetime(2025, 3, 1, tzinfo=UTC)


def test_the_defaults_leave_everything_to_the_model_but_the_label_column() -> None:
    assert PipelineStartSettings.from_env({}).parameters() == {"LabelColumn": "label"}


def test_every_setting_becomes_the_pipeline_parameter_of_its_name() -> None:
    settings = PipelineStartSettings.from_env(
        {
            "QUALITY_GATE_THRESHOLD": "0.85",
            "TRAINING_HYPERPARAMETERS": '{"max_iter": 50, "learning_rate": 0.2, "loss": "log_loss"}',
            "PROCESSING_INSTANCE_TYPE": "ml.m5.xlarge",
            "TRAINING_INSTANCE_TYPE": "ml.c5.2xlarge",
            "LABEL_COLUMN": "churn",
            "FEATURE_COLUMNS": "tenure, charges",
        }
    )
    assert settings.parameters() == {
        "QualityGateThreshold": "0.85",
        "ProcessingInstanceType": "ml.m5.xlarge",
        "TrainingInstanceType": "ml.c5.2xlarge",
        "LabelColumn": "churn",
        "FeatureColumns": "tenure, charges",
        "max_iter": "50",
        "learning_rate": "0.2",
        "loss": "log_loss",
    }


def test_auto_feature_columns_and_empty_values_pass_nothing() -> None:
    settings = PipelineStartSettings.from_env(
        {"FEATURE_COLUMNS": "auto", "QUALITY_GATE_THRESHOLD": "", "TRAINING_INSTANCE_TYPE": ""}
    )
    assert "FeatureColumns" not in settings.parameters()
    assert "QualityGateThreshold" not in settings.parameters()
    assert "TrainingInstanceType" not in settings.parameters()


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("TRAINING_HYPERPARAMETERS", "max_iter=50", "must be a JSON object"),
        ("TRAINING_HYPERPARAMETERS", "[1, 2]", "must be a JSON object"),
        ("TRAINING_HYPERPARAMETERS", '{"MaxIter": 50}', "lower-case snake_case"),
        ("TRAINING_HYPERPARAMETERS", '{"early_stopping": true}', "a number or a string"),
        ("TRAINING_HYPERPARAMETERS", '{"layers": [1, 2]}', "a number or a string"),
        ("TRAINING_HYPERPARAMETERS", '{"loss": ""}', "1-1024 characters"),
        ("QUALITY_GATE_THRESHOLD", "high", "QUALITY_GATE_THRESHOLD"),
        ("QUALITY_GATE_THRESHOLD", "-0.5", "QUALITY_GATE_THRESHOLD"),
        ("TRAINING_INSTANCE_TYPE", "m5.large", "TRAINING_INSTANCE_TYPE"),
        ("LABEL_COLUMN", "a,b", "LABEL_COLUMN"),
        ("FEATURE_COLUMNS", "x,,y", "comma-separated column names"),
        ("FEATURE_COLUMNS", "x, label", "other than the label column"),
        ("FEATURE_COLUMNS", "x,x", "distinct"),
    ],
)
def test_a_bad_value_fails_at_once_naming_the_variable(variable: str, value: str, reason: str) -> None:
    with pytest.raises(ConfigurationError, match=variable) as raised:
        PipelineStartSettings.from_env({variable: value})
    assert reason in str(raised.value)


def test_every_start_gets_the_stack_parameters_under_the_triggers_own() -> None:
    fake = FakeExecutions()
    executions = StackParameters(fake, {"QualityGateThreshold": "0.9", "InputManifestUri": "s3://stack/default"})
    request = ExecutionRequest("p", "p-batch-1", "0" * 64, "d", {"InputManifestUri": "s3://data/batch-1/"})

    started = executions.start(request, NOW)

    assert started.created
    assert fake.only().request.parameters == {"QualityGateThreshold": "0.9", "InputManifestUri": "s3://data/batch-1/"}
    assert executions.describe(started.execution_arn) == fake.describe(started.execution_arn)
    assert executions.parameters(started.execution_arn)["QualityGateThreshold"] == "0.9"
    assert executions.steps(started.execution_arn) == []
