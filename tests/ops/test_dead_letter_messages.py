"""How ``mlopsctl dlq`` reads a dead letter's origin and route from what its sender put on it (moto, in process).

The local stack lands redriven and Lambda dead letters (tests/ops/test_dlq_*); EventBridge's own dead letters (an
event a rule could not deliver) it does not emulate, so they are sent here as EventBridge sends them, with the
attributes the EventBridge User Guide lists ("Using dead-letter queues to process undelivered events").
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from mlopsctl.ops.dead_letters import queue_named, read
from mlopsctl.ops.target import Target

TEMPLATE = {
    "Resources": {
        "DataArrivalDeadLetterQueue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "ops-da-dlq"}},
        "DataArrivalQueue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": "ops-da",
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": ["DataArrivalDeadLetterQueue", "Arn"]},
                    "maxReceiveCount": 5,
                },
            },
        },
        "TrainingEventsDeadLetterQueue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "ops-te-dlq"}},
    },
    "Outputs": {
        "DataArrivalDeadLetterQueueUrl": {"Value": {"Ref": "DataArrivalDeadLetterQueue"}},
        "TrainingEventsDeadLetterQueueUrl": {"Value": {"Ref": "TrainingEventsDeadLetterQueue"}},
    },
}
EVENT = {"source": "aws.sagemaker", "detail-type": "SageMaker Model Building Pipeline Execution Status Change"}
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:ops-pipelineeventsfunction"


@pytest.fixture
def target(monkeypatch: pytest.MonkeyPatch) -> Iterator[Target]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        boto3.client("cloudformation").create_stack(StackName="ops", TemplateBody=json.dumps(TEMPLATE))
        yield Target("ops")


def send(target: Target, queue: str, body: dict[str, str], **attributes: str) -> None:
    url = target.stack().output(queue)
    typed = {k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()}
    target.client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps(body), MessageAttributes=typed)


def test_an_eventbridge_dead_letter_names_its_rule_target_and_error_and_goes_back_to_that_target(
    target: Target,
) -> None:
    rule = "arn:aws:events:us-east-1:123456789012:rule/ops-pipelineeventsrule"
    error = {"ERROR_CODE": "SDK_CLIENT_ERROR", "ERROR_MESSAGE": "Function not found"}
    send(target, "TrainingEventsDeadLetterQueueUrl", EVENT, RULE_ARN=rule, TARGET_ARN=FUNCTION, **error)

    (letter,) = read(target, queue_named(target, "training-events"), 10)

    assert letter.failure == {
        "by": "eventbridge",
        "rule_arn": rule,
        "target_arn": FUNCTION,
        "error_code": "SDK_CLIENT_ERROR",
        "error_message": "Function not found",
    }
    assert letter.route is not None
    assert (letter.route.kind, letter.route.to) == ("invoke", FUNCTION)


def test_a_lambda_dead_letter_of_an_event_no_function_of_the_queue_consumes_has_no_route(target: Target) -> None:
    foreign = {"source": "aws.s3", "detail-type": "Object Created"}
    send(target, "TrainingEventsDeadLetterQueueUrl", foreign, RequestID="r-1", ErrorMessage="boom")

    (letter,) = read(target, queue_named(target, "training-events"), 10)

    assert letter.failure["by"] == "lambda"
    assert letter.route is None
    assert "cannot tell" in (letter.unroutable or "")


def test_a_redriven_dead_letter_goes_back_to_the_queue_whose_redrive_policy_names_its_queue(target: Target) -> None:
    send(target, "DataArrivalDeadLetterQueueUrl", {"source": "aws.s3", "detail-type": "Object Created"})

    queue = queue_named(target, "DataArrivalDeadLetterQueueUrl")
    (letter,) = read(target, queue, 10)

    assert queue.kind == "redrive"
    assert letter.failure["by"] == "sqs-redrive"
    assert letter.route is not None
    assert (letter.route.kind, letter.route.to.rsplit("/", 1)[-1]) == ("redrive", "ops-da")
