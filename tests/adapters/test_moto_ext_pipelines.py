"""Pipeline executions on moto with the project's extensions, through boto3: emulated Executing phase, outcome from
a pluggable runner (with side effects), steps listed, steered failure, stop."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from mlopsctl.local.emulators.sagemaker import (
    EmulatorTimings,
    PipelineOutcome,
    PipelineRun,
    SageMakerEmulator,
    StepOutcome,
)
from mlopsctl.local.emulators.sagemaker.harness import START, settle
from mlopsctl.local.runtime.clock import VirtualClock

REGION = "us-east-1"
DEFINITION = {
    "Version": "2020-12-01",
    "Parameters": [{"Name": "InputManifest", "Type": "String"}],
    "Steps": [
        {"Name": "Preprocess", "Type": "Processing", "Arguments": {}},
        {"Name": "Train", "Type": "Training", "Arguments": {}},
        {"Name": "Evaluate", "Type": "Processing", "Arguments": {}},
        {
            "Name": "CheckAccuracy",
            "Type": "Condition",
            "Arguments": {
                "Conditions": [],
                "IfSteps": [{"Name": "Register", "Type": "RegisterModel", "Arguments": {}}],
                "ElseSteps": [{"Name": "TooInaccurate", "Type": "Fail", "Arguments": {"ErrorMessage": "low"}}],
            },
        },
    ],
}


class RegisteringRunner:
    """A runner whose pipeline registers a model package, as the project's pipeline does."""

    def __init__(self) -> None:
        self.runs: list[PipelineRun] = []

    def run(self, run: PipelineRun) -> PipelineOutcome:
        self.runs.append(run)
        boto3.client("sagemaker", region_name=run.region).create_model_package(
            ModelPackageGroupName="churn",
            InferenceSpecification={
                "Containers": [{"Image": "img:1", "ModelDataUrl": "s3://a/model.tar.gz"}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            MetadataProperties={"GeneratedBy": run.execution_arn},
        )
        return PipelineOutcome(steps=(StepOutcome("Train", "Training"), StepOutcome("Register", "RegisterModel")))


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def start(emulator: SageMakerEmulator, **params: str) -> tuple[Any, str]:
    sm = boto3.client("sagemaker", region_name=REGION)
    sm.create_pipeline(
        PipelineName="training",
        PipelineDefinition=json.dumps(DEFINITION),
        RoleArn="arn:aws:iam::123456789012:role/pipeline",
    )
    arn = sm.start_pipeline_execution(
        PipelineName="training",
        PipelineExecutionDisplayName="batch-1",
        PipelineParameters=[{"Name": k, "Value": v} for k, v in params.items()],
    )["PipelineExecutionArn"]
    return sm, arn


@pytest.fixture
def emulator(aws: None, clock: VirtualClock) -> Iterator[SageMakerEmulator]:
    emulator = SageMakerEmulator(clock, timings=EmulatorTimings(pipeline_seconds=400, stop_seconds=10))
    emulator.install()
    yield emulator
    emulator.uninstall()


def test_started_execution_is_executing_until_the_run_time_has_passed(emulator, clock):
    sm, arn = start(emulator, InputManifest="s3://data/out.manifest")

    started = emulator.run_due(clock())
    executing = sm.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"]
    finished = settle(emulator, clock)
    described = sm.describe_pipeline_execution(PipelineExecutionArn=arn)

    assert executing == "Executing"
    assert described["PipelineExecutionStatus"] == "Succeeded"
    assert "FailureReason" not in described
    assert [e["detail"]["currentPipelineExecutionStatus"] for e in started + finished] == ["Executing", "Succeeded"]
    assert "previousPipelineExecutionStatus" not in started[0]["detail"]
    done = finished[0]
    assert done["detail"]["previousPipelineExecutionStatus"] == "Executing"
    assert done["detail"]["pipelineExecutionDisplayName"] == "batch-1"
    assert (done["detail"]["executionStartTime"], done["detail"]["executionEndTime"]) == (
        "2025-01-01T00:00:00Z",
        "2025-01-01T00:06:40Z",
    )
    assert done["resources"] == [arn.split("/execution/")[0], arn]


def test_default_runner_reports_the_definitions_steps_with_the_condition_true(emulator, clock):
    sm, arn = start(emulator)
    settle(emulator, clock)

    steps = sm.list_pipeline_execution_steps(PipelineExecutionArn=arn, SortOrder="Ascending")["PipelineExecutionSteps"]

    assert [(s["StepName"], s["StepStatus"]) for s in steps] == [
        ("Preprocess", "Succeeded"),
        ("Train", "Succeeded"),
        ("Evaluate", "Succeeded"),
        ("CheckAccuracy", "Succeeded"),
        ("Register", "Succeeded"),
    ]
    assert steps[3]["Metadata"] == {"Condition": {"Outcome": "True"}}
    newest_first = sm.list_pipeline_execution_steps(PipelineExecutionArn=arn)["PipelineExecutionSteps"]
    assert newest_first[0]["StepName"] == "Register"


def test_steered_failure_fails_the_step_and_skips_the_rest(emulator, clock):
    emulator.fail_pipeline_execution("training", "Train", "AlgorithmError: out of memory")
    sm, arn = start(emulator)

    events = settle(emulator, clock)
    described = sm.describe_pipeline_execution(PipelineExecutionArn=arn)
    steps = sm.list_pipeline_execution_steps(PipelineExecutionArn=arn, SortOrder="Ascending")["PipelineExecutionSteps"]

    assert described["PipelineExecutionStatus"] == "Failed"
    assert "AlgorithmError: out of memory" in described["FailureReason"]
    assert [(s["StepName"], s["StepStatus"]) for s in steps] == [("Preprocess", "Succeeded"), ("Train", "Failed")]
    assert steps[1]["FailureReason"] == "AlgorithmError: out of memory"
    assert events[-1]["detail"]["currentPipelineExecutionStatus"] == "Failed"


def test_runner_side_effects_are_announced_like_aws_would(aws, clock):
    runner = RegisteringRunner()
    emulator = SageMakerEmulator(clock, pipeline_runner=runner, timings=EmulatorTimings(pipeline_seconds=60))
    emulator.install()
    try:
        boto3.client("sagemaker", region_name=REGION).create_model_package_group(ModelPackageGroupName="churn")
        _, arn = start(emulator, InputManifest="s3://data/out.manifest")
        events = settle(emulator, clock)
    finally:
        emulator.uninstall()

    assert runner.runs[0].parameters == {"InputManifest": "s3://data/out.manifest"}
    assert runner.runs[0].definition is not None
    assert [e["detail-type"] for e in events] == [
        "SageMaker Model Building Pipeline Execution Status Change",
        "SageMaker Model Package State Change",
        "SageMaker Model Building Pipeline Execution Status Change",
    ]
    package = events[1]["detail"]
    assert package["ModelApprovalStatus"] == "PendingManualApproval"
    assert package["MetadataProperties"] == {"GeneratedBy": arn}


def test_stopped_execution_is_stopping_then_stopped(emulator, clock):
    sm, arn = start(emulator)
    emulator.run_due(clock.advance(30))

    sm.stop_pipeline_execution(PipelineExecutionArn=arn)
    stopping = sm.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"]
    events = settle(emulator, clock)

    assert stopping == "Stopping"
    assert sm.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"] == "Stopped"
    assert [
        (e["detail"]["previousPipelineExecutionStatus"], e["detail"]["currentPipelineExecutionStatus"]) for e in events
    ] == [("Executing", "Stopping"), ("Stopping", "Stopped")]


def test_stopping_a_finished_execution_is_rejected(emulator, clock):
    sm, arn = start(emulator)
    settle(emulator, clock)

    with pytest.raises(ClientError) as caught:
        sm.stop_pipeline_execution(PipelineExecutionArn=arn)

    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_an_unknown_execution_is_resource_not_found_as_in_sagemaker(emulator):
    sm = boto3.client("sagemaker", region_name=REGION)
    unknown = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/none/execution/abc"

    for call in (
        sm.list_pipeline_execution_steps,
        sm.describe_pipeline_execution,
        sm.list_pipeline_parameters_for_execution,
        sm.stop_pipeline_execution,
    ):
        with pytest.raises(ClientError) as caught:
            call(PipelineExecutionArn=unknown)
        assert caught.value.response["Error"]["Code"] == "ResourceNotFound", call
