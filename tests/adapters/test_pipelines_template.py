"""The training part of ``template.yaml``: the pipeline is the generated definition of the model its generated block
names (``pipelines/generated/<model>.json``) with every placeholder filled, the image-account mapping is the SDK's
table, the two rules route our events only (moto's matcher, which follows EventBridge's pattern semantics), and the
roles are as narrow as the design says."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from mlops_core.config import DataArrivalSettings
from mlopsctl.local.moto_patches.backends import event_matcher
from mlopsctl.local.template.loader import read_yaml
from pipelines.placeholders import PLACEHOLDERS, find_placeholders
from pipelines.template_block import SUB_VARIABLES, current_model
from tests.support.fakes.training import labeling_event, pipeline_event
from tests.support.files import ROOT, ROOT_TEMPLATE
from tests.support.template_queries import as_list, function_properties, iam_identity_statements, resolve_refs

TEMPLATE = read_yaml(ROOT_TEMPLATE)
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
STACK = "mlops-dev"
NAMES = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": STACK,
    "TrainingPipeline": f"{STACK}-training",
    "ModelPackageGroupName": "mlops-models",
}
TRAINING_FUNCTIONS = ("LabelingEventsFunction", "PipelineEventsFunction")


def resolve(value: Any, names: dict[str, str] = NAMES) -> Any:
    """Resolve ``Fn::Sub`` strings (``${Name}`` from ``names``) and ``Ref`` to a name, throughout ``value``."""
    return resolve_refs(value, names, subs=True)


def rule_pattern(function: str, names: dict[str, str] = NAMES) -> Callable[[Mapping[str, Any]], bool]:
    """The function's EventBridge rule as a matcher (moto's, which follows AWS's pattern semantics)."""
    (event,) = [e for e in function_properties(TEMPLATE, function)["Events"].values() if e["Type"] == "EventBridgeRule"]
    return event_matcher(resolve(event["Properties"]["Pattern"], names))


def matches(pattern: Callable[[Mapping[str, Any]], bool], event: dict[str, Any]) -> bool:
    return pattern(event)


# -- the pipeline -----------------------------------------------------------------------------------------------------


def pipeline_sub() -> tuple[str, dict[str, Any]]:
    body = RESOURCES["TrainingPipeline"]["Properties"]["PipelineDefinition"]["PipelineDefinitionBody"]["Fn::Sub"]
    text, variables = body
    return text, variables


def test_the_pipeline_definition_is_the_generated_file_of_the_model_the_block_names() -> None:
    text, _ = pipeline_sub()
    model = current_model((ROOT / "template.yaml").read_text(encoding="utf-8"))
    generated = (ROOT / "pipelines" / "generated" / f"{model}.json").read_text(encoding="utf-8")
    assert text == generated, (
        f"template.yaml's TrainingPipeline definition differs from pipelines/generated/{model}.json: "
        f"run `make pipeline MODEL={model}`"
    )


def test_every_placeholder_of_the_definition_is_filled_and_every_variable_used() -> None:
    text, variables = pipeline_sub()
    used = find_placeholders(text)
    assert used <= set(PLACEHOLDERS)
    assert used - {"AWS::Region", "AWS::URLSuffix", "AWS::AccountId"} == set(variables)
    assert set(variables) <= set(SUB_VARIABLES)
    if "SklearnImageAccount" in variables:
        assert variables["SklearnImageAccount"] == {
            "Fn::FindInMap": ["SklearnImageAccounts", {"Ref": "AWS::Region"}, "Account"]
        }
    assert variables["SageMakerExecutionRoleArn"] == {"Fn::GetAtt": ["SageMakerExecutionRole", "Arn"]}


def test_the_image_account_mapping_is_the_sdks_table() -> None:
    table = json.loads((ROOT / "pipelines" / "sklearn-image-accounts.json").read_text(encoding="utf-8"))
    mapping = {region: entry["Account"] for region, entry in TEMPLATE["Mappings"]["SklearnImageAccounts"].items()}
    assert mapping == table


