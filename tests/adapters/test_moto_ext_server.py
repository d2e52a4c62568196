"""The extensions work through ``moto_server`` too (the mode Step Functions' ``aws-sdk`` tasks and other processes
use): the actions are dispatched by moto's response class, whatever the transport."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from mlopsctl.local.emulators.sagemaker import (
    EmulatorTimings,
    PipelineOutcome,
    PipelineRun,
    SageMakerEmulator,
    StepOutcome,
)
from mlopsctl.local.emulators.sagemaker.harness import START, settle
from mlopsctl.local.moto_patches.backends import reset_sagemaker
from mlopsctl.local.runtime.clock import VirtualClock


@pytest.fixture
def server_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        reset_sagemaker("123456789012", "us-east-1")  # only what these tests created


@pytest.fixture
def sm(server_url: str) -> Any:
    return boto3.client("sagemaker", region_name="us-east-1", endpoint_url=server_url)


def test_update_endpoint_and_its_rollout_work_through_moto_server(sm):
    clock = VirtualClock(START)
    emulator = SageMakerEmulator(clock, timings=EmulatorTimings(endpoint_create_seconds=10, endpoint_update_seconds=10))
    emulator.install()
    try:
        for version in ("v1", "v2"):
            sm.create_model(
                ModelName=version,
                ExecutionRoleArn="arn:aws:iam::123456789012:role/sagemaker",
                PrimaryContainer={"Image": "img:1"},
            )
            sm.create_endpoint_config(
                EndpointConfigName=version,
                ProductionVariants=[
                    {
                        "VariantName": "AllTraffic",
                        "ModelName": version,
                        "InitialInstanceCount": 2,
                        "InstanceType": "ml.m5.large",
                    }
                ],
            )
        sm.create_endpoint(EndpointName="churn", EndpointConfigName="v1")
        settle(emulator, clock)

        sm.update_endpoint(EndpointName="churn", EndpointConfigName="v2")
        updating = sm.describe_endpoint(EndpointName="churn")["EndpointStatus"]
        events = settle(emulator, clock)
    finally:
        emulator.uninstall()

    assert updating == "Updating"
    assert sm.describe_endpoint(EndpointName="churn")["EndpointConfigName"] == "v2"
    assert events[-1]["detail"]["EndpointStatus"] == "IN_SERVICE"


def test_labeling_job_actions_work_through_moto_server(sm):
    SageMakerEmulator(VirtualClock(START)).install()
    try:
        sm.create_labeling_job(
            LabelingJobName="batch-1",
            LabelAttributeName="label",
            InputConfig={"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://data/in.manifest"}}},
            OutputConfig={"S3OutputPath": "s3://data/out/"},
            RoleArn="arn:aws:iam::123456789012:role/labeling",
            HumanTaskConfig={
                "WorkteamArn": "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/team",
                "UiConfig": {"UiTemplateS3Uri": "s3://data/ui.liquid"},
                "TaskTitle": "t",
                "TaskDescription": "d",
                "NumberOfHumanWorkersPerDataObject": 1,
                "TaskTimeLimitInSeconds": 60,
            },
        )

        listed = sm.list_labeling_jobs()["LabelingJobSummaryList"]
    finally:
        SageMakerEmulator(VirtualClock(START)).uninstall()

    assert [(j["LabelingJobName"], j["LabelingJobStatus"]) for j in listed] == [("batch-1", "InProgress")]


class ServerRegisteringRunner:
    """A pipeline runner whose side effect is an API call through the server (served on another thread)."""

    def __init__(self, url: str) -> None:
        self._client = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=url)

    def run(self, run: PipelineRun) -> PipelineOutcome:
        self._client.create_model_package(
            ModelPackageGroupName="churn",
            InferenceSpecification={
                "Containers": [{"Image": "img:1"}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
        )
        return PipelineOutcome(steps=(StepOutcome("Register", "RegisterModel"),))


def test_pipeline_runner_calling_through_the_server_is_announced_in_order(sm, server_url):
    clock = VirtualClock(START)
    emulator = SageMakerEmulator(clock, pipeline_runner=ServerRegisteringRunner(server_url))
    emulator.install()
    try:
        sm.create_model_package_group(ModelPackageGroupName="churn")
        sm.create_pipeline(PipelineName="training", PipelineDefinition="{}", RoleArn="arn:aws:iam::1:role/r")
        sm.start_pipeline_execution(PipelineName="training")
        events = settle(emulator, clock)
    finally:
        emulator.uninstall()

    assert [e["detail-type"] for e in events] == [
        "SageMaker Model Building Pipeline Execution Status Change",
        "SageMaker Model Package State Change",
        "SageMaker Model Building Pipeline Execution Status Change",
    ]
