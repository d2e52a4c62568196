"""The action log: entry format, JSON lines, the pretty timeline, and which AWS calls are recorded."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from mlopsctl.local.runtime.actionlog import STACK_USER_AGENT, ActionLog, AwsCallRecorder, jsonable


@pytest.fixture
def clock() -> list[float]:
    return [0.0]


@pytest.fixture
def log(clock: list[float]) -> ActionLog:
    return ActionLog(lambda: clock[0])


def test_entries_have_the_documented_shape_and_virtual_time(log: ActionLog, clock: list[float]) -> None:
    log.event("aws.s3", "Object Created")
    clock[0] = 60.0
    log.handler("DataArrivalFunction", "ignored", "no new objects")
    log.aws_call("sagemaker", "create_labeling_job", {"LabelingJobName": "job-1"})
    clock[0] = 900.5
    log.execution("DeployStateMachine", "FAILED", error="PreflightFailed", cause="variant renamed")

    assert log.entries() == [
        {"kind": "event", "source": "aws.s3", "detail_type": "Object Created", "t": 0.0},
        {"kind": "handler", "function": "DataArrivalFunction", "outcome": "ignored", "reason": "no new objects",
         "t": 60.0},
        {"kind": "aws_call", "service": "sagemaker", "operation": "create_labeling_job",
         "params": {"LabelingJobName": "job-1"}, "t": 60.0},
        {"kind": "execution", "state_machine": "DeployStateMachine", "status": "FAILED", "error": "PreflightFailed",
         "cause": "variant renamed", "t": 900.5},
    ]  # fmt: skip
    assert [e["kind"] for e in log.entries("handler")] == ["handler"]


def test_json_lines_are_one_object_per_line(log: ActionLog) -> None:
    log.event("aws.s3", "Object Created")
    log.handler("F", "ok", None)

    lines = log.json_lines().splitlines()
    assert [json.loads(line)["kind"] for line in lines] == ["event", "handler"]


def test_pretty_timeline_shows_offsets_marks_and_reasons(log: ActionLog, clock: list[float]) -> None:
    log.mark("item 1: s3.put_object")
    log.event("aws.s3", "Object Created")
    clock[0] = 3725.0
    log.handler("DataArrivalFunction", "error", "KeyError: 'x'")
    log.execution("DeployStateMachine", "SUCCEEDED")

    assert log.pretty().splitlines() == [
        "── item 1: s3.put_object",
        "+00:00:00  event     aws.s3  Object Created",
        "+01:02:05  handler   DataArrivalFunction → error  (KeyError: 'x')",
        "+01:02:05  execution DeployStateMachine → SUCCEEDED",
    ]


def test_parameters_are_made_json_safe() -> None:
    value = {
        "Body": b"hello",
        "Binary": b"\xff\x00",
        "When": datetime(2025, 1, 2, tzinfo=UTC),
        "Count": Decimal("3"),
        "Ratio": Decimal("0.5"),
        "Stream": io.BytesIO(b"x"),
        "Tags": ("a", "b"),
    }
    assert jsonable(value) == {
        "Body": "hello",
        "Binary": "base64:/wA=",
        "When": "2025-01-02T00:00:00+00:00",
        "Count": 3,
        "Ratio": 0.5,
        "Stream": "<stream>",
        "Tags": ["a", "b"],
    }


def test_recorder_logs_the_systems_calls_but_not_the_stacks_own(log: ActionLog) -> None:
    recorder = AwsCallRecorder(log)
    recorder.install()
    try:
        session = boto3.session.Session(region_name="us-east-1")
        system = session.client("sqs")
        own = session.client("sqs", config=Config(user_agent_extra=STACK_USER_AGENT))
        for client in (system, own):
            with Stubber(client) as stub:
                stub.add_response("list_queues", {"QueueUrls": []}, {"QueueNamePrefix": "x"})
                client.list_queues(QueueNamePrefix="x")
    finally:
        recorder.uninstall()

    assert [(e["service"], e["operation"], e["params"]) for e in log.entries("aws_call")] == [
        ("sqs", "list_queues", {"QueueNamePrefix": "x"})
    ]


def test_only_one_recorder_can_be_installed(log: ActionLog) -> None:
    first = AwsCallRecorder(log)
    first.install()
    try:
        with pytest.raises(RuntimeError, match="already recording"):
            AwsCallRecorder(log).install()
    finally:
        first.uninstall()


def test_a_failed_call_carries_its_aws_error_code_and_a_successful_one_none(log: ActionLog) -> None:
    recorder = AwsCallRecorder(log)
    recorder.install()
    try:
        client = boto3.session.Session(region_name="us-east-1").client("sqs")
        with Stubber(client) as stub:
            stub.add_response("list_queues", {"QueueUrls": []})
            stub.add_client_error("get_queue_url", service_error_code="QueueDoesNotExist", http_status_code=400)
            client.list_queues()
            with pytest.raises(client.exceptions.ClientError):
                client.get_queue_url(QueueName="gone")
    finally:
        recorder.uninstall()

    listed, asked = log.entries("aws_call")
    assert "error" not in listed
    assert "attempts" not in listed
    assert asked["error"] == "QueueDoesNotExist"


def test_pretty_timeline_shows_a_calls_error_and_its_attempts(log: ActionLog) -> None:
    failed = log.aws_call("dynamodb", "put_item", {"TableName": "ledger"})
    log.call_ended(failed, error="ProvisionedThroughputExceededException", attempts=5)
    retried = log.aws_call("sagemaker", "describe_endpoint", {"EndpointName": "e"})
    log.call_ended(retried, error=None, attempts=2)

    assert log.pretty().splitlines() == [
        "+00:00:00  call      dynamodb.put_item  TableName=ledger  → ProvisionedThroughputExceededException"
        "  (5 attempts)",
        "+00:00:00  call      sagemaker.describe_endpoint  EndpointName=e  (2 attempts)",
    ]
    assert [json.loads(line).get("error") for line in log.json_lines().splitlines()] == [
        "ProvisionedThroughputExceededException",
        None,
    ]
