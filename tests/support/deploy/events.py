"""Real-shaped EventBridge events for the deployment feature (shapes of ../shared/aws-events samples)."""

from __future__ import annotations

import json
from typing import Any

from mlops_core.events import AlarmStateChangeEvent, parse_event
from tests.support.fakes.deploy import ACCOUNT, GROUP, REGION, package_arn


def package_event(
    version: int,
    status: str,
    *,
    group: str = GROUP,
    event_id: str = "844e2571-85d4-695f-b930-0153b71dcb42",
    last_modified: str | None = "2024-05-01T12:00:00Z",
    updated_fields: list[str] | None = None,
) -> dict[str, Any]:
    """``SageMaker Model Package State Change`` as SageMaker sends it (AWS documentation sample's shape)."""
    arn = package_arn(version, group)
    detail: dict[str, Any] = {
        "ModelPackageGroupName": group,
        "ModelPackageVersion": version,
        "ModelPackageArn": arn,
        "CreationTime": "2024-05-01T11:00:00Z",
        "InferenceSpecification": {
            "Containers": [{"Image": "image:1", "ModelDataUrl": f"s3://artifacts/models/{version}/model.tar.gz"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        "ModelPackageStatus": "Completed",
        "ModelApprovalStatus": status,
    }
    if last_modified is not None:
        detail["LastModifiedTime"] = last_modified
    if updated_fields is not None:
        detail["UpdatedModelPackageFields"] = updated_fields
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "SageMaker Model Package State Change",
        "source": "aws.sagemaker",
        "account": ACCOUNT,
        "time": "2024-05-01T12:00:01Z",
        "region": REGION,
        "resources": [arn],
        "detail": detail,
    }


def endpoint_event(endpoint: str, status: str = "IN_SERVICE") -> dict[str, Any]:
    """``SageMaker Endpoint State Change`` (events spell the status ``IN_SERVICE``)."""
    endpoint_arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{endpoint.lower()}"
    return {
        "version": "0",
        "id": "d2921b5a-b0ad-cace-a8e3-0f159d018e06",
        "detail-type": "SageMaker Endpoint State Change",
        "source": "aws.sagemaker",
        "account": ACCOUNT,
        "time": "2024-05-01T12:10:00Z",
        "region": REGION,
        "resources": [endpoint_arn],
        "detail": {
            "EndpointName": endpoint,
            "EndpointArn": endpoint_arn,
            "EndpointConfigName": f"{endpoint}-config",
            "ProductionVariants": [{"DesiredWeight": 1.0, "DesiredInstanceCount": 2.0}],
            "EndpointStatus": status,
            "CreationTime": 1714564800000,
            "LastModifiedTime": 1714565400000,
            "Tags": {},
        },
    }


def deployment_event(endpoint: str, status: str = "UPDATING", variant_status: str | None = "Baking") -> dict[str, Any]:
    """``SageMaker Endpoint Deployment State Change`` (blue/green progress, canary sample's shape)."""
    event = endpoint_event(endpoint, status)
    event["detail-type"] = "SageMaker Endpoint Deployment State Change"
    if variant_status is not None:
        event["detail"]["PendingDeploymentSummary"] = {
            "EndpointConfigName": f"{endpoint}-config-2",
            "ProductionVariants": [
                {
                    "VariantName": "AllTraffic",
                    "CurrentInstanceCount": 1,
                    "DesiredInstanceCount": 2,
                    "VariantStatus": [{"Status": variant_status, "StatusMessage": "Baking for 300 seconds"}],
                }
            ],
        }
    return event


def alarm_event(
    name: str = "mlops-test-EndpointAlarm5xx-1A2B3C",
    state: str = "ALARM",
    *,
    at: str = "2024-05-01T12:30:00.000+0000",
    endpoint: str = "churn-endpoint",
    event_id: str = "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
) -> dict[str, Any]:
    """``CloudWatch Alarm State Change`` as CloudWatch sends it to EventBridge (the shape of events/)."""
    previous = "OK" if state == "ALARM" else "ALARM"
    reason_data = json.dumps({"version": "1.0", "statistic": "Sum", "period": 60, "threshold": 1.0})
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": "123456789012",
        "time": "2024-05-01T12:30:01Z",
        "region": "us-east-1",
        "resources": [f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}"],
        "detail": {
            "alarmName": name,
            "state": {"value": state, "reason": "Threshold Crossed: 12.0 >= 1.0", "reasonData": reason_data,
                      "timestamp": at},
            "previousState": {"value": previous, "reason": "Threshold Crossed", "timestamp": "2024-05-01T12:00:00Z"},
            "configuration": {
                "metrics": [
                    {
                        "id": "m1",
                        "metricStat": {
                            "metric": {
                                "namespace": "AWS/SageMaker",
                                "name": "Invocation5XXErrors",
                                "dimensions": {"EndpointName": endpoint, "VariantName": "AllTraffic"},
                            },
                            "period": 60,
                            "stat": "Sum",
                        },
                        "returnData": True,
                    }
                ]
            },
        },
    }  # fmt: skip


def parsed_alarm(**kwargs: Any) -> AlarmStateChangeEvent:
    event = parse_event(alarm_event(**kwargs))
    assert isinstance(event, AlarmStateChangeEvent)
    return event