def test_the_pipeline_is_named_after_the_stack_and_runs_as_its_own_role() -> None:
    props = RESOURCES["TrainingPipeline"]["Properties"]
    assert resolve(props["PipelineName"]) == f"{STACK}-training"
    assert props["RoleArn"] == {"Fn::GetAtt": ["TrainingPipelineRole", "Arn"]}
    assert "ModelPackageGroup" in as_list(RESOURCES["TrainingPipeline"]["DependsOn"])


def test_every_function_that_starts_or_watches_training_knows_the_pipeline() -> None:
    for name in (*TRAINING_FUNCTIONS, "DataArrivalFunction"):
        variables = function_properties(TEMPLATE, name)["Environment"]["Variables"]
        assert variables["TRAINING_PIPELINE_NAME"] == {"Ref": "TrainingPipeline"}, name
    assert "training_pipeline_name" in DataArrivalSettings.model_fields


# -- the rules --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["Completed", "Failed", "Stopped"])
def test_our_labeling_jobs_final_states_reach_labeling_events(status: str) -> None:
    assert matches(rule_pattern("LabelingEventsFunction"), labeling_event(status, f"{STACK}-3f9a2c1d0b7e4a6c8d2f"))


def test_a_stack_name_with_capitals_still_matches_the_lower_case_arn() -> None:
    pattern = rule_pattern("LabelingEventsFunction", {**NAMES, "AWS::StackName": "MLOps-Dev"})
    assert matches(pattern, labeling_event("Completed", "mlops-dev-3f9a2c1d0b7e4a6c8d2f"))


@pytest.mark.parametrize(
    ("status", "name"),
    [
        ("InProgress", f"{STACK}-3f9a2c1d0b7e4a6c8d2f"),
        ("Completed", "other-stack-3f9a2c1d0b7e4a6c8d2f"),
        ("Completed", "mlops-devx-3f9a2c1d0b7e4a6c8d2f"),
        ("Completed", "test-labeling-job"),
    ],
)
def test_other_labeling_events_are_filtered_out(status: str, name: str) -> None:
    assert not matches(rule_pattern("LabelingEventsFunction"), labeling_event(status, name))


def test_a_labeling_job_of_another_account_is_filtered_out() -> None:
    event = labeling_event("Completed", f"{STACK}-3f9a2c1d0b7e4a6c8d2f")
    event["resources"] = [event["resources"][0].replace("123456789012", "210987654321")]
    assert not matches(rule_pattern("LabelingEventsFunction"), event)


@pytest.mark.parametrize("status", ["Executing", "Stopping", "Succeeded", "Failed", "Stopped"])
def test_every_status_of_our_pipeline_reaches_pipeline_events(status: str) -> None:
    arn = f"arn:aws:sagemaker:us-east-1:123456789012:pipeline/{STACK}-training/execution/abc"
    assert matches(rule_pattern("PipelineEventsFunction"), pipeline_event(arn, status, pipeline=f"{STACK}-training"))


def test_our_pipeline_matches_when_sagemaker_writes_its_arn_in_lower_case() -> None:
    pattern = rule_pattern("PipelineEventsFunction", {**NAMES, "TrainingPipeline": "MLOps-Dev-training"})
    arn = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/mlops-dev-training/execution/abc"
    assert matches(pattern, pipeline_event(arn, "Succeeded", pipeline="mlops-dev-training"))


@pytest.mark.parametrize("pipeline", [f"{STACK}-training-v2", "someone-elses-pipeline", f"{STACK}-trainin"])
def test_other_pipelines_are_filtered_out(pipeline: str) -> None:
    arn = f"arn:aws:sagemaker:us-east-1:123456789012:pipeline/{pipeline}/execution/abc"
    assert not matches(rule_pattern("PipelineEventsFunction"), pipeline_event(arn, "Succeeded", pipeline=pipeline))


