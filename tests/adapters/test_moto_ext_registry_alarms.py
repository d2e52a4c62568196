"""Model registry and CloudWatch alarms on moto with the project's extensions: the events AWS sends for them
(moto sends none), through boto3."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from mlopsctl.local.emulators.sagemaker.harness import START, settle
from mlopsctl.local.runtime.clock import VirtualClock

REGION = "us-east-1"
INFERENCE = {
    "Containers": [{"Image": "123.dkr.ecr.us-east-1.amazonaws.com/xgb:1", "ModelDataUrl": "s3://a/model.tar.gz"}],
    "SupportedContentTypes": ["text/csv"],
    "SupportedResponseMIMETypes": ["text/csv"],
}


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def emulator(clock: VirtualClock) -> Iterator[SageMakerEmulator]:
    with mock_aws():
        emulator = SageMakerEmulator(clock)
        emulator.install()
        yield emulator
        emulator.uninstall()


@pytest.fixture
def sm(emulator: SageMakerEmulator) -> Any:
    client = boto3.client("sagemaker", region_name=REGION)
    client.create_model_package_group(ModelPackageGroupName="Churn-Models")
    return client


@pytest.fixture
def cw(emulator: SageMakerEmulator) -> Any:
    client = boto3.client("cloudwatch", region_name=REGION)
    client.put_metric_alarm(
        AlarmName="churn-5xx",
        AlarmDescription="5xx errors on the churn endpoint",
        Namespace="AWS/SageMaker",
        MetricName="Invocation5XXErrors",
        Dimensions=[{"Name": "EndpointName", "Value": "churn"}, {"Name": "VariantName", "Value": "AllTraffic"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    return client


def test_new_model_package_is_announced_pending_manual_approval(sm, emulator, clock):
    arn = sm.create_model_package(ModelPackageGroupName="Churn-Models", InferenceSpecification=INFERENCE)[
        "ModelPackageArn"
    ]

    events = settle(emulator, clock)

    assert sm.describe_model_package(ModelPackageName=arn)["ModelApprovalStatus"] == "PendingManualApproval"
    assert len(events) == 1
    event = events[0]
    assert (event["source"], event["detail-type"], event["resources"]) == (
        "aws.sagemaker",
        "SageMaker Model Package State Change",
        [arn],
    )
    assert event["detail"]["ModelPackageGroupName"] == "Churn-Models"
    assert event["detail"]["ModelPackageVersion"] == 1
    assert event["detail"]["ModelApprovalStatus"] == "PendingManualApproval"
    assert event["detail"]["ModelPackageStatus"] == "Completed"
    assert event["detail"]["InferenceSpecification"] == INFERENCE
    assert event["detail"]["CreationTime"] == "2025-01-01T00:00:00Z"


def test_every_approval_status_change_is_announced(sm, emulator, clock):
    arn = sm.create_model_package(ModelPackageGroupName="Churn-Models", InferenceSpecification=INFERENCE)[
        "ModelPackageArn"
    ]
    settle(emulator, clock)

    clock.advance(60)
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved", ApprovalDescription="looks good")
    approved = settle(emulator, clock)
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    unchanged = settle(emulator, clock)
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Rejected", ApprovalDescription="alarm fired")
    rejected = settle(emulator, clock)

    assert [e["detail"]["ModelApprovalStatus"] for e in approved] == ["Approved"]
    assert approved[0]["detail"]["ApprovalDescription"] == "looks good"
    assert approved[0]["detail"]["UpdatedModelPackageFields"] == ["ModelApprovalStatus", "ApprovalDescription"]
    assert approved[0]["time"] == "2025-01-01T00:01:00Z"
    assert unchanged == []
    assert [e["detail"]["ModelApprovalStatus"] for e in rejected] == ["Rejected"]


def test_alarm_state_change_is_announced_with_previous_state_and_metric(cw, emulator, clock):
    clock.advance(120)
    cw.set_alarm_state(
        AlarmName="churn-5xx", StateValue="ALARM", StateReason="Threshold Crossed", StateReasonData='{"version":"1.0"}'
    )

    events = settle(emulator, clock)

    assert len(events) == 1
    event = events[0]
    assert (event["source"], event["detail-type"]) == ("aws.cloudwatch", "CloudWatch Alarm State Change")
    assert event["resources"] == ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:churn-5xx"]
    detail = event["detail"]
    assert detail["alarmName"] == "churn-5xx"
    assert detail["state"] == {
        "value": "ALARM",
        "reason": "Threshold Crossed",
        "reasonData": '{"version":"1.0"}',
        "timestamp": "2025-01-01T00:02:00.000+0000",
    }
    assert detail["previousState"]["value"] == "OK"
    assert detail["previousState"]["timestamp"] == "2025-01-01T00:00:00.000+0000"
    assert detail["configuration"]["description"] == "5xx errors on the churn endpoint"
    metric = detail["configuration"]["metrics"][0]["metricStat"]
    assert metric == {
        "metric": {
            "namespace": "AWS/SageMaker",
            "name": "Invocation5XXErrors",
            "dimensions": {"EndpointName": "churn", "VariantName": "AllTraffic"},
        },
        "period": 60,
        "stat": "Sum",
    }


def test_setting_the_same_alarm_state_again_is_not_announced(cw, emulator, clock):
    cw.set_alarm_state(AlarmName="churn-5xx", StateValue="ALARM", StateReason="first")
    settle(emulator, clock)

    cw.set_alarm_state(AlarmName="churn-5xx", StateValue="ALARM", StateReason="still")

    assert settle(emulator, clock) == []
    assert cw.describe_alarms(AlarmNames=["churn-5xx"])["MetricAlarms"][0]["StateReason"] == "still"


def test_installing_twice_patches_once(sm, emulator, clock):
    emulator.install()

    sm.create_model_package(ModelPackageGroupName="Churn-Models", InferenceSpecification=INFERENCE)

    assert len(settle(emulator, clock)) == 1


def test_nothing_is_announced_for_a_region_no_emulator_drives(emulator, clock):
    other = boto3.client("sagemaker", region_name="eu-west-1")
    other.create_model_package_group(ModelPackageGroupName="elsewhere")

    other.create_model_package(ModelPackageGroupName="elsewhere", InferenceSpecification=INFERENCE)

    assert settle(emulator, clock) == []


def test_an_update_changes_only_what_it_names_as_the_real_api_does(sm: Any) -> None:
    arn = sm.create_model_package(
        ModelPackageGroupName="Churn-Models",
        InferenceSpecification=INFERENCE,
        ModelApprovalStatus="PendingManualApproval",
        CustomerMetadataProperties={"DataBatchId": "batch-1", "MacroF1": "0.86"},
    )["ModelPackageArn"]
    sm.update_model_package(ModelPackageArn=arn, ApprovalDescription="awaiting review")
    assert sm.describe_model_package(ModelPackageName=arn)["ModelApprovalStatus"] == "PendingManualApproval"

    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    approved = sm.describe_model_package(ModelPackageName=arn)
    assert approved["ModelApprovalStatus"] == "Approved"
    assert approved["ApprovalDescription"] == "awaiting review"
    assert approved["CustomerMetadataProperties"] == {"DataBatchId": "batch-1", "MacroF1": "0.86"}

    sm.update_model_package(
        ModelPackageArn=arn,
        CustomerMetadataProperties={"Reviewer": "ana"},
        CustomerMetadataPropertiesToRemove=["MacroF1"],
    )
    annotated = sm.describe_model_package(ModelPackageName=arn)
    assert annotated["ModelApprovalStatus"] == "Approved"
    assert annotated["CustomerMetadataProperties"] == {"DataBatchId": "batch-1", "Reviewer": "ana"}


def _approved_package(sm: Any, emulator: SageMakerEmulator, clock: VirtualClock) -> str:
    arn: str = sm.create_model_package(ModelPackageGroupName="Churn-Models", InferenceSpecification=INFERENCE)[
        "ModelPackageArn"
    ]
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    settle(emulator, clock)
    return arn


def test_a_metadata_only_update_is_announced_with_the_fields_it_changed(sm, emulator, clock):
    arn = _approved_package(sm, emulator, clock)
    clock.advance(600)

    sm.update_model_package(ModelPackageArn=arn, CustomerMetadataProperties={"mlops-last-deployment-outcome": "X"})
    annotated = settle(emulator, clock)
    sm.update_model_package(ModelPackageArn=arn, ApprovalDescription="kept for the audit")
    described = settle(emulator, clock)

    (event,) = annotated
    assert event["detail"]["ModelApprovalStatus"] == "Approved"
    assert event["detail"]["UpdatedModelPackageFields"] == ["CustomerMetadataProperties"]
    assert event["detail"]["CustomerMetadataProperties"] == {"mlops-last-deployment-outcome": "X"}
    assert event["detail"]["LastModifiedTime"] == "2025-01-01T00:10:00Z"
    assert [e["detail"]["UpdatedModelPackageFields"] for e in described] == [["ApprovalDescription"]]


def test_an_update_that_changes_nothing_is_not_announced(sm, emulator, clock):
    arn = _approved_package(sm, emulator, clock)
    sm.update_model_package(ModelPackageArn=arn, CustomerMetadataProperties={"k": "v"})
    settle(emulator, clock)

    sm.update_model_package(ModelPackageArn=arn, CustomerMetadataProperties={"k": "v"}, ModelApprovalStatus="Approved")

    assert settle(emulator, clock) == []


def test_the_emulator_can_announce_updates_without_their_fields_as_most_real_events_do(clock):
    with mock_aws():
        emulator = SageMakerEmulator(clock, model_package_updated_fields=False)
        emulator.install()
        sm = boto3.client("sagemaker", region_name=REGION)
        sm.create_model_package_group(ModelPackageGroupName="Churn-Models")
        arn = _approved_package(sm, emulator, clock)

        sm.update_model_package(ModelPackageArn=arn, CustomerMetadataProperties={"k": "v"})
        events = settle(emulator, clock)
        emulator.uninstall()

    (event,) = events
    assert "UpdatedModelPackageFields" not in event["detail"]
    assert event["detail"]["CustomerMetadataProperties"] == {"k": "v"}


def test_one_call_can_choose_the_shape_of_the_events_it_causes(sm, emulator, clock):
    arn = _approved_package(sm, emulator, clock)

    with emulator.configured(model_package_updated_fields=False):
        sm.update_model_package(ModelPackageArn=arn, CustomerMetadataProperties={"k": "v"})
    sm.update_model_package(ModelPackageArn=arn, CustomerMetadataProperties={"k": "w"})
    first, second = settle(emulator, clock)

    assert "UpdatedModelPackageFields" not in first["detail"]
    assert second["detail"]["UpdatedModelPackageFields"] == ["CustomerMetadataProperties"]


def test_an_unknown_emulator_option_is_refused(emulator):
    with (
        pytest.raises(ValueError, match="unknown emulator option 'updated_fields'"),
        emulator.configured(updated_fields=False),
    ):
        pass
