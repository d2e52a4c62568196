"""Malformed or oversized fields are refused by ``parse_event`` (#12, point 9), never more permissively than AWS.

The oracle is AWS's own API model, as botocore ships it (the constraints the API references print): whatever the
parser accepts satisfies the API's length and pattern for that field, and every documented enumeration value is
accepted. Property tests feed each model's fields arbitrary text; the outcome is the model or ``InvalidEventError``,
never anything else, and never slow.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import botocore.session
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_core.events import EventError, InvalidEventError, arns, parse_event
from mlops_core.events.values import (
    ALARM_STATES,
    APPROVAL_STATUSES,
    ENDPOINT_STATUSES,
    LABELING_JOB_STATUSES,
    MODEL_PACKAGE_STATUSES,
    PIPELINE_EXECUTION_STATUSES,
    VARIANT_STATUSES,
    upper_snake,
)
from tests.support.events import project_event as sample

SESSION = botocore.session.get_session()
SAGEMAKER = SESSION.get_service_model("sagemaker")
CLOUDWATCH = SESSION.get_service_model("cloudwatch")
HUGE = 100_000


def shape(model: Any, name: str) -> dict[str, Any]:
    found: dict[str, Any] = model.shape_for(name).metadata
    return found


def api_pattern(model: Any, name: str) -> re.Pattern[str]:
    """The API's pattern for a shape, anchored at the start as the service applies it (Java ``matches``: whole)."""
    return re.compile(shape(model, name)["pattern"])


def package(**detail: Any) -> dict[str, Any]:
    event = sample("model_package_approved.json")
    event["detail"].update(detail)
    if "ModelPackageArn" in detail:
        event["resources"] = [detail["ModelPackageArn"]]
    return event


def alarm(**changes: Any) -> dict[str, Any]:
    event = sample("alarm_state_alarm.json")
    event.update(changes)
    return event


def endpoint(**detail: Any) -> dict[str, Any]:
    event = sample("endpoint_state_in_service.json")
    event["detail"].update(detail)
    if "EndpointArn" in detail:
        event["resources"] = [detail["EndpointArn"]]
    return event


def labeling(arn: str) -> dict[str, Any]:
    event = sample("labeling_job_completed.json")
    event["resources"] = [arn]
    return event


def pipeline(**detail: Any) -> dict[str, Any]:
    event = sample("pipeline_execution_succeeded.json")
    event["detail"].update(detail)
    event["resources"] = [event["detail"]["pipelineArn"], event["detail"]["pipelineExecutionArn"]]
    return event


