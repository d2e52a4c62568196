"""The committed pipeline definition agrees with the step scripts and is free of account-specific values.

These read ``pipelines/generated/text.json`` as data (no SDK): the SDK-side check that the file is what the code
generates runs in ``make pipeline-check``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from pipelines.bundle import STEP_FILES, code_digest, code_prefix
from pipelines.models.text import evaluate, preprocess, train
from pipelines.placeholders import PLACEHOLDERS, SKLEARN_IMAGE_URI, find_placeholders, render

PIPELINES = Path(__file__).resolve().parents[2] / "pipelines"
DEFINITION_TEXT = (PIPELINES / "generated" / "text.json").read_text(encoding="utf-8")
DEFINITION: dict[str, Any] = json.loads(DEFINITION_TEXT)
VALUES = {
    "ArtifactsBucketName": "stack-artifacts",
    "DataBucketName": "stack-data",
    "ModelPackageGroupName": "ticket-classifier",
    "SageMakerExecutionRoleArn": "arn:aws:iam::123456789012:role/stack-sagemaker",
    "SklearnImageAccount": "683313688378",
    "AWS::Region": "us-east-1",
    "AWS::URLSuffix": "amazonaws.com",
}


def steps() -> dict[str, dict[str, Any]]:
    """Every step by name, including those inside the condition's branches."""
    found = {}
    pending = list(DEFINITION["Steps"])
    while pending:
        step = pending.pop()
        found[step["Name"]] = step
        pending.extend(step.get("Arguments", {}).get("IfSteps", []) + step.get("Arguments", {}).get("ElseSteps", []))
    return found


def references(node: Any) -> set[str]:
    """Names of the steps whose properties ``node`` reads."""
    text = json.dumps(node)
    return set(re.findall(r'"Steps\.([A-Za-z]+)\.', text))


def test_definition_is_stored_in_its_stable_form() -> None:
    assert json.dumps(DEFINITION, indent=2, sort_keys=True, ensure_ascii=False) + "\n" == DEFINITION_TEXT


def test_steps_run_preprocess_train_evaluate_then_the_quality_gate() -> None:
    by_name = steps()
    assert [s["Name"] for s in DEFINITION["Steps"]] == ["Preprocess", "Train", "Evaluate", "QualityGate"]
    assert references(by_name["Train"]["Arguments"]) == {"Preprocess"}
    assert references(by_name["Evaluate"]["Arguments"]) == {"Preprocess", "Train"}
    gate = by_name["QualityGate"]["Arguments"]
    assert [s["Name"] for s in gate["IfSteps"]] == ["RegisterModel"]
    assert [s["Type"] for s in gate["ElseSteps"]] == ["Fail"]


def test_gate_compares_the_evaluation_reports_macro_f1_with_the_threshold_parameter() -> None:
    (condition,) = steps()["QualityGate"]["Arguments"]["Conditions"]
    assert condition["Type"] == "GreaterThanOrEqualTo"
    assert condition["LeftValue"]["Std:JsonGet"]["Path"] == evaluate.GATE_METRIC_PATH
    assert condition["RightValue"] == {"Get": "Parameters.QualityGateThreshold"}
    (property_file,) = steps()["Evaluate"]["PropertyFiles"]
    assert property_file["FilePath"] == evaluate.REPORT_FILENAME
    outputs = steps()["Evaluate"]["Arguments"]["ProcessingOutputConfig"]["Outputs"]
    (output,) = [o for o in outputs if o["OutputName"] == property_file["OutputName"]]
    assert output["S3Output"]["LocalPath"] == evaluate.parse_args([]).output_dir


def test_fail_step_states_the_score_and_the_threshold() -> None:
    (fail,) = steps()["QualityGate"]["Arguments"]["ElseSteps"]
    message = json.dumps(fail["Arguments"]["ErrorMessage"])
    assert evaluate.GATE_METRIC_PATH in message
    assert "Parameters.QualityGateThreshold" in message


def test_model_is_registered_pending_manual_approval_with_metrics_and_lineage() -> None:
    register = steps()["RegisterModel"]["Arguments"]
    assert register["ModelApprovalStatus"] == "PendingManualApproval"
    assert register["ModelPackageGroupName"] == "${ModelPackageGroupName}"
    statistics = register["ModelMetrics"]["ModelQuality"]["Statistics"]
    assert statistics["ContentType"] == "application/json"
    assert evaluate.REPORT_FILENAME in json.dumps(statistics["S3Uri"])
    lineage = register["CustomerMetadataProperties"]
    assert lineage["DataBatchId"] == {"Get": "Parameters.DataBatchId"}
    assert lineage["LabelingJobName"] == {"Get": "Parameters.LabelingJobName"}
    assert lineage["InputManifestUri"] == {"Get": "Parameters.InputManifestUri"}
    assert lineage["PipelineExecutionArn"] == {"Get": "Execution.PipelineExecutionArn"}
    assert lineage["CodeVersion"] == code_digest()
    assert lineage["Model"] == "text"
    assert lineage["GateMetric"] == "macro_f1"
    assert evaluate.GATE_METRIC_PATH in json.dumps(lineage["GateMetricValue"])
    assert register["MetadataProperties"]["GeneratedBy"] == {"Get": "Execution.PipelineExecutionArn"}


