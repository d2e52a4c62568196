"""Pipeline definition expressions, evaluated as SageMaker Pipelines does (the local runner's interpreter)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlopsctl.local.emulators.sagemaker.expressions import (
    DefinitionError,
    Scope,
    condition_holds,
    get,
    parameter_values,
    property_path,
    resolve,
)

DEFINITION = json.loads((Path(__file__).resolve().parents[2] / "pipelines" / "generated" / "text.json").read_text())
REPORT = {"multiclass_classification_metrics": {"macro_f1": {"value": 0.87}}, "per_class": {"a": {"f1": [0.5, 0.9]}}}


def scope(**parameters: str) -> Scope:
    values = parameter_values(DEFINITION["Parameters"], {"InputManifestUri": "s3://d/m.manifest", **parameters})
    return Scope(
        parameters=values,
        execution={
            "PipelineExecutionId": "exec1",
            "PipelineExecutionArn": "arn:aws:sagemaker:x:pipeline/p/execution/exec1",
        },
        steps={
            "Preprocess": {
                "ProcessingOutputConfig": {
                    "Outputs": [
                        {"OutputName": "train", "S3Output": {"S3Uri": "s3://a/runs/exec1/train"}},
                        {"OutputName": "test", "S3Output": {"S3Uri": "s3://a/runs/exec1/test"}},
                    ]
                }
            },
            "Train": {"ModelArtifacts": {"S3ModelArtifacts": "s3://a/runs/exec1/model/job/output/model.tar.gz"}},
            "Evaluate": {
                "ProcessingOutputConfig": {
                    "Outputs": [{"OutputName": "evaluation", "S3Output": {"S3Uri": "s3://a/runs/exec1/evaluation"}}]
                }
            },
        },
        property_files={"Evaluate": {"EvaluationReport": REPORT}},
    )


def gate(definition: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in definition["Steps"] if s["Type"] == "Condition")


def test_parameters_take_typed_defaults_and_given_values() -> None:
    values = parameter_values(DEFINITION["Parameters"], {"InputManifestUri": "s3://d/m", "ngram_max": "1"})
    assert values["ngram_max"] == 1
    assert values["QualityGateThreshold"] == 0.8
    assert values["LabelingJobName"] == "none"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({}, "InputManifestUri has no value"),
        ({"InputManifestUri": "s3://d/m", "Nope": "1"}, "unknown pipeline parameters: Nope"),
        ({"InputManifestUri": "s3://d/m", "max_features": "many"}, "'many' is not a valid Integer"),
    ],
)
def test_bad_parameters_are_rejected_with_the_reason(given: dict[str, str], message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        parameter_values(DEFINITION["Parameters"], given)


def test_gets_read_parameters_execution_variables_and_step_properties_by_output_name() -> None:
    s = scope()
    assert get("Parameters.InputManifestUri", s) == "s3://d/m.manifest"
    assert get("Execution.PipelineExecutionId", s) == "exec1"
    assert get("Steps.Preprocess.ProcessingOutputConfig.Outputs['test'].S3Output.S3Uri", s) == "s3://a/runs/exec1/test"
    assert get("Steps.Train.ModelArtifacts.S3ModelArtifacts", s).endswith("model.tar.gz")


def test_the_training_steps_hyperparameters_resolve_to_strings_of_the_parameters() -> None:
    train = next(s for s in DEFINITION["Steps"] if s["Name"] == "Train")
    hyperparameters = resolve(train["Arguments"]["HyperParameters"], scope(ngram_max="1", c="0.5"))
    assert hyperparameters["ngram_max"] == "1"
    assert hyperparameters["c"] == "0.5"
    assert hyperparameters["max_features"] == "20000"


def test_output_locations_join_the_execution_id() -> None:
    preprocess = DEFINITION["Steps"][0]
    outputs = resolve(preprocess["Arguments"]["ProcessingOutputConfig"], scope())["Outputs"]
    assert outputs[0]["S3Output"]["S3Uri"].endswith("/pipelines/runs/exec1/train")


def test_the_quality_gate_compares_the_evaluation_reports_macro_f1_with_the_parameter() -> None:
    (condition,) = gate(DEFINITION)["Arguments"]["Conditions"]
    assert condition_holds(condition, scope()) is True
    assert condition_holds(condition, scope(QualityGateThreshold="0.9")) is False


def test_the_fail_steps_message_renders_the_measured_value_and_the_threshold() -> None:
    fail = gate(DEFINITION)["Arguments"]["ElseSteps"][0]
    message = resolve(fail["Arguments"]["ErrorMessage"], scope(QualityGateThreshold="0.9"))
    assert message == "Model rejected by the quality gate: test macro_f1 0.87 < 0.9"


def test_registration_arguments_carry_lineage_and_the_metric_as_strings() -> None:
    register = gate(DEFINITION)["Arguments"]["IfSteps"][0]
    arguments = resolve(register["Arguments"], scope(LabelingJobName="job-1"))
    lineage = arguments["CustomerMetadataProperties"]
    assert lineage["GateMetricValue"] == "0.87"
    assert lineage["GateMetric"] == "macro_f1"
    assert lineage["LabelingJobName"] == "job-1"
    assert lineage["PipelineExecutionArn"].endswith("execution/exec1")
    assert arguments["ModelApprovalStatus"] == "PendingManualApproval"
    statistics = arguments["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"]
    assert statistics == "s3://a/runs/exec1/evaluation/evaluation.json"


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        ({"Type": "LessThan", "LeftValue": 1, "RightValue": 2}, True),
        ({"Type": "Equals", "LeftValue": "a", "RightValue": "a"}, True),
        ({"Type": "In", "QueryValue": "b", "Values": ["a", "b"]}, True),
        ({"Type": "Not", "Expression": {"Type": "GreaterThan", "LeftValue": 1, "RightValue": 2}}, True),
        ({"Type": "Or", "Conditions": [{"Type": "Equals", "LeftValue": 1, "RightValue": 2}]}, False),
    ],
)
def test_condition_types(condition: dict[str, Any], holds: bool) -> None:
    assert condition_holds(condition, Scope()) is holds


def test_property_paths_select_list_items_by_index_and_fail_clearly_on_a_missing_key() -> None:
    assert property_path(REPORT, "per_class.a.f1[1]") == 0.9
    with pytest.raises(DefinitionError, match="no 'recall' there"):
        property_path(REPORT, "per_class.a.recall")


def test_a_reference_to_a_step_that_has_not_run_is_an_error() -> None:
    with pytest.raises(DefinitionError, match="step Evaluate has not run"):
        get("Steps.Evaluate.ProcessingOutputConfig", Scope())
    with pytest.raises(DefinitionError, match="not supported"):
        condition_holds({"Type": "Between"}, Scope())
