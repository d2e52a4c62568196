"""SageMaker's name limits on the local stack, through boto3: at the limit accepted, one past it refused as AWS does.

The names and their constraints are the API reference's (CreateModel ``ModelName``, CreateEndpointConfig
``EndpointConfigName``, CreateEndpoint ``EndpointName``, CreateLabelingJob ``LabelingJobName``,
StartPipelineExecution ``PipelineExecutionDisplayName``), as botocore's service model carries them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from mlopsctl.local.runtime.stack import LocalStack
from tests.support.limits import FIXTURE, IMAGE, ROLE, refusal

#: The pattern of SageMaker's resource names, which also bounds their length (AWS prints it anchored).
NAME_PATTERN = "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"


def _emulator(stack: LocalStack) -> SageMakerEmulator:
    return SageMakerEmulator(stack.clock.now, stack.template.account_id, stack.template.region)


@pytest.fixture(scope="module")
def sagemaker() -> Iterator[Any]:
    with LocalStack(FIXTURE, emulators=[_emulator]) as stack:  # the emulator adds the labeling API moto lacks
        yield stack.client("sagemaker")


def _model(sm: Any, name: str) -> Any:
    return sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})


def _too_long(value: str, path: str, limit: int) -> str:
    return (
        f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: "
        f"Member must have length less than or equal to {limit}"
    )


def _too_long_for_pattern(value: str, path: str, limit: int, pattern: str = NAME_PATTERN) -> str:
    """A name past a limit its pattern also encodes breaks both, as AWS reports it: pattern first, then length."""
    return (
        f"2 validation errors detected: Value '{value}' at '{path}' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {pattern}; Value '{value}' at '{path}' failed to satisfy "
        f"constraint: Member must have length less than or equal to {limit}"
    )


def test_a_model_name_of_63_characters_is_accepted(sagemaker: Any) -> None:
    name = "m" * 63

    _model(sagemaker, name)

    assert sagemaker.describe_model(ModelName=name)["ModelName"] == name


def test_a_model_name_of_64_characters_is_refused_with_the_apis_validation_error(sagemaker: Any) -> None:
    name = "m" * 64

    error = refusal(_model, sm=sagemaker, name=name)

    assert (error["Code"], error["status"]) == ("ValidationException", 400)
    assert error["Message"] == _too_long(name, "modelName", 63)


def test_a_model_name_outside_the_pattern_is_refused(sagemaker: Any) -> None:
    error = refusal(_model, sm=sagemaker, name="model_with_underscore")

    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        "1 validation error detected: Value 'model_with_underscore' at 'modelName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: ^[a-zA-Z0-9]([\\-a-zA-Z0-9]*[a-zA-Z0-9])?"
    )


def test_endpoint_config_names_are_limited_to_63_characters(sagemaker: Any) -> None:
    _model(sagemaker, "config-model")
    variant = {"VariantName": "AllTraffic", "ModelName": "config-model", "InstanceType": "ml.m5.large"}
    variant["InitialInstanceCount"] = 1

    sagemaker.create_endpoint_config(EndpointConfigName="c" * 63, ProductionVariants=[variant])
    error = refusal(sagemaker.create_endpoint_config, EndpointConfigName="c" * 64, ProductionVariants=[variant])

    assert error["Message"] == _too_long_for_pattern("c" * 64, "endpointConfigName", 63)


def test_a_nested_member_is_named_by_its_path(sagemaker: Any) -> None:
    variant = {"VariantName": "v" * 64, "ModelName": "config-model", "InstanceType": "ml.m5.large"}

    error = refusal(sagemaker.create_endpoint_config, EndpointConfigName="nested", ProductionVariants=[variant])

    assert error["Message"] == _too_long_for_pattern("v" * 64, "productionVariants.1.member.variantName", 63)


def test_endpoint_names_are_limited_to_63_characters(sagemaker: Any) -> None:
    _model(sagemaker, "endpoint-model")
    variant = {"VariantName": "AllTraffic", "ModelName": "endpoint-model", "InstanceType": "ml.m5.large"}
    sagemaker.create_endpoint_config(EndpointConfigName="endpoint-config", ProductionVariants=[variant])

    sagemaker.create_endpoint(EndpointName="e" * 63, EndpointConfigName="endpoint-config")
    error = refusal(sagemaker.create_endpoint, EndpointName="e" * 64, EndpointConfigName="endpoint-config")

    assert error["Message"] == _too_long_for_pattern("e" * 64, "endpointName", 63)


def test_every_broken_constraint_of_a_request_is_reported(sagemaker: Any) -> None:
    error = refusal(sagemaker.create_endpoint, EndpointName="e" * 64, EndpointConfigName="bad_config")

    assert error["Message"].startswith("3 validation errors detected: Value '" + "e" * 64 + "' at 'endpointName'")
    assert error["Message"].endswith(
        "; Value 'bad_config' at 'endpointConfigName' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {NAME_PATTERN}"
    )


def _labeling_job(sm: Any, name: str) -> Any:
    return sm.create_labeling_job(
        LabelingJobName=name,
        LabelAttributeName="label",
        InputConfig={"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://bucket/manifests/input.manifest"}}},
        OutputConfig={"S3OutputPath": "s3://bucket/labeling-output/"},
        RoleArn=ROLE,
        HumanTaskConfig={
            "WorkteamArn": "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/team",
            "UiConfig": {"UiTemplateS3Uri": "s3://bucket/template.liquid.html"},
            "PreHumanTaskLambdaArn": "arn:aws:lambda:us-east-1:432418664414:function:PRE-TextMultiClass",
            "TaskTitle": "Classify",
            "TaskDescription": "Classify the text",
            "NumberOfHumanWorkersPerDataObject": 1,
            "TaskTimeLimitInSeconds": 300,
            "AnnotationConsolidationConfig": {
                "AnnotationConsolidationLambdaArn": "arn:aws:lambda:us-east-1:432418664414:function:ACS-TextMultiClass"
            },
        },
    )


def test_labeling_job_names_are_limited_to_63_characters(sagemaker: Any) -> None:
    created = _labeling_job(sagemaker, "j" * 63)
    refused = refusal(_labeling_job, sm=sagemaker, name="j" * 64)

    assert created["LabelingJobArn"].endswith("labeling-job/" + "j" * 63)

    assert refused["Message"] == _too_long_for_pattern("j" * 64, "labelingJobName", 63)


def _pipeline(sm: Any) -> str:
    definition = {"Version": "2020-12-01", "Steps": []}
    sm.create_pipeline(PipelineName="limits", PipelineDefinition=json.dumps(definition), RoleArn=ROLE)
    return "limits"


def test_pipeline_execution_display_names_are_limited_to_82_characters(sagemaker: Any) -> None:
    pipeline = _pipeline(sagemaker)

    started = sagemaker.start_pipeline_execution(PipelineName=pipeline, PipelineExecutionDisplayName="d" * 82)
    error = refusal(sagemaker.start_pipeline_execution, PipelineName=pipeline, PipelineExecutionDisplayName="d" * 83)

    assert started["PipelineExecutionArn"]
    assert error["Message"] == _too_long_for_pattern(
        "d" * 83, "pipelineExecutionDisplayName", 82, "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}"
    )