def test_registered_container_serves_with_the_code_packed_into_the_model() -> None:
    (container,) = steps()["RegisterModel"]["Arguments"]["InferenceSpecification"]["Containers"]
    assert container["Image"] == SKLEARN_IMAGE_URI
    assert container["ModelDataUrl"] == {"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}
    assert container["Environment"]["SAGEMAKER_PROGRAM"] == "inference.py"
    assert container["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"] == "/opt/ml/model/code"


def test_only_the_input_manifest_must_be_given_and_every_other_parameter_has_a_default() -> None:
    parameters = {p["Name"]: p for p in DEFINITION["Parameters"]}
    assert [name for name, p in parameters.items() if "DefaultValue" not in p] == ["InputManifestUri"]
    assert parameters["QualityGateThreshold"] == {"Name": "QualityGateThreshold", "Type": "Float", "DefaultValue": 0.8}


def test_training_hyperparameters_are_the_ones_train_py_understands() -> None:
    arguments = steps()["Train"]["Arguments"]
    hyperparameters = arguments["HyperParameters"]
    assert hyperparameters["sagemaker_program"] == "train.py"
    tuned = {k: v for k, v in hyperparameters.items() if not k.startswith("sagemaker_")}
    argv = [item for key in sorted(tuned) for item in (f"--{key}", "1")]
    parsed = vars(train.parse_args(argv))
    assert all(parsed[key] == 1 for key in tuned)
    channels = {c["ChannelName"]: c for c in arguments["InputDataConfig"]}
    assert set(channels) == {"train", "validation", "code"}
    assert hyperparameters["sagemaker_submit_directory"] == "/opt/ml/input/data/code"


def test_training_metric_definitions_match_what_train_py_logs() -> None:
    definitions = steps()["Train"]["Arguments"]["AlgorithmSpecification"]["MetricDefinitions"]
    log_line = "2024-06-11 10:00:00,000 INFO train validation:macro_f1=0.9123"
    (macro_f1,) = [d for d in definitions if d["Name"] == "validation:macro_f1"]
    match = re.search(macro_f1["Regex"], log_line)
    assert match is not None
    assert match.group(1) == "0.9123"


def test_processing_steps_run_our_scripts_with_arguments_they_accept() -> None:
    preprocess_step = steps()["Preprocess"]["Arguments"]
    assert preprocess_step["AppSpecification"]["ContainerEntrypoint"][-1].endswith("/preprocess.py")
    args = ["auto" if isinstance(a, dict) else a for a in preprocess_step["AppSpecification"]["ContainerArguments"]]
    assert preprocess.parse_args(args).label_attribute == "auto"
    local = {o["OutputName"]: o["S3Output"]["LocalPath"] for o in preprocess_step["ProcessingOutputConfig"]["Outputs"]}
    defaults = preprocess.parse_args([])
    assert local == {name: getattr(defaults, f"{name}_dir") for name in preprocess.SPLITS}
    inputs = {i["InputName"]: i["S3Input"]["LocalPath"] for i in preprocess_step["ProcessingInputs"]}
    assert inputs["manifest"] == defaults.input_dir


def test_code_locations_point_at_the_current_version_of_the_step_scripts() -> None:
    prefix = f"s3://${{ArtifactsBucketName}}/{code_prefix()}"
    code_uris = set(re.findall(r'"(s3://\$\{ArtifactsBucketName\}/pipelines/code/[^"]*)"', DEFINITION_TEXT))
    assert code_uris == {prefix, f"{prefix}preprocess.py", f"{prefix}evaluate.py"}
    assert {"preprocess.py", "evaluate.py", "train.py"} <= set(STEP_FILES)


def test_no_account_region_or_stack_specific_value_is_baked_in() -> None:
    assert find_placeholders(DEFINITION_TEXT) <= set(PLACEHOLDERS)
    assert not re.search(r"\b\d{12}\b", DEFINITION_TEXT)
    assert not re.search(r"\b(us|eu|ap|sa|ca|me|af|il|cn)-[a-z]+-\d\b", DEFINITION_TEXT)
    assert "${!" not in DEFINITION_TEXT


def test_rendered_definition_has_every_placeholder_filled() -> None:
    rendered = render(DEFINITION_TEXT, VALUES)
    assert "${" not in rendered
    assert "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.9-0-cpu-py3" in rendered
    assert json.loads(rendered)["Steps"][0]["Arguments"]["RoleArn"] == VALUES["SageMakerExecutionRoleArn"]


def test_image_account_table_covers_the_main_regions() -> None:
    accounts = json.loads((PIPELINES / "sklearn-image-accounts.json").read_text(encoding="utf-8"))
    assert accounts["us-east-1"] == "683313688378"
    assert {"eu-west-1", "us-west-2", "ap-southeast-2"} <= set(accounts)
    assert all(re.fullmatch(r"\d{12}", account) for account in accounts.values())


@pytest.mark.parametrize("name", sorted(set(PLACEHOLDERS) - {"AWS::AccountId"}))
def test_every_documented_placeholder_is_used(name: str) -> None:
    # AWS::AccountId is for a custom image in the stack's account (tests/pipelines/test_model_specs.py).
    assert name in find_placeholders(DEFINITION_TEXT)
