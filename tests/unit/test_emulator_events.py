"""Event builders produce events shaped like the real AWS samples in ../shared/aws-events (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mlopsctl.local.emulators.sagemaker import events
from tests.support.events import folder_samples, load_sample

T0 = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
ENVELOPE = {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
ENDPOINT = {
    "EndpointName": "churn",
    "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn",
    "EndpointConfigName": "churn-v1",
    "ProductionVariants": [{"VariantName": "AllTraffic", "CurrentInstanceCount": 2, "DesiredInstanceCount": 2}],
    "EndpointStatus": "InService",
    "CreationTime": T0,
    "LastModifiedTime": T0,
    "FailureReason": None,
    "Tags": {"team": "ml"},
}


DEPLOYMENT_FOLDER = "sagemaker-endpoint-deployment-state-change"


def sample_detail_keys(folder: str) -> set[str]:
    keys: set[str] = set()
    for document in folder_samples(folder):
        keys |= set(document.get("detail") or document.get("alarmData") or {})
    return keys


def built() -> dict[str, dict[str, Any]]:
    pending = {
        "EndpointConfigName": "churn-v2",
        "StartTime": T0,
        "ProductionVariants": [
            {
                "VariantName": "AllTraffic",
                "CurrentInstanceCount": 1,
                "DesiredInstanceCount": 2,
                "VariantStatus": [{"Status": "Baking", "StatusMessage": "Baking for 300 seconds", "StartTime": T0}],
            }
        ],
    }
    common = {"account": "123456789012", "region": "us-east-1", "time": T0}
    package = {
        "ModelPackageGroupName": "churn",
        "ModelPackageVersion": 3,
        "ModelPackageArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3",
        "CreationTime": T0,
        "InferenceSpecification": {"Containers": [{"Image": "img:1"}]},
        "ModelPackageStatus": "Completed",
        "ModelApprovalStatus": "PendingManualApproval",
        "CreatedBy": {"UserProfileName": "x"},
    }
    alarm_state = {"value": "ALARM", "reason": "Threshold Crossed", "reason_data": '{"version":"1.0"}', "timestamp": T0}
    return {
        "sagemaker-endpoint-state-change": events.endpoint_state_change(endpoint=ENDPOINT, **common),
        "sagemaker-endpoint-deployment-state-change": events.endpoint_deployment_state_change(
            endpoint={**ENDPOINT, "EndpointStatus": "Updating"}, pending=pending, **common
        ),
        "sagemaker-ground-truth-labeling-job-state-change": events.labeling_job_state_change(
            labeling_job_arn="arn:aws:sagemaker:us-east-1:123456789012:labeling-job/batch-1",
            status="Completed",
            **common,
        ),
        "sagemaker-pipeline-execution-status-change": events.pipeline_execution_status_change(
            pipeline_arn="arn:aws:sagemaker:us-east-1:123456789012:pipeline/training",
            execution_arn="arn:aws:sagemaker:us-east-1:123456789012:pipeline/training/execution/abc",
            status="Succeeded",
            previous_status="Executing",
            start_time=T0,
            end_time=T0,
            display_name="batch-1",
            description="training run",
            **common,
        ),
        "sagemaker-model-package-state-change": events.model_package_state_change(package=package, **common),
        "cloudwatch-alarm-state-change": events.alarm_state_change(
            alarm_name="churn-5xx",
            alarm_arn="arn:aws:cloudwatch:us-east-1:123456789012:alarm:churn-5xx",
            state=alarm_state,
            previous_state={**alarm_state, "value": "OK"},
            configuration={"description": "d", "metrics": []},
            **common,
        ),
    }


@pytest.mark.parametrize("folder", sorted(built()))
def test_built_event_has_the_envelope_and_only_detail_keys_real_samples_have(folder):
    event = built()[folder]

    assert set(event) == ENVELOPE
    assert event["version"] == "0"
    assert event["time"] == "2025-01-02T03:04:05Z"
    assert event["account"] == "123456789012"
    assert set(event["detail"]) <= sample_detail_keys(folder)


def test_endpoint_events_use_upper_snake_status_and_epoch_milliseconds():
    detail = built()["sagemaker-endpoint-state-change"]["detail"]

    assert detail["EndpointStatus"] == "IN_SERVICE"
    assert detail["CreationTime"] == 1735787045678
    assert detail["Tags"] == {"team": "ml"}
    assert "FailureReason" not in detail


def test_deployment_event_carries_the_pending_deployment_like_the_canary_sample():
    sample = load_sample(
        "sagemaker-endpoint-deployment-state-change/awsdocs-sm-devguide-2023-bluegreen-canary-baking.json"
    )
    detail = built()["sagemaker-endpoint-deployment-state-change"]["detail"]

    pending = detail["PendingDeploymentSummary"]
    assert set(pending) == set(sample["detail"]["PendingDeploymentSummary"])
    variant = pending["ProductionVariants"][0]
    assert set(variant) <= set(sample["detail"]["PendingDeploymentSummary"]["ProductionVariants"][0])
    assert variant["VariantStatus"] == [
        {"Status": "Baking", "StatusMessage": "Baking for 300 seconds", "StartTime": 1735787045678}
    ]
    assert detail["EndpointStatus"] == "UPDATING"


def test_labeling_event_carries_only_the_status_and_the_arn_in_resources():
    event = built()["sagemaker-ground-truth-labeling-job-state-change"]

    assert event["detail"] == {"LabelingJobStatus": "Completed"}
    assert event["resources"] == ["arn:aws:sagemaker:us-east-1:123456789012:labeling-job/batch-1"]


def test_pipeline_event_is_camel_case_with_both_arns_in_resources():
    event = built()["sagemaker-pipeline-execution-status-change"]

    assert event["detail"]["currentPipelineExecutionStatus"] == "Succeeded"
    assert event["detail"]["executionEndTime"] == "2025-01-02T03:04:05Z"
    assert event["resources"] == [event["detail"]["pipelineArn"], event["detail"]["pipelineExecutionArn"]]


def test_model_package_event_leaves_out_fields_events_do_not_carry():
    detail = built()["sagemaker-model-package-state-change"]["detail"]

    assert detail["CreationTime"] == "2025-01-02T03:04:05Z"
    assert "CreatedBy" not in detail
    assert "UpdatedModelPackageFields" not in detail


def test_alarm_event_uses_cloudwatch_timestamps_and_source():
    event = built()["cloudwatch-alarm-state-change"]

    assert event["source"] == "aws.cloudwatch"
    assert event["detail"]["state"]["timestamp"] == "2025-01-02T03:04:05.678+0000"
    assert event["detail"]["previousState"]["value"] == "OK"


def test_event_status_spelling():
    assert [events.event_status(s) for s in ("InService", "Updating", "SystemUpdating", "Failed")] == [
        "IN_SERVICE",
        "UPDATING",
        "SYSTEM_UPDATING",
        "FAILED",
    ]
