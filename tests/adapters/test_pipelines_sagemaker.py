"""The SageMaker adapters on moto (with the project's extensions and emulator for what moto lacks): the project's
pipeline started once per run, its parameters and steps read back, labeling jobs described."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mlops_core.aws.clients import ClientFactory
from mlops_core.aws.errors import RequestRejectedError
from mlops_core.training.pipelines import (
    ExecutionRequest,
    ExecutionState,
    SageMakerLabelingJobReader,
    SageMakerPipelineExecutions,
)
from mlopsctl.local.emulators.sagemaker import (
    GoldLabelWorkforce,
    PipelineOutcome,
    PipelineRun,
    SageMakerEmulator,
    StepOutcome,
)
from mlopsctl.local.emulators.sagemaker.harness import settle
from mlopsctl.local.runtime.clock import VirtualClock
from pipelines.placeholders import render
from tests.support.files import ROOT

REGION = "us-east-1"
ACCOUNT = "123456789012"
PIPELINE = "mlops-dev-training"
BUCKET = "mlops-dev-data"
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PACKAGE = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/mlops-models/1"


def definition() -> str:
    """The project's pipeline definition, filled as CloudFormation's Fn::Sub would."""
    text = (ROOT / "pipelines" / "generated" / "text.json").read_text(encoding="utf-8")
    return render(
        text,
        {
            "ArtifactsBucketName": "mlops-dev-artifacts",
            "DataBucketName": "mlops-dev-data",
            "ModelPackageGroupName": "mlops-models",
            "SageMakerExecutionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/mlops-dev-SageMakerExecutionRole",
            "SklearnImageAccount": "683313688378",
            "AWS::Region": REGION,
            "AWS::URLSuffix": "amazonaws.com",
        },
    )


class RegisteringRunner:
    """Every step succeeds; RegisterModel reports the package it created, as ListPipelineExecutionSteps does."""

    def run(self, run: PipelineRun) -> PipelineOutcome:
        return PipelineOutcome(
            steps=(
                StepOutcome("Preprocess", "Processing"),
                StepOutcome("RegisterModel", "RegisterModel", metadata={"RegisterModel": {"Arn": PACKAGE}}),
            )
        )


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def emulator(clock: VirtualClock) -> Iterator[SageMakerEmulator]:
    with mock_aws():
        emulator = SageMakerEmulator(clock, workforce=GoldLabelWorkforce(default="positive"))
        emulator.install()
        boto3.client("sagemaker", region_name=REGION).create_pipeline(
            PipelineName=PIPELINE,
            PipelineDefinition=definition(),
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/mlops-dev-TrainingPipelineRole",
        )
        yield emulator
        emulator.uninstall()


@pytest.fixture
def executions(emulator: SageMakerEmulator) -> SageMakerPipelineExecutions:
    return SageMakerPipelineExecutions(ClientFactory(region=REGION).sagemaker())


def request(display_name: str = "mlops-dev-batch-1", **parameters: str) -> ExecutionRequest:
    return ExecutionRequest(
        PIPELINE, display_name, "a" * 64, "test run", parameters or {"InputManifestUri": "s3://b/k/"}
    )


def execution_count() -> int:
    pages = boto3.client("sagemaker", region_name=REGION).get_paginator("list_pipeline_executions")
    return sum(len(page["PipelineExecutionSummaries"]) for page in pages.paginate(PipelineName=PIPELINE))


def test_start_runs_the_pipeline_with_the_request(executions: SageMakerPipelineExecutions) -> None:
    started = executions.start(request(InputManifestUri="s3://data/x/", DataBatchId="b1"), START)

    assert started.created is True
    assert started.execution_arn.startswith(f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/{PIPELINE}/execution/")
    assert executions.parameters(started.execution_arn) == {"InputManifestUri": "s3://data/x/", "DataBatchId": "b1"}
    described = boto3.client("sagemaker", region_name=REGION).describe_pipeline_execution(
        PipelineExecutionArn=started.execution_arn
    )
    assert described["PipelineExecutionDisplayName"] == "mlops-dev-batch-1"


def test_starting_the_same_run_again_finds_the_first_execution(executions: SageMakerPipelineExecutions) -> None:
    first = executions.start(request(), START)
    second = executions.start(request(), START)

    assert (first.created, second.created) == (True, False)
    assert second.execution_arn == first.execution_arn
    assert execution_count() == 1, "moto ignores ClientRequestToken: the look-up keeps it to one"


def test_another_run_gets_its_own_execution(executions: SageMakerPipelineExecutions) -> None:
    executions.start(request("mlops-dev-batch-1"), START)
    executions.start(request("mlops-dev-batch-2"), START)

    assert execution_count() == 2


def test_an_execution_older_than_the_claim_is_not_taken_for_this_run(executions: SageMakerPipelineExecutions) -> None:
    executions.start(request(), START)

    later = executions.start(request(), START + timedelta(days=1))

    assert later.created is True


def test_steps_report_the_registered_model_package(clock: VirtualClock, executions: Any) -> None:
    emulator = SageMakerEmulator(clock, pipeline_runner=RegisteringRunner())
    emulator.install()
    started = executions.start(request(), START)
    settle(emulator, clock)

    steps = executions.steps(started.execution_arn)

    assert [(s.name, s.status) for s in steps] == [("Preprocess", "Succeeded"), ("RegisterModel", "Succeeded")]
    assert steps[-1].model_package_arn == PACKAGE
    assert executions.describe(started.execution_arn) == ExecutionState("Succeeded")


def test_a_failed_step_and_the_executions_reason_are_read_back(
    emulator: SageMakerEmulator, clock: VirtualClock, executions: SageMakerPipelineExecutions
) -> None:
    emulator.fail_pipeline_execution(PIPELINE, "Train", "AlgorithmError: out of memory")
    started = executions.start(request(), START)
    settle(emulator, clock)

    steps = executions.steps(started.execution_arn)

    failed = [s for s in steps if s.status == "Failed"]
    assert [(s.name, s.failure_reason) for s in failed] == [("Train", "AlgorithmError: out of memory")]
    assert [s.name for s in steps][:2] == ["Preprocess", "Train"]
    state = executions.describe(started.execution_arn)
    assert state is not None
    assert state.status == "Failed"
    assert "out of memory" in (state.failure_reason or "")


def test_an_execution_that_does_not_exist_is_described_as_none(
    emulator: SageMakerEmulator, executions: SageMakerPipelineExecutions
) -> None:
    started = executions.start(request(), START)

    assert executions.describe(started.execution_arn.rsplit("/", 1)[0] + "/nosuchexecution") is None


def test_starting_a_pipeline_that_does_not_exist_is_refused(executions: SageMakerPipelineExecutions) -> None:
    with pytest.raises(RequestRejectedError):
        executions.start(ExecutionRequest("no-such-pipeline", "run", "a" * 64, "", {}), START)


# -- labeling jobs ----------------------------------------------------------------------------------------------------


def create_job(name: str, tags: dict[str, str]) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="incoming/a.txt", Body=b"my invoice is wrong")
    s3.put_object(
        Bucket=BUCKET, Key="m/input.manifest", Body=json.dumps({"source-ref": f"s3://{BUCKET}/incoming/a.txt"})
    )
    categories = {"document-version": "2018-11-28", "labels": [{"label": "positive"}, {"label": "negative"}]}
    s3.put_object(Bucket=BUCKET, Key="m/labels.json", Body=json.dumps(categories))
    boto3.client("sagemaker", region_name=REGION).create_labeling_job(
        LabelingJobName=name,
        LabelAttributeName="label",
        InputConfig={"DataSource": {"S3DataSource": {"ManifestS3Uri": f"s3://{BUCKET}/m/input.manifest"}}},
        OutputConfig={"S3OutputPath": f"s3://{BUCKET}/labeling-output/"},
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/labeling",
        LabelCategoryConfigS3Uri=f"s3://{BUCKET}/m/labels.json",
        HumanTaskConfig={
            "WorkteamArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:workteam/private-crowd/team",
            "UiConfig": {"UiTemplateS3Uri": f"s3://{BUCKET}/m/ui.liquid"},
            "PreHumanTaskLambdaArn": f"arn:aws:lambda:{REGION}:432418664414:function:PRE-TextMultiClass",
            "TaskTitle": "t",
            "TaskDescription": "d",
            "NumberOfHumanWorkersPerDataObject": 1,
            "TaskTimeLimitInSeconds": 300,
            "AnnotationConsolidationConfig": {
                "AnnotationConsolidationLambdaArn": f"arn:aws:lambda:{REGION}:432418664414:function:ACS-TextMultiClass"
            },
        },
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )


def test_a_completed_job_is_described_with_its_output_label_attribute_and_tags(
    emulator: SageMakerEmulator, clock: VirtualClock
) -> None:
    create_job("mlops-dev-job1", {"mlops:stack": "mlops-dev", "mlops:batch-id": "b1"})
    settle(emulator, clock)

    job = SageMakerLabelingJobReader(ClientFactory(region=REGION).sagemaker()).describe("mlops-dev-job1")

    assert job is not None
    assert (job.status, job.label_attribute_name) == ("Completed", "label")
    assert job.output_manifest_uri == f"s3://{BUCKET}/labeling-output/mlops-dev-job1/manifests/output/output.manifest"
    assert job.tags == {"mlops:stack": "mlops-dev", "mlops:batch-id": "b1"}
    assert job.failure_reason is None


def test_a_failed_job_is_described_with_its_reason(emulator: SageMakerEmulator, clock: VirtualClock) -> None:
    emulator.fail_labeling_job("mlops-dev-", "ClientError: no valid data objects")
    create_job("mlops-dev-job2", {})
    settle(emulator, clock)

    job = SageMakerLabelingJobReader(ClientFactory(region=REGION).sagemaker()).describe("mlops-dev-job2")

    assert job is not None
    assert (job.status, job.failure_reason, job.output_manifest_uri) == (
        "Failed",
        "ClientError: no valid data objects",
        None,
    )


def test_an_unknown_job_is_none(emulator: SageMakerEmulator) -> None:
    assert SageMakerLabelingJobReader(ClientFactory(region=REGION).sagemaker()).describe("nope") is None
