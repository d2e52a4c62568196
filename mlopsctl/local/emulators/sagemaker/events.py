"""Builders of the EventBridge events AWS sends, shaped like the real samples in ``shared/aws-events`` (pure).

Every builder returns the event as EventBridge delivers it: ``version``, ``id``, ``detail-type``, ``source``,
``account``, ``time`` (ISO-8601, seconds, ``Z``), ``region``, ``resources``, ``detail``. Detail spellings follow the
samples: SageMaker endpoint events use upper snake status (``IN_SERVICE``) and epoch-millisecond times; pipeline
events use camelCase keys; Ground Truth events carry only ``LabelingJobStatus`` with the job ARN in
``resources[0]``; alarm events carry ``state``, ``previousState`` and ``configuration``.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

SAGEMAKER = "aws.sagemaker"
CLOUDWATCH = "aws.cloudwatch"
ENDPOINT_STATE_CHANGE = "SageMaker Endpoint State Change"
ENDPOINT_DEPLOYMENT_STATE_CHANGE = "SageMaker Endpoint Deployment State Change"
LABELING_JOB_STATE_CHANGE = "SageMaker Ground Truth Labeling Job State Change"
PIPELINE_EXECUTION_STATUS_CHANGE = "SageMaker Model Building Pipeline Execution Status Change"
MODEL_PACKAGE_STATE_CHANGE = "SageMaker Model Package State Change"
ALARM_STATE_CHANGE = "CloudWatch Alarm State Change"

_MODEL_PACKAGE_KEYS = (
    "ModelPackageGroupName",
    "ModelPackageVersion",
    "ModelPackageArn",
    "ModelPackageName",
    "ModelPackageDescription",
    "CreationTime",
    "InferenceSpecification",
    "ModelPackageStatus",
    "ModelPackageStatusDetails",
    "CertifyForMarketplace",
    "ModelApprovalStatus",
    "ApprovalDescription",
    "MetadataProperties",
    "ModelMetrics",
    "CustomerMetadataProperties",
    "LastModifiedTime",
)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso_time(value: datetime) -> str:
    """``2021-10-25T01:52:12Z``: the envelope's time format."""
    return _utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_ms(value: datetime) -> int:
    """Milliseconds since the epoch, as SageMaker endpoint events spell times."""
    return int(_utc(value).timestamp() * 1000)


def alarm_time(value: datetime) -> str:
    """``2019-10-02T17:04:40.989+0000``: CloudWatch's state timestamp format."""
    moment = _utc(value)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def event_status(api_status: str) -> str:
    """API spelling to event spelling: ``InService`` → ``IN_SERVICE``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", api_status).upper()


def envelope(
    *,
    detail_type: str,
    source: str,
    account: str,
    region: str,
    time: datetime,
    resources: Sequence[str],
    detail: Mapping[str, Any],
) -> dict[str, Any]:
    """An EventBridge event with a fresh id."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": iso_time(time),
        "region": region,
        "resources": list(resources),
        "detail": dict(detail),
    }


def _endpoint_detail(endpoint: Mapping[str, Any]) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "EndpointName": endpoint["EndpointName"],
        "EndpointArn": endpoint["EndpointArn"],
        "EndpointConfigName": endpoint.get("EndpointConfigName"),
        "ProductionVariants": copy.deepcopy(list(endpoint.get("ProductionVariants") or [])),
        "EndpointStatus": event_status(str(endpoint["EndpointStatus"])),
        "CreationTime": epoch_ms(endpoint["CreationTime"]),
        "LastModifiedTime": epoch_ms(endpoint["LastModifiedTime"]),
        "Tags": dict(endpoint.get("Tags") or {}),
    }
    if endpoint.get("FailureReason"):
        detail["FailureReason"] = endpoint["FailureReason"]
    return detail


def endpoint_state_change(*, account: str, region: str, time: datetime, endpoint: Mapping[str, Any]) -> dict[str, Any]:
    """``SageMaker Endpoint State Change`` from a DescribeEndpoint-shaped view (``Tags`` as a dict)."""
    return envelope(
        detail_type=ENDPOINT_STATE_CHANGE,
        source=SAGEMAKER,
        account=account,
        region=region,
        time=time,
        resources=[endpoint["EndpointArn"]],
        detail=_endpoint_detail(endpoint),
    )


