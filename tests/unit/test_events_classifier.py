"""parse_event classifies every delivery form, and says exactly what is wrong with a malformed event."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlops_core.errors import MlopsError
from mlops_core.events import (
    ConsumedEvent,
    EventError,
    InvalidEventError,
    LabelingJobStateChangeEvent,
    ModelPackageStateChangeEvent,
    S3ObjectCreatedEvent,
    UnsupportedEventError,
    parse_event,
    parse_sqs_batch,
)


def s3_created(**detail_object: Any) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "17793124-05d4-b198-2fde-7ededc63b103",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": "2024-06-11T10:15:01Z",
        "region": "us-east-1",
        "resources": ["arn:aws:s3:::mlops-dev-data-123456789012"],
        "detail": {
            "version": "0",
            "bucket": {"name": "mlops-dev-data-123456789012"},
            "object": {"key": "incoming/a.txt", "size": 5, "etag": "b1946ac92492d2347c6235b4d2611184"} | detail_object,
            "reason": "PutObject",
        },
    }


def model_package(**detail: Any) -> dict[str, Any]:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-dev-models/3"
    return {
        "version": "0",
        "id": "844e2571-85d4-695f-b930-0153b71dcb42",
        "detail-type": "SageMaker Model Package State Change",
        "source": "aws.sagemaker",
        "account": "123456789012",
        "time": "2024-06-11T15:30:10Z",
        "region": "us-east-1",
        "resources": [arn],
        "detail": {
            "ModelPackageGroupName": "mlops-dev-models",
            "ModelPackageVersion": 3,
            "ModelPackageArn": arn,
            "ModelApprovalStatus": "Approved",
        }
        | detail,
    }


def sqs_record(body: str, message_id: str = "m-1") -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": "AQEB...",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:mlops-dev-DataArrivalQueue-x",
        "awsRegion": "us-east-1",
    }


# --- delivery forms -----------------------------------------------------------------------------------------


def test_eventbridge_dict_json_text_and_bytes_give_the_same_event() -> None:
    event = s3_created()
    text = json.dumps(event)
    assert parse_event(event) == parse_event(text) == parse_event(text.encode())


def test_sqs_record_whose_body_is_an_eventbridge_event_gives_that_event() -> None:
    assert parse_event(sqs_record(json.dumps(s3_created()))) == parse_event(s3_created())


def test_parse_event_does_not_change_its_input() -> None:
    event = model_package(ModelPackageVersion="3")
    before = copy.deepcopy(event)
    parse_event(event)
    assert event == before


def test_sqs_batch_is_refused_as_one_event_with_a_pointer_to_parse_sqs_batch() -> None:
    batch = {"Records": [sqs_record(json.dumps(s3_created()))]}
    with pytest.raises(InvalidEventError, match="parse_sqs_batch"):
        parse_event(batch)


def test_sqs_batch_gives_each_message_its_event_or_its_error() -> None:
    batch = {
        "Records": [
            sqs_record(json.dumps(s3_created()), "ok"),
            sqs_record("not json", "garbled"),
            sqs_record(json.dumps(s3_created() | {"detail-type": "Object Deleted"}), "deleted"),
        ]
    }
    results = dict(parse_sqs_batch(json.dumps(batch)))
    assert isinstance(results["ok"], S3ObjectCreatedEvent)
    assert isinstance(results["garbled"], InvalidEventError)
    assert "SQS message body is not valid JSON" in results["garbled"].reason
    assert isinstance(results["deleted"], UnsupportedEventError)
    assert list(results) == ["ok", "garbled", "deleted"]


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        ({"Messages": []}, "'Records' list missing"),
        ({"Records": [{"eventSource": "aws:s3"}]}, r"Records\[0\] is not an SQS record"),
        ({"Records": [{"eventSource": "aws:sqs", "body": "{}"}]}, r"Records\[0\] has no 'messageId'"),
    ],
)
def test_what_is_not_an_sqs_batch_is_refused_whole(batch: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidEventError, match=message):
        parse_sqs_batch(batch)


# --- unsupported: well-formed, not ours ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (s3_created() | {"detail-type": "Object Deleted"}, "'Object Deleted' from 'aws.s3' is not consumed"),
        (s3_created() | {"source": "my.app"}, "consumed from 'aws.s3' only, not from 'my.app'"),
        (
            {
                "version": "0",
                "id": "x",
                "detail-type": "Scheduled Event",
                "source": "aws.events",
                "account": "1",
                "time": "2024-01-01T00:00:00Z",
                "region": "us-east-1",
                "resources": [],
                "detail": {},
            },
            "'Scheduled Event' from 'aws.events' is not consumed",
        ),
        ({"Records": [{"eventSource": "aws:s3", "s3": {}}]}, "classic S3 event notification"),
        ({"Records": [{"EventSource": "aws:sns", "Sns": {}}]}, "SNS notification"),
        ({"Records": [{"eventSource": "aws:kinesis"}]}, "a batch of records from ['aws:kinesis']"),
        ({"source": "aws.cloudwatch", "alarmArn": "arn:aws:cloudwatch:::alarm:a", "alarmData": {}}, "Lambda-action"),
        ({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b"}, "S3 test event"),
        ({"Type": "Notification", "TopicArn": "arn:aws:sns:us-east-1:1:t", "Message": "{}"}, "SNS notification"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_well_formed_event_of_another_type_is_unsupported(event: dict[str, Any], reason: str) -> None:
    with pytest.raises(UnsupportedEventError) as excinfo:
        parse_event(event)
    assert reason in excinfo.value.reason


def test_unsupported_error_carries_source_and_detail_type_for_logs() -> None:
    with pytest.raises(UnsupportedEventError) as excinfo:
        parse_event(s3_created() | {"detail-type": "Object Deleted"})
    assert (excinfo.value.source, excinfo.value.detail_type) == ("aws.s3", "Object Deleted")


# --- invalid: malformed, with a reason that names the field --------------------------------------------------


def _without(event: dict[str, Any], *path: str) -> dict[str, Any]:
    trimmed = copy.deepcopy(event)
    node = trimmed
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return trimmed


def _with(event: dict[str, Any], value: Any, *path: str) -> dict[str, Any]:
    changed = copy.deepcopy(event)
    node = changed
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return changed


MALFORMED = [
    ("{not json", "event is not valid JSON"),
    ("[1, 2]", "event must be a JSON object, got list"),
    ("42", "event must be a JSON object, got int"),
    (b"\xff\xfe", "event is not UTF-8 text"),
    ({"hello": "world"}, "not an event this system recognises"),
    ({"source": "aws.s3", "detail": {}}, "missing 'detail-type'"),
    (s3_created() | {"detail-type": 7}, "'detail-type' must be a string"),
    (s3_created() | {"source": None}, "'source' must be a string"),
    (_without(s3_created(), "detail"), "'detail' is missing"),
    (s3_created() | {"detail": "oops"}, "'detail' must be a JSON object, got str"),
    (_without(s3_created(), "detail", "object", "key"), "detail.object.key: Field required"),
    (_with(s3_created(), 42, "detail", "object", "key"), "detail.object.key: expected a string, got int"),
    (_with(s3_created(), "a%FFb", "detail", "object", "key"), "does not percent-decode to UTF-8"),
    (_with(s3_created(), "big", "detail", "object", "size"), "detail.object.size"),
    (_with(s3_created(), -1, "detail", "object", "size"), "detail.object.size"),
    (_without(s3_created(), "detail", "bucket"), "detail.bucket.name: Field required"),
    (_without(s3_created(), "id"), "id: Field required"),
    (_with(s3_created(), "a", "resources"), "resources"),
    (
        _with(model_package(), "three", "detail", "ModelPackageVersion"),
        "detail.ModelPackageVersion: expected an integer",
    ),
    (_with(model_package(), True, "detail", "ModelPackageVersion"), "detail.ModelPackageVersion"),
    (_with(model_package(), 0, "detail", "ModelPackageVersion"), "detail.ModelPackageVersion"),
    (_with(model_package(), "", "detail", "ModelApprovalStatus"), "detail.ModelApprovalStatus: status is empty"),
    (_with(model_package(), ["Approved"], "detail", "ModelApprovalStatus"), "detail.ModelApprovalStatus"),
    (_without(model_package(), "detail", "ModelApprovalStatus"), "detail.ModelApprovalStatus: Field required"),
    (sqs_record("{oops"), "SQS message body is not valid JSON"),
    (sqs_record("[]"), "SQS message body must be a JSON object"),
    (sqs_record(json.dumps(sqs_record("{}"))), "an SQS message body is itself an SQS record"),
    ({"messageId": "m", "eventSource": "aws:sqs", "body": 3}, "SQS record 'body' must be a string"),
    ({"Records": []}, "'Records' must be a non-empty list"),
]


@pytest.mark.parametrize(("event", "reason"), MALFORMED, ids=[reason for _, reason in MALFORMED])
def test_malformed_event_is_invalid_and_the_reason_names_the_problem(event: Any, reason: str) -> None:
    with pytest.raises(InvalidEventError) as excinfo:
        parse_event(event)
    assert reason in excinfo.value.reason


def test_invalid_reason_names_the_event_type_and_every_bad_field() -> None:
    event = _with(_with(model_package(), "x", "detail", "ModelPackageVersion"), "", "detail", "ModelApprovalStatus")
    with pytest.raises(InvalidEventError) as excinfo:
        parse_event(event)
    reason = excinfo.value.reason
    assert reason.startswith("invalid 'SageMaker Model Package State Change' event: ")
    assert "detail.ModelApprovalStatus:" in reason
    assert "detail.ModelPackageVersion:" in reason


@pytest.mark.parametrize("time", ["yesterday", "date", None])
def test_an_unreadable_envelope_time_is_invalid(time: object) -> None:
    with pytest.raises(InvalidEventError, match="time: "):
        parse_event(_with(s3_created(), time, "time"))


def test_every_event_error_is_an_mlops_error() -> None:
    assert issubclass(UnsupportedEventError, EventError)
    assert issubclass(InvalidEventError, EventError)
    assert issubclass(EventError, MlopsError)


def _assert_event_or_explained_error(raw: Any) -> None:
    outcome: object
    try:
        outcome = parse_event(raw)
    except EventError as error:
        outcome = error
    if isinstance(outcome, EventError):
        assert outcome.reason.strip()
    else:
        assert isinstance(outcome, ConsumedEvent)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30,
)
envelope_keys = st.sampled_from(
    ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail", "Records", "body"]
)


@given(st.dictionaries(envelope_keys | st.text(max_size=12), json_values, max_size=10))
def test_arbitrary_json_object_gives_an_event_or_an_event_error_never_anything_else(raw: dict[str, Any]) -> None:
    _assert_event_or_explained_error(raw)


@given(
    st.sampled_from([s3_created(), model_package()]),
    st.lists(
        st.sampled_from(
            ["detail", "object", "id", "time", "detail-type", "source", "ModelPackageVersion", "bucket", "key"]
        ),
        min_size=1,
        max_size=3,
    ),
    json_values,
)
def test_real_shapes_with_a_field_replaced_by_any_json_never_leak_a_validation_error(
    event: dict[str, Any], path: list[str], value: Any
) -> None:
    changed = copy.deepcopy(event)
    node: Any = changed
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node[path[-1]] = value
    _assert_event_or_explained_error(changed)


def test_labeling_event_without_resources_is_invalid_and_says_where_the_arn_should_be() -> None:
    event = {
        "version": "0",
        "id": "1",
        "detail-type": "SageMaker Ground Truth Labeling Job State Change",
        "source": "aws.sagemaker",
        "account": "123456789012",
        "time": "2024-01-01T00:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {"LabelingJobStatus": "Completed"},
    }
    with pytest.raises(InvalidEventError, match=r"resources\.0: the labeling job ARN is missing"):
        parse_event(event)
    event["resources"] = ["arn:aws:sagemaker:us-east-1:123456789012:training-job/x"]
    with pytest.raises(InvalidEventError, match="is not a labeling job ARN"):
        parse_event(event)
    event["resources"] = ["arn:aws:sagemaker:us-east-1:123456789012:labeling-job/cats"]
    parsed = parse_event(event)
    assert isinstance(parsed, LabelingJobStateChangeEvent)
    assert parsed.labeling_job_name == "cats"


def test_model_package_version_and_group_missing_from_detail_are_read_from_the_arn() -> None:
    event = _without(_without(model_package(), "detail", "ModelPackageVersion"), "detail", "ModelPackageGroupName")
    parsed = parse_event(event)
    assert isinstance(parsed, ModelPackageStateChangeEvent)
    assert (parsed.model_package_group_name, parsed.model_package_version) == ("mlops-dev-models", 3)


def test_parse_event_as_returns_the_model_or_names_what_was_expected() -> None:
    from mlops_core.events import ModelPackageStateChangeEvent, Origin, S3ObjectCreatedEvent, parse_event_as

    ours = Origin.of("123456789012", "us-east-1")
    parsed = parse_event_as(s3_created(), S3ObjectCreatedEvent, "an S3 object", origin=ours)
    assert isinstance(parsed, S3ObjectCreatedEvent)
    with pytest.raises(UnsupportedEventError) as excinfo:
        parse_event_as(s3_created(), ModelPackageStateChangeEvent, "a model package state change", origin=ours)
    assert excinfo.value.reason == "Object Created is not a model package state change"
    assert excinfo.value.detail_type == "Object Created"