def object_created(key: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(sample("data_arrival_sqs.json")["Records"][0]["body"])
    event["detail"]["object"]["key"] = key
    return event


def outcome(raw: dict[str, Any]) -> Any:
    """The parsed event, or the ``InvalidEventError``; any other exception fails the test."""
    try:
        return parse_event(raw)
    except InvalidEventError as error:
        return error


# -- the limits are AWS's ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ours", "model", "name"),
    [
        (APPROVAL_STATUSES, SAGEMAKER, "ModelApprovalStatus"),
        (MODEL_PACKAGE_STATUSES, SAGEMAKER, "ModelPackageStatus"),
        (ENDPOINT_STATUSES, SAGEMAKER, "EndpointStatus"),
        (VARIANT_STATUSES, SAGEMAKER, "VariantStatus"),
        (PIPELINE_EXECUTION_STATUSES, SAGEMAKER, "PipelineExecutionStatus"),
        (LABELING_JOB_STATUSES, SAGEMAKER, "LabelingJobStatus"),
        (ALARM_STATES, CLOUDWATCH, "StateValue"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_each_enumeration_is_the_api_references(ours: tuple[str, ...], model: Any, name: str) -> None:
    assert set(ours) == set(model.shape_for(name).enum)


@pytest.mark.parametrize(
    ("ours", "model", "name", "bound"),
    [
        (arns.MAX_MODEL_PACKAGE_ARN, SAGEMAKER, "ModelPackageArn", "max"),
        (arns.MIN_ENDPOINT_ARN, SAGEMAKER, "EndpointArn", "min"),
        (arns.MAX_ARN, SAGEMAKER, "EndpointArn", "max"),
        (arns.MAX_ARN, SAGEMAKER, "LabelingJobArn", "max"),
        (arns.MAX_ARN, SAGEMAKER, "PipelineExecutionArn", "max"),
        (arns.MAX_SAGEMAKER_NAME, SAGEMAKER, "EntityName", "max"),
        (arns.MAX_SAGEMAKER_NAME, SAGEMAKER, "EndpointName", "max"),
        (arns.MAX_PIPELINE_NAME, SAGEMAKER, "PipelineName", "max"),
        (arns.MAX_ALARM_ARN, CLOUDWATCH, "AlarmArn", "max"),
        (arns.MAX_ALARM_NAME, CLOUDWATCH, "AlarmName", "max"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_each_length_limit_is_the_api_references(ours: int, model: Any, name: str, bound: str) -> None:
    assert ours == shape(model, name)[bound]


# -- property tests: accepted means within AWS's constraints -------------------------------------------------------

ARN_PART = st.sampled_from(["aws", "aws-cn", "aws-us-gov", "AWS", "", "aws_", "arn", "x"])
REGION_PART = st.sampled_from(["us-east-1", "eu-west-3", "us-gov-west-1", "US-EAST-1", "", "us-east", "moon-1"])
ACCOUNT_PART = st.sampled_from(["123456789012", "12345678901", "1234567890123", "", "abcdefghijkl", "aws"])
NAME = st.text(alphabet="abcXYZ019-_. /:", min_size=0, max_size=70)
VERSION = st.sampled_from(["3", "0", "01", "-1", "", "x", "3/4", "2147483647", "2147483648"])


@st.composite
def package_arns(draw: st.DrawFn) -> str:
    return (
        f"{draw(st.sampled_from(['arn', 'ARN', 'arn:']))}:{draw(ARN_PART)}:{draw(st.sampled_from(['sagemaker', 's3']))}"
        f":{draw(REGION_PART)}:{draw(ACCOUNT_PART)}:{draw(st.sampled_from(['model-package/', 'model/', '']))}"
        f"{draw(NAME)}/{draw(VERSION)}"
    )


@settings(max_examples=400)
@given(package_arns())
def test_an_accepted_model_package_arn_satisfies_the_api_pattern(arn: str) -> None:
    group, _, version = arn.rsplit(":", 1)[-1].removeprefix("model-package/").rpartition("/")
    parsed = outcome(package(ModelPackageArn=arn, ModelPackageGroupName=group or "g", ModelPackageVersion=version))
    if isinstance(parsed, EventError):
        return
    assert api_pattern(SAGEMAKER, "ModelPackageArn").match(arn)
    assert len(arn) <= arns.MAX_MODEL_PACKAGE_ARN
    assert re.fullmatch(shape(SAGEMAKER, "EntityName")["pattern"], parsed.model_package_group_name)
    assert 1 <= parsed.model_package_version <= 2**31 - 1


@settings(max_examples=300)
@given(NAME, REGION_PART, ACCOUNT_PART)
def test_an_accepted_endpoint_event_names_an_endpoint_as_the_api_does(name: str, region: str, account: str) -> None:
    arn = f"arn:aws:sagemaker:{region}:{account}:endpoint/{name.lower()}"
    parsed = outcome(endpoint(EndpointName=name, EndpointArn=arn))
    if isinstance(parsed, EventError):
        return
    assert api_pattern(SAGEMAKER, "EndpointArn").match(arn)
    assert re.fullmatch(shape(SAGEMAKER, "EndpointName")["pattern"], parsed.endpoint_name)
    assert arns.REGION.fullmatch(region)
    assert arns.ACCOUNT.fullmatch(account)


@settings(max_examples=300)
@given(NAME, REGION_PART, ACCOUNT_PART)
def test_an_accepted_labeling_event_names_a_job_as_the_api_does(name: str, region: str, account: str) -> None:
    arn = f"arn:aws:sagemaker:{region}:{account}:labeling-job/{name}"
    parsed = outcome(labeling(arn))
    if isinstance(parsed, EventError):
        return
    assert api_pattern(SAGEMAKER, "LabelingJobArn").match(arn)
    assert re.fullmatch(shape(SAGEMAKER, "LabelingJobName")["pattern"], parsed.labeling_job_name)


@settings(max_examples=300)
@given(NAME, st.text(alphabet="abc019/_-<>", max_size=20))
def test_an_accepted_pipeline_event_names_an_execution_as_the_api_does(name: str, execution_id: str) -> None:
    pipeline_arn = f"arn:aws:sagemaker:us-east-1:123456789012:pipeline/{name}"
    execution_arn = f"{pipeline_arn}/execution/{execution_id}"
    parsed = outcome(pipeline(pipelineArn=pipeline_arn, pipelineExecutionArn=execution_arn))
    if isinstance(parsed, EventError):
        return
    assert api_pattern(SAGEMAKER, "PipelineArn").match(pipeline_arn)
    assert api_pattern(SAGEMAKER, "PipelineExecutionArn").match(execution_arn)
    assert re.fullmatch(shape(SAGEMAKER, "PipelineName")["pattern"], parsed.pipeline_name)


@settings(max_examples=300)
@given(st.text(min_size=0, max_size=300))
def test_an_accepted_alarm_event_names_its_alarm_within_cloudwatchs_limits(name: str) -> None:
    arn = f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}"
    raw = alarm(resources=[arn])
    raw["detail"]["alarmName"] = name
    parsed = outcome(raw)
    if isinstance(parsed, EventError):
        return
    assert 1 <= len(parsed.alarm_name) <= shape(CLOUDWATCH, "AlarmName")["max"]
    assert len(arn) <= shape(CLOUDWATCH, "AlarmArn")["max"]


def labeling_status(status: str) -> dict[str, Any]:
    return {**sample("labeling_job_completed.json"), "detail": {"LabelingJobStatus": status}}


STATUS_FIELDS: list[tuple[Callable[[str], dict[str, Any]], tuple[str, ...], Callable[[Any], str]]] = [
    (lambda text: package(ModelApprovalStatus=text), APPROVAL_STATUSES, lambda e: e.approval_status),
    (lambda text: package(ModelPackageStatus=text), MODEL_PACKAGE_STATUSES, lambda e: e.model_package_status),
    (lambda text: endpoint(EndpointStatus=text), ENDPOINT_STATUSES, lambda e: e.status),
    (lambda text: pipeline(currentPipelineExecutionStatus=text), PIPELINE_EXECUTION_STATUSES, lambda e: e.status),
    (labeling_status, LABELING_JOB_STATUSES, lambda e: e.status),
]
ENDPOINT_FIELD = 2
DOCUMENTED = [value for _, values, _ in STATUS_FIELDS for value in values] + list(ALARM_STATES)
OTHER_SPELLINGS = [str.lower, str.upper, lambda t: f" {t}", lambda t: upper_snake(t).lower()]


def sent_spellings(index: int, documented: tuple[str, ...]) -> dict[str, str]:
    """What AWS sends for the field, mapped to the API spelling: the value itself, and for ``EndpointStatus`` its
    upper snake case (SageMaker's endpoint events)."""
    sent = {value: value for value in documented}
    if index == ENDPOINT_FIELD:
        sent |= {upper_snake(value): value for value in documented}
    return sent


@settings(max_examples=500)
@given(
    st.sampled_from(range(len(STATUS_FIELDS))),
    st.one_of(
        st.sampled_from(DOCUMENTED),
        st.builds(lambda value, spell: spell(value), st.sampled_from(DOCUMENTED), st.sampled_from(OTHER_SPELLINGS)),
        st.text(max_size=30),
        st.sampled_from(["APPROVED_BY_ME", "Approvedd"]),
    ),
)
def test_a_status_outside_the_documented_set_is_invalid_and_a_documented_one_is_read(index: int, text: str) -> None:
    build, documented, read = STATUS_FIELDS[index]
    parsed = outcome(build(text))
    known = sent_spellings(index, documented)
    if text in known:
        assert not isinstance(parsed, EventError), parsed
        assert read(parsed) == known[text]
    else:
        assert isinstance(parsed, InvalidEventError)


@pytest.mark.parametrize("state", ["ALARMING", "alarm!", "OKAY", "", "UNKNOWN"])
def test_an_alarm_state_outside_cloudwatchs_values_is_invalid(state: str) -> None:
    raw = alarm()
    raw["detail"]["state"]["value"] = state
    with pytest.raises(InvalidEventError, match=r"detail\.state\.value"):
        parse_event(raw)


@settings(max_examples=300)
@given(st.integers(min_value=-(2**40), max_value=2**40))
def test_a_version_is_a_positive_32_bit_integer(version: int) -> None:
    arn = f"arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-dev-models/{version}"
    parsed = outcome(package(ModelPackageVersion=version, ModelPackageArn=arn))
    assert isinstance(parsed, EventError) == (not 1 <= version <= 2**31 - 1)


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="%"), min_size=1, max_size=700))
def test_an_s3_key_is_at_most_1024_bytes_of_utf8(suffix: str) -> None:
    key = f"incoming/{suffix}"
    parsed = outcome(object_created(key))
    if len(key.encode()) > arns.MAX_S3_KEY_BYTES:
        assert isinstance(parsed, InvalidEventError)
        assert "1024" in parsed.reason
    elif not isinstance(parsed, EventError):
        assert parsed.key == key


def test_a_key_of_exactly_1024_bytes_is_read_and_one_more_byte_is_invalid() -> None:
    key = "incoming/" + "é" * ((1024 - len("incoming/")) // 2) + "x"
    assert len(key.encode()) == 1024
    assert parse_event(object_created(key)).key == key  # type: ignore[union-attr]
    with pytest.raises(InvalidEventError, match="1025 bytes"):
        parse_event(object_created(key + "y"))


# -- 100 KB fields are refused at once, and never echoed ----------------------------------------------------------


def _huge_package_arn() -> dict[str, Any]:
    return package(ModelPackageArn="arn:aws:sagemaker:us-east-1:123456789012:model-package/" + "g" * HUGE + "/3")


def _huge_alarm_arn() -> dict[str, Any]:
    return alarm(resources=["arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + "a" * HUGE])


def _huge_endpoint_arn() -> dict[str, Any]:
    return endpoint(EndpointArn="arn:aws:sagemaker:us-east-1:123456789012:endpoint/" + "e" * HUGE)


def _huge_key() -> dict[str, Any]:
    return object_created("incoming/" + "%41" * HUGE)


def _huge_resource() -> dict[str, Any]:
    raw = labeling(sample("labeling_job_completed.json")["resources"][0])
    raw["resources"] = [raw["resources"][0], "arn:aws:s3:::" + "b" * HUGE]
    return raw


def _huge_status() -> dict[str, Any]:
    return package(ModelApprovalStatus="Approved" * (HUGE // 8))


@pytest.mark.parametrize(
    "build", [_huge_package_arn, _huge_alarm_arn, _huge_endpoint_arn, _huge_key, _huge_resource, _huge_status]
)
def test_a_100_kb_field_is_refused_quickly_with_a_short_reason(build: Callable[[], dict[str, Any]]) -> None:
    raw = build()
    started = time.perf_counter()
    with pytest.raises(InvalidEventError) as excinfo:
        parse_event(raw)
    elapsed = time.perf_counter() - started
    assert elapsed < 0.05, f"{elapsed:.3f} s to refuse"
    assert len(excinfo.value.reason) < 1000


# -- the ARN and the detail agree --------------------------------------------------------------------------------


def test_a_package_arn_of_another_version_than_the_details_is_invalid() -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-dev-models/7"
    with pytest.raises(InvalidEventError, match="names version 7, the detail says 3"):
        parse_event(package(ModelPackageArn=arn))


def test_a_package_arn_of_another_group_than_the_details_is_invalid() -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/their-models/3"
    with pytest.raises(InvalidEventError, match="names group 'their-models', the detail says 'mlops-dev-models'"):
        parse_event(package(ModelPackageArn=arn))


def test_a_package_arn_spells_the_group_in_lower_case_as_sagemaker_does() -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-dev-models/3"
    parsed = parse_event(package(ModelPackageArn=arn, ModelPackageGroupName="MLOps-Dev-Models"))
    assert parsed.model_package_group_name == "MLOps-Dev-Models"  # type: ignore[union-attr]


def test_an_unversioned_package_arn_is_invalid() -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-dev-models"
    with pytest.raises(InvalidEventError, match="not a versioned package"):
        parse_event(package(ModelPackageArn=arn))


def test_an_alarm_arn_naming_another_alarm_than_the_detail_is_invalid() -> None:
    raw = alarm(resources=["arn:aws:cloudwatch:us-east-1:123456789012:alarm:someone-elses-alarm"])
    with pytest.raises(InvalidEventError, match="names alarm 'someone-elses-alarm'"):
        parse_event(raw)


def test_an_endpoint_arn_naming_another_endpoint_than_the_detail_is_invalid() -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/another-endpoint"
    with pytest.raises(InvalidEventError, match="names endpoint 'another-endpoint'"):
        parse_event(endpoint(EndpointArn=arn))


@pytest.mark.parametrize(
    "raw",
    [
        package(ModelPackageArn="arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-dev-models/3"),
        package(ModelPackageArn="arn:aws-us-gov:sagemaker:us-gov-west-1:123456789012:model-package/mlops-dev-models/3"),
        endpoint(EndpointName="MyEndpoint", EndpointArn="arn:aws:sagemaker:us-east-1:123456789012:endpoint/myendpoint"),
        labeling("arn:aws-cn:sagemaker:cn-north-1:123456789012:labeling-job/UnitTestLabeling"),
        pipeline(
            pipelineArn="arn:aws:sagemaker:us-east-1:123456789012:pipeline/myPipeline-123",
            pipelineExecutionArn="arn:aws:sagemaker:us-east-1:123456789012:pipeline/mypipeline-123/execution/p4jn9xou8a8s",
        ),
        alarm(resources=["arn:aws:cloudwatch:us-east-1:123456789012:alarm:mlops-dev-endpoint-5xx"]),
    ],
    ids=["package", "package-govcloud", "endpoint-lower-case-arn", "labeling-china", "pipeline", "alarm"],
)
def test_well_formed_arns_of_each_kind_are_read(raw: dict[str, Any]) -> None:
    assert not isinstance(outcome(raw), EventError)
