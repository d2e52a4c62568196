"""The normalisations every consumer relies on: one spelling per status, decoded keys, int versions; and the
strictness: what AWS does not send (another spelling of a status or a detail-type) is refused."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from mlops_core.events import (
    AlarmStateChangeEvent,
    EndpointDeploymentStateChangeEvent,
    EndpointStateChangeEvent,
    InvalidEventError,
    ModelPackageStateChangeEvent,
    S3ObjectCreatedEvent,
    UnsupportedEventError,
    parse_event,
)

ENVELOPE = {
    "version": "0",
    "id": "0bd4a141-0a02-9d8a-f977-3924c3fb259c",
    "source": "aws.sagemaker",
    "account": "123456789012",
    "time": "2024-06-11T15:36:12Z",
    "region": "us-east-1",
}
ENDPOINT_ARN = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/mlops-dev-endpoint"


def event(detail_type: str, detail: dict[str, Any], **envelope: Any) -> dict[str, Any]:
    return ENVELOPE | {"detail-type": detail_type, "resources": [], "detail": detail} | envelope


def endpoint(status: object) -> dict[str, Any]:
    detail = {"EndpointName": "mlops-dev-endpoint", "EndpointArn": ENDPOINT_ARN, "EndpointStatus": status}
    return event("SageMaker Endpoint State Change", detail, resources=[ENDPOINT_ARN])


def s3_key(key: str) -> dict[str, Any]:
    detail = {"bucket": {"name": "my-bucket"}, "object": {"key": key, "size": 1, "etag": "e"}}
    return event("Object Created", detail, source="aws.s3")


def package(**detail: Any) -> dict[str, Any]:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-dev-models/3"
    base = {"ModelPackageGroupName": "mlops-dev-models", "ModelPackageVersion": 3, "ModelPackageArn": arn}
    return event("SageMaker Model Package State Change", base | {"ModelApprovalStatus": "Approved"} | detail)


def alarm(**detail: Any) -> dict[str, Any]:
    base = {"alarmName": "mlops-dev-endpoint-5xx", "state": {"value": "ALARM", "reason": "r"}}
    arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:mlops-dev-endpoint-5xx"
    return event("CloudWatch Alarm State Change", base | detail, source="aws.cloudwatch", resources=[arn])


def metric(name: str, *, returned: bool = True) -> dict[str, Any]:
    stat = {"metric": {"namespace": "AWS/SageMaker", "name": name, "dimensions": {"EndpointName": "e"}}}
    return {"id": name.lower(), "metricStat": stat | {"period": 60, "stat": "Sum"}, "returnData": returned}


# --- statuses: one spelling ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "api"),
    [
        ("IN_SERVICE", "InService"),
        ("InService", "InService"),
        ("UPDATING", "Updating"),
        ("CREATING", "Creating"),
        ("ROLLING_BACK", "RollingBack"),
        ("SYSTEM_UPDATING", "SystemUpdating"),
        ("OUT_OF_SERVICE", "OutOfService"),
        ("DELETING", "Deleting"),
        ("FAILED", "Failed"),
        ("UPDATE_ROLLBACK_FAILED", "UpdateRollbackFailed"),
    ],
)
def test_endpoint_status_takes_the_describe_endpoint_spelling(spelling: str, api: str) -> None:
    parsed = parse_event(endpoint(spelling))
    assert isinstance(parsed, EndpointStateChangeEvent)
    assert parsed.status == api


@pytest.mark.parametrize("spelling", ["in_service", "In Service", "inservice", "IN-SERVICE", " IN_SERVICE"])
def test_endpoint_status_spelt_otherwise_than_in_events_or_the_api_is_invalid(spelling: str) -> None:
    with pytest.raises(InvalidEventError, match=r"detail\.EndpointStatus: .* is not one of AWS's documented values"):
        parse_event(endpoint(spelling))


def test_endpoint_status_outside_the_documented_set_is_invalid_naming_the_allowed_values() -> None:
    with pytest.raises(InvalidEventError, match=r"EndpointStatus 'SOME_FUTURE_STATUS' is not one of .*InService"):
        parse_event(endpoint("SOME_FUTURE_STATUS"))


@pytest.mark.parametrize("state", ["ALARM", "OK", "INSUFFICIENT_DATA"])
def test_alarm_state_takes_the_cloudwatch_spelling(state: str) -> None:
    parsed = parse_event(alarm(state={"value": state}, previousState={"value": state}))
    assert isinstance(parsed, AlarmStateChangeEvent)
    assert (parsed.state, parsed.previous_state) == (state, state)


@pytest.mark.parametrize("spelling", ["alarm", "Ok", "insufficient_data"])
def test_alarm_state_in_another_case_is_invalid(spelling: str) -> None:
    with pytest.raises(InvalidEventError, match=r"detail\.state\.value: alarm state .* is not one of"):
        parse_event(alarm(state={"value": spelling}))


@pytest.mark.parametrize("status", ["Approved", "PendingManualApproval", "Rejected"])
def test_approval_status_takes_the_model_registry_spelling(status: str) -> None:
    parsed = parse_event(package(ModelApprovalStatus=status))
    assert isinstance(parsed, ModelPackageStateChangeEvent)
    assert parsed.approval_status == status


@pytest.mark.parametrize("spelling", ["APPROVED", "pending_manual_approval", "Pending Manual Approval"])
def test_approval_status_in_another_spelling_is_invalid(spelling: str) -> None:
    with pytest.raises(InvalidEventError, match=r"detail\.ModelApprovalStatus: ModelApprovalStatus .* is not one of"):
        parse_event(package(ModelApprovalStatus=spelling))


def test_endpoint_status_of_the_wrong_type_is_invalid() -> None:
    with pytest.raises(InvalidEventError, match=r"detail\.EndpointStatus"):
        parse_event(endpoint(3))


# --- model package version -----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [3, "3", " 3 ", 3.0])
def test_model_package_version_is_an_int_whatever_its_json_type(version: object) -> None:
    parsed = parse_event(package(ModelPackageVersion=version))
    assert isinstance(parsed, ModelPackageStateChangeEvent)
    assert parsed.model_package_version == 3
    assert type(parsed.model_package_version) is int


@pytest.mark.parametrize("version", ["3.5", 3.5, "v3", "", False, None, "³"])
def test_model_package_version_that_is_not_a_whole_number_is_invalid(version: object) -> None:
    with pytest.raises(InvalidEventError, match=r"detail\.ModelPackageVersion"):
        parse_event(package(ModelPackageVersion=version))


# --- S3 key: decoded exactly once ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("in_event", "stored"),
    [
        ("incoming/customer%20feedback.csv", "incoming/customer feedback.csv"),
        ("incoming/donn%C3%A9es-%C3%A9t%C3%A9.jsonl", "incoming/données-été.jsonl"),
        ("incoming/c%2B%2B.txt", "incoming/c++.txt"),
        ("incoming/c++.txt", "incoming/c++.txt"),  # a '+' is a literal plus in EventBridge keys, not a space
        ("incoming/100%2525.txt", "incoming/100%25.txt"),  # decoded once, never twice
        ("incoming/plain-key.txt", "incoming/plain-key.txt"),
        ("incoming/données.txt", "incoming/données.txt"),
    ],
)
def test_eventbridge_s3_key_is_percent_decoded_exactly_once(in_event: str, stored: str) -> None:
    parsed = parse_event(s3_key(in_event))
    assert isinstance(parsed, S3ObjectCreatedEvent)
    assert parsed.key == stored


def test_key_given_by_field_name_is_taken_as_already_decoded() -> None:
    built = S3ObjectCreatedEvent(
        id="1",
        source="aws.s3",
        detail_type="Object Created",
        account="123456789012",
        region="us-east-1",
        time=datetime(2024, 6, 11, tzinfo=UTC),
        bucket="my-bucket",
        key="incoming/100%25 done.txt",
        size=1,
        etag="e",
    )
    assert built.key == "incoming/100%25 done.txt"
    assert S3ObjectCreatedEvent.model_validate(built.model_dump()) == built


# --- envelope ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    ["SageMakerEndpointStateChange", "sagemaker endpoint state change", "SageMaker-Endpoint-State-Change"],
)
def test_detail_type_spelt_otherwise_than_aws_sends_it_is_unsupported(spelling: str) -> None:
    with pytest.raises(UnsupportedEventError, match=f"detail-type '{spelling}' from 'aws.sagemaker' is not consumed"):
        parse_event(endpoint("IN_SERVICE") | {"detail-type": spelling})


def test_a_model_validated_directly_checks_the_detail_type_exactly() -> None:
    with pytest.raises(ValidationError, match="expected detail-type 'SageMaker Endpoint State Change'"):
        EndpointStateChangeEvent.model_validate(
            endpoint("IN_SERVICE") | {"detail-type": "SageMakerEndpointStateChange"}
        )


def test_source_as_a_one_element_list_is_invalid() -> None:
    with pytest.raises(InvalidEventError, match="'source' must be a string"):
        parse_event(package() | {"source": ["aws.sagemaker"]})


def test_source_as_a_longer_list_is_invalid() -> None:
    with pytest.raises(InvalidEventError, match="'source' must be a string"):
        parse_event(package() | {"source": ["aws.sagemaker", "aws.s3"]})


def test_unknown_fields_anywhere_are_ignored() -> None:
    noisy = package(
        Brand_New_Field={"nested": [1, 2]},
        InferenceSpecification={"Containers": [{"Image": "img", "ModelDataUrl": "s3://m", "Extra": True}], "X": 1},
    )
    noisy |= {"replay-name": "replay", "unexpected": None}
    parsed = parse_event(noisy)
    assert isinstance(parsed, ModelPackageStateChangeEvent)
    assert (parsed.image_uri, parsed.model_data_url) == ("img", "s3://m")


def test_missing_version_and_resources_are_tolerated() -> None:
    raw = endpoint("IN_SERVICE")
    del raw["version"], raw["resources"]
    parsed = parse_event(raw)
    assert (parsed.version, parsed.resources) == (None, [])


def test_events_are_frozen() -> None:
    parsed = parse_event(endpoint("IN_SERVICE"))
    assert isinstance(parsed, EndpointStateChangeEvent)
    with pytest.raises(ValidationError, match="frozen"):
        parsed.status = "Failed"  # type: ignore[misc]


def test_envelope_time_in_epoch_ms_text_is_a_utc_datetime() -> None:
    parsed = parse_event(endpoint("IN_SERVICE") | {"time": "1583831889050"})
    assert parsed.time == datetime(2020, 3, 10, 9, 18, 9, 50000, UTC)


# --- deployment progress -------------------------------------------------------------------------------------


def deployment(**detail: Any) -> dict[str, Any]:
    base = {"EndpointName": "mlops-dev-endpoint", "EndpointArn": ENDPOINT_ARN, "EndpointStatus": "UPDATING"}
    return event("SageMaker Endpoint Deployment State Change", base | detail, resources=[ENDPOINT_ARN])


def variant(*statuses: tuple[str, str]) -> dict[str, Any]:
    entries = [{"Status": s, "StatusMessage": m, "StartTime": 1718120112000} for s, m in statuses]
    return {"VariantName": "AllTraffic", "VariantStatus": entries}


def test_pending_deployment_progress_wins_over_current_variants() -> None:
    raw = deployment(
        ProductionVariants=[variant(("Updating", "current"))],
        PendingDeploymentSummary={"EndpointConfigName": "new", "ProductionVariants": [variant(("Baking", "bake"))]},
    )
    parsed = parse_event(raw)
    assert isinstance(parsed, EndpointDeploymentStateChangeEvent)
    assert (parsed.state, parsed.reason, parsed.pending_endpoint_config_name) == ("Baking", "bake", "new")


def test_last_variant_status_is_the_deployments_state() -> None:
    raw = deployment(ProductionVariants=[variant(("Creating", "first"), ("ActivatingTraffic", "then"))])
    parsed = parse_event(raw)
    assert isinstance(parsed, EndpointDeploymentStateChangeEvent)
    assert (parsed.state, parsed.reason) == ("ActivatingTraffic", "then")


def test_without_variant_status_the_endpoint_status_and_failure_reason_are_the_state() -> None:
    parsed = parse_event(deployment(EndpointStatus="FAILED", FailureReason="Canary alarm fired; rolled back"))
    assert isinstance(parsed, EndpointDeploymentStateChangeEvent)
    assert (parsed.state, parsed.reason) == ("Failed", "Canary alarm fired; rolled back")
    assert parsed.endpoint_status == "Failed"


def test_deployment_event_without_any_status_is_invalid() -> None:
    raw = deployment()
    del raw["detail"]["EndpointStatus"]
    with pytest.raises(InvalidEventError, match="neither a VariantStatus nor an EndpointStatus"):
        parse_event(raw)


# --- alarm details -------------------------------------------------------------------------------------------


def test_single_metric_alarm_names_its_metric_and_dimensions() -> None:
    parsed = parse_event(alarm(configuration={"metrics": [metric("Invocation5XXErrors")]}))
    assert isinstance(parsed, AlarmStateChangeEvent)
    assert (parsed.metric_namespace, parsed.metric_name) == ("AWS/SageMaker", "Invocation5XXErrors")
    assert parsed.dimensions == {"EndpointName": "e"}


def test_metric_the_alarm_returns_is_primary_among_several() -> None:
    metrics = [metric("ModelLatency", returned=False), metric("Invocation4XXErrors")]
    parsed = parse_event(alarm(configuration={"metrics": metrics}))
    assert isinstance(parsed, AlarmStateChangeEvent)
    assert parsed.metric_name == "Invocation4XXErrors"
    assert [m.name for m in parsed.metrics] == ["ModelLatency", "Invocation4XXErrors"]


def test_threshold_in_configuration_wins_over_reason_data() -> None:
    state = {"value": "ALARM", "reasonData": '{"threshold": 5.0}'}
    parsed = parse_event(alarm(state=state, configuration={"threshold": 7}))
    assert isinstance(parsed, AlarmStateChangeEvent)
    assert parsed.threshold == 7.0
    assert parsed.reason_data == {"threshold": 5.0}


def test_reason_data_that_is_not_json_is_kept_as_text() -> None:
    parsed = parse_event(alarm(state={"value": "ALARM", "reasonData": "not {json"}))
    assert isinstance(parsed, AlarmStateChangeEvent)
    assert (parsed.reason_data, parsed.threshold) == ("not {json", None)


def test_alarm_arn_is_read_from_resources_only() -> None:
    """CloudWatch's EventBridge events carry the ARN in ``resources[0]``; a ``detail.alarmArn`` is not theirs."""
    arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:mlops-dev-endpoint-5xx"
    parsed = parse_event(alarm(alarmArn=arn))
    assert isinstance(parsed, AlarmStateChangeEvent)
    assert parsed.alarm_arn == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:mlops-dev-endpoint-5xx"


def test_alarm_without_an_alarm_arn_is_invalid() -> None:
    raw = copy.deepcopy(alarm())
    raw["resources"] = ["arn:aws:sagemaker:us-east-1:123456789012:endpoint/x"]
    with pytest.raises(InvalidEventError, match=r"alarm ARN .* names service 'sagemaker', expected 'cloudwatch'"):
        parse_event(raw)


def test_malformed_metrics_are_reported_not_guessed() -> None:
    with pytest.raises(InvalidEventError, match=r"detail\.configuration\.metrics"):
        parse_event(alarm(configuration={"metrics": ["m1"]}))