def test_failed_training_events_are_kept_in_one_dead_letter_queue_only_our_rules_may_fill() -> None:
    queue = {"Fn::GetAtt": ["TrainingEventsDeadLetterQueue", "Arn"]}
    rule_arns = []
    for name in TRAINING_FUNCTIONS:
        props = function_properties(TEMPLATE, name)
        assert props["DeadLetterQueue"] == {"Type": "SQS", "TargetArn": queue}
        ((event_name, event),) = props["Events"].items()
        assert event["Properties"]["DeadLetterConfig"] == {"Arn": queue}
        rule_arns.append({"Fn::GetAtt": [f"{name}{event_name}", "Arn"]})
    policy = RESOURCES["TrainingEventsDeadLetterQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    (allow,) = [s for s in policy if s["Effect"] == "Allow"]
    assert allow["Condition"]["ArnEquals"]["aws:SourceArn"] == rule_arns
    assert RESOURCES["TrainingEventsDeadLetterAlarm"]["Properties"]["Dimensions"][0]["Value"] == {
        "Fn::GetAtt": ["TrainingEventsDeadLetterQueue", "QueueName"]
    }


# -- least privilege --------------------------------------------------------------------------------------------------


def statements_of(owner: str) -> list[dict[str, Any]]:
    return [statement for name, statement in iam_identity_statements(TEMPLATE) if name == owner]


def actions_of(owner: str) -> set[str]:
    return {action for statement in statements_of(owner) for action in as_list(statement["Action"])}


def test_only_the_pipelines_role_passes_the_execution_role_and_only_to_sagemaker() -> None:
    passing = [
        (owner, statement)
        for owner, statement in iam_identity_statements(TEMPLATE)
        if "iam:PassRole" in as_list(statement["Action"])
        and statement["Resource"] == {"Fn::GetAtt": ["SageMakerExecutionRole", "Arn"]}
    ]
    assert [owner for owner, _ in passing] == ["TrainingPipelineRole"]


def test_the_jobs_role_creates_nothing_in_sagemaker_and_writes_only_pipeline_artefacts() -> None:
    actions = actions_of("SageMakerExecutionRole")
    assert not [a for a in actions if a.startswith(("sagemaker:", "iam:"))]
    writes = [
        resource
        for statement in statements_of("SageMakerExecutionRole")
        if any(a.startswith("s3:Put") for a in as_list(statement["Action"]))
        for resource in as_list(statement["Resource"])
    ]
    assert writes == [{"Fn::Sub": "${ArtifactsBucket.Arn}/pipelines/*"}]


def test_models_are_registered_into_our_group_only() -> None:
    registering = [
        (owner, statement)
        for owner, statement in iam_identity_statements(TEMPLATE)
        if "sagemaker:CreateModelPackage" in as_list(statement["Action"])
    ]
    assert [owner for owner, _ in registering] == ["TrainingPipelineRole"]
    (_, statement) = registering[0]
    assert {resolve(r) for r in as_list(statement["Resource"])} == {
        "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/mlops-models",
        "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-models/*",
    }


def test_starting_the_pipeline_is_allowed_on_our_pipeline_only() -> None:
    pipeline_arn = f"arn:aws:sagemaker:us-east-1:123456789012:pipeline/{STACK}-training"
    starters = [
        (owner, resolve(statement["Resource"]))
        for owner, statement in iam_identity_statements(TEMPLATE)
        if "sagemaker:StartPipelineExecution" in as_list(statement["Action"])
    ]
    assert sorted(owner for owner, _ in starters) == ["DataArrivalFunction", "LabelingEventsFunction"]
    assert {resource for _, resource in starters} == {pipeline_arn}


def test_pipeline_events_reads_our_executions_and_starts_nothing() -> None:
    actions = actions_of("PipelineEventsFunction")
    assert {a for a in actions if a.startswith("sagemaker:")} == {
        "sagemaker:DescribePipelineExecution",
        "sagemaker:ListPipelineExecutionSteps",
        "sagemaker:ListPipelineParametersForExecution",
    }
