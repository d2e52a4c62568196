"""Contract: every event the emulator emits parses with ``mlops_core.events.parse_event`` into the right model,
with the fields the handlers read. The events come from real emulated runs (moto + extensions), not hand-made."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mlops_core.events import (
    AlarmStateChangeEvent,
    EndpointDeploymentStateChangeEvent,
    EndpointStateChangeEvent,
    LabelingJobStateChangeEvent,
    ModelPackageStateChangeEvent,
    PipelineExecutionStatusChangeEvent,
    parse_event,
)
from mlopsctl.local.emulators.sagemaker import EmulatorTimings, GoldLabelWorkforce, SageMakerEmulator
from mlopsctl.local.emulators.sagemaker.harness import START, settle
from mlopsctl.local.runtime.clock import VirtualClock

REGION = "us-east-1"
MODELS = {
    "SageMaker Endpoint State Change": EndpointStateChangeEvent,
    "SageMaker Endpoint Deployment State Change": EndpointDeploymentStateChangeEvent,
    "SageMaker Ground Truth Labeling Job State Change": LabelingJobStateChangeEvent,
    "SageMaker Model Building Pipeline Execution Status Change": PipelineExecutionStatusChangeEvent,
    "SageMaker Model Package State Change": ModelPackageStateChangeEvent,
    "CloudWatch Alarm State Change": AlarmStateChangeEvent,
}


@pytest.fixture(scope="module")
def emitted() -> Iterator[list[dict[str, Any]]]:
    """One emulated lifecycle: labeling, pipeline, registry approval, endpoint create and a rolled-back canary."""
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            patch.setenv(name, "testing")
        clock = VirtualClock(START)
        emulator = SageMakerEmulator(
            clock, workforce=GoldLabelWorkforce({"a.txt": "pos"}), timings=EmulatorTimings(labeling_seconds=30)
        )
        emulator.install()
        try:
            yield run_lifecycle(emulator, clock)
        finally:
            emulator.uninstall()


def run_lifecycle(emulator: SageMakerEmulator, clock: VirtualClock) -> list[dict[str, Any]]:
    s3 = boto3.client("s3", region_name=REGION)
    sm = boto3.client("sagemaker", region_name=REGION)
    cw = boto3.client("cloudwatch", region_name=REGION)
    s3.create_bucket(Bucket="data")
    s3.put_object(Bucket="data", Key="m/in.manifest", Body=b'{"source-ref": "s3://data/incoming/a.txt"}\n')
    s3.put_object(Bucket="data", Key="m/labels.json", Body=json.dumps({"labels": [{"label": "pos"}]}).encode())
    sm.create_labeling_job(
        LabelingJobName="batch-1",
        LabelAttributeName="label",
        InputConfig={"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://data/m/in.manifest"}}},
        OutputConfig={"S3OutputPath": "s3://data/labeling-output/"},
        RoleArn="arn:aws:iam::123456789012:role/labeling",
        LabelCategoryConfigS3Uri="s3://data/m/labels.json",
        HumanTaskConfig={
            "WorkteamArn": "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/team",
            "UiConfig": {"UiTemplateS3Uri": "s3://data/ui.liquid"},
            "PreHumanTaskLambdaArn": "arn:aws:lambda:us-east-1:432418664414:function:PRE-TextMultiClass",
            "TaskTitle": "t",
            "TaskDescription": "d",
            "NumberOfHumanWorkersPerDataObject": 1,
            "TaskTimeLimitInSeconds": 60,
        },
    )
    sm.create_pipeline(PipelineName="training", PipelineDefinition='{"Steps": []}', RoleArn="arn:aws:iam::1:role/r")
    sm.start_pipeline_execution(PipelineName="training")
    sm.create_model_package_group(ModelPackageGroupName="churn")
    package = sm.create_model_package(
        ModelPackageGroupName="churn",
        InferenceSpecification={
            "Containers": [{"Image": "img:1"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
    )["ModelPackageArn"]
    sm.update_model_package(ModelPackageArn=package, ModelApprovalStatus="Approved")
    emitted = settle(emulator, clock)

    for version in ("v1", "v2"):
        sm.create_model(
            ModelName=version, ExecutionRoleArn="arn:aws:iam::123456789012:role/r", PrimaryContainer={"Image": "i"}
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
    cw.put_metric_alarm(
        AlarmName="churn-5xx",
        Namespace="AWS/SageMaker",
        MetricName="Invocation5XXErrors",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    sm.create_endpoint(EndpointName="churn", EndpointConfigName="v1")
    emitted += settle(emulator, clock)
    sm.update_endpoint(
        EndpointName="churn",
        EndpointConfigName="v2",
        DeploymentConfig={
            "BlueGreenUpdatePolicy": {
                "TrafficRoutingConfiguration": {
                    "Type": "CANARY",
                    "WaitIntervalInSeconds": 600,
                    "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
                },
                "TerminationWaitInSeconds": 300,
            },
            "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "churn-5xx"}]},
        },
    )
    emitted += emulator.run_due(clock.advance(120))  # provisioned, baking the canary
    cw.set_alarm_state(AlarmName="churn-5xx", StateValue="ALARM", StateReason="Threshold Crossed")
    return emitted + emulator.run_due(clock()) + settle(emulator, clock)


def test_the_lifecycle_emits_every_event_type(emitted):
    assert {e["detail-type"] for e in emitted} == set(MODELS)


@pytest.mark.parametrize("detail_type", sorted(MODELS))
def test_every_emitted_event_parses_into_its_model(emitted, detail_type):
    of_type = [e for e in emitted if e["detail-type"] == detail_type]

    parsed = [parse_event(event) for event in of_type]

    assert parsed
    assert all(isinstance(model, MODELS[detail_type]) for model in parsed)


def test_parsed_events_carry_what_the_handlers_read(emitted):
    parsed = [parse_event(event) for event in emitted]
    by_type: dict[type, list[Any]] = {}
    for model in parsed:
        by_type.setdefault(type(model), []).append(model)

    labeling = by_type[LabelingJobStateChangeEvent][0]
    assert (labeling.labeling_job_name, labeling.status) == ("batch-1", "Completed")
    pipeline = by_type[PipelineExecutionStatusChangeEvent][-1]
    assert (pipeline.pipeline_name, pipeline.status, pipeline.previous_status) == ("training", "Succeeded", "Executing")
    packages = by_type[ModelPackageStateChangeEvent]
    assert [(p.model_package_group_name, p.model_package_version, p.approval_status) for p in packages] == [
        ("churn", 1, "PendingManualApproval"),
        ("churn", 1, "Approved"),
    ]
    endpoint_statuses = [e.status for e in by_type[EndpointStateChangeEvent]]
    assert endpoint_statuses == ["Creating", "InService", "Updating", "InService"]
    rolled_back = by_type[EndpointStateChangeEvent][-1]
    assert rolled_back.endpoint_name == "churn"
    assert rolled_back.failure_reason is not None
    deployment_states = [d.state for d in by_type[EndpointDeploymentStateChangeEvent]]
    assert deployment_states == ["Creating", "Baking", "Updating"]
    alarm = by_type[AlarmStateChangeEvent][0]
    assert (alarm.alarm_name, alarm.state, alarm.previous_state) == ("churn-5xx", "ALARM", "OK")