def endpoint_deployment_state_change(
    *, account: str, region: str, time: datetime, endpoint: Mapping[str, Any], pending: Mapping[str, Any]
) -> dict[str, Any]:
    """``SageMaker Endpoint Deployment State Change``: the endpoint plus its ``PendingDeploymentSummary``.

    ``pending`` holds ``EndpointConfigName``, ``StartTime`` and ``ProductionVariants`` whose ``VariantStatus``
    entries (``Status``, ``StatusMessage``, ``StartTime``) say what the deployment is doing.
    """
    summary: dict[str, Any] = {
        "EndpointConfigName": pending["EndpointConfigName"],
        "StartTime": epoch_ms(pending["StartTime"]),
        "ProductionVariants": [],
    }
    for variant in pending.get("ProductionVariants") or []:
        item = {k: v for k, v in variant.items() if k != "VariantStatus"}
        item["VariantStatus"] = [
            {**status, "StartTime": epoch_ms(status["StartTime"])} for status in variant.get("VariantStatus") or []
        ]
        summary["ProductionVariants"].append(item)
    detail = _endpoint_detail(endpoint)
    detail["PendingDeploymentSummary"] = summary
    return envelope(
        detail_type=ENDPOINT_DEPLOYMENT_STATE_CHANGE,
        source=SAGEMAKER,
        account=account,
        region=region,
        time=time,
        resources=[endpoint["EndpointArn"]],
        detail=detail,
    )


def labeling_job_state_change(
    *, account: str, region: str, time: datetime, labeling_job_arn: str, status: str
) -> dict[str, Any]:
    """``SageMaker Ground Truth Labeling Job State Change``: only the status; the ARN is ``resources[0]``."""
    return envelope(
        detail_type=LABELING_JOB_STATE_CHANGE,
        source=SAGEMAKER,
        account=account,
        region=region,
        time=time,
        resources=[labeling_job_arn],
        detail={"LabelingJobStatus": status},
    )


def pipeline_execution_status_change(
    *,
    account: str,
    region: str,
    time: datetime,
    pipeline_arn: str,
    execution_arn: str,
    status: str,
    previous_status: str | None,
    start_time: datetime,
    end_time: datetime | None = None,
    display_name: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """``SageMaker Model Building Pipeline Execution Status Change`` (camelCase detail, as AWS sends it)."""
    detail: dict[str, Any] = {
        "pipelineExecutionDisplayName": display_name or execution_arn.rsplit("/", 1)[-1],
        "currentPipelineExecutionStatus": status,
    }
    if previous_status:
        detail["previousPipelineExecutionStatus"] = previous_status
    detail["executionStartTime"] = iso_time(start_time)
    if end_time is not None:
        detail["executionEndTime"] = iso_time(end_time)
    if description:
        detail["pipelineExecutionDescription"] = description
    detail.update(pipelineArn=pipeline_arn, pipelineExecutionArn=execution_arn)
    return envelope(
        detail_type=PIPELINE_EXECUTION_STATUS_CHANGE,
        source=SAGEMAKER,
        account=account,
        region=region,
        time=time,
        resources=[pipeline_arn, execution_arn],
        detail=detail,
    )


def model_package_state_change(
    *,
    account: str,
    region: str,
    time: datetime,
    package: Mapping[str, Any],
    updated_fields: Sequence[str] | None = None,
) -> dict[str, Any]:
    """``SageMaker Model Package State Change`` from a DescribeModelPackage-shaped view of the package."""
    detail: dict[str, Any] = {}
    for key in _MODEL_PACKAGE_KEYS:
        value = package.get(key)
        if value is None:
            continue
        detail[key] = iso_time(value) if isinstance(value, datetime) else copy.deepcopy(value)
    if updated_fields:
        detail["UpdatedModelPackageFields"] = list(updated_fields)
    return envelope(
        detail_type=MODEL_PACKAGE_STATE_CHANGE,
        source=SAGEMAKER,
        account=account,
        region=region,
        time=time,
        resources=[package["ModelPackageArn"]],
        detail=detail,
    )


def _alarm_state(view: Mapping[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = {"value": view["value"], "reason": view.get("reason") or ""}
    reason_data = view.get("reason_data")
    if reason_data and reason_data != "{}":
        state["reasonData"] = reason_data
    timestamp = view.get("timestamp")
    if isinstance(timestamp, datetime):
        state["timestamp"] = alarm_time(timestamp)
    return state


def alarm_state_change(
    *,
    account: str,
    region: str,
    time: datetime,
    alarm_name: str,
    alarm_arn: str,
    state: Mapping[str, Any],
    previous_state: Mapping[str, Any],
    configuration: Mapping[str, Any],
) -> dict[str, Any]:
    """``CloudWatch Alarm State Change``; ``state``/``previous_state`` hold value, reason, reason_data, timestamp."""
    detail = {
        "alarmName": alarm_name,
        "state": _alarm_state(state),
        "previousState": _alarm_state(previous_state),
        "configuration": copy.deepcopy(dict(configuration)),
    }
    return envelope(
        detail_type=ALARM_STATE_CHANGE,
        source=CLOUDWATCH,
        account=account,
        region=region,
        time=time,
        resources=[alarm_arn],
        detail=detail,
    )
