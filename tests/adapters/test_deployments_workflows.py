"""Starting and resuming Deploy executions (moto Step Functions), and structured notifications (moto SNS)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mlops_core.aws.notifications import SnsNotifier, subject_line
from mlops_core.aws.workflows import StepFunctionsWorkflows, execution_arn

WAITING_DEFINITION = {
    "StartAt": "Wait",
    "States": {"Wait": {"Type": "Wait", "Seconds": 3600, "End": True}},
}


@pytest.fixture
def sfn() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("stepfunctions", region_name="us-east-1")


@pytest.fixture
def state_machine(sfn: Any) -> str:
    created = sfn.create_state_machine(
        name="mlops-test-deploy",
        definition=json.dumps(WAITING_DEFINITION),
        roleArn="arn:aws:iam::123456789012:role/mlops-test-deploy",
    )
    return str(created["stateMachineArn"])


def test_the_execution_arn_is_derived_from_the_state_machine_and_the_name() -> None:
    assert execution_arn("arn:aws:states:us-east-1:123456789012:stateMachine:deploy", "v3-abc") == (
        "arn:aws:states:us-east-1:123456789012:execution:deploy:v3-abc"
    )


def test_a_duplicate_start_is_treated_as_started(sfn: Any, state_machine: str) -> None:
    workflows = StepFunctionsWorkflows(sfn)
    first = workflows.start(state_machine, "mlops-test-v3-abc", {"request": {"model_package_version": 3}})
    again = workflows.start(state_machine, "mlops-test-v3-abc", {"request": {"model_package_version": 3}})
    changed = workflows.start(state_machine, "mlops-test-v3-abc", {"request": {"model_package_version": 3}, "x": 1})
    assert first.already_started is False
    assert again.execution_arn == first.execution_arn
    assert changed.already_started is True
    assert changed.execution_arn == first.execution_arn
    assert len(sfn.list_executions(stateMachineArn=state_machine)["executions"]) == 1


def test_resuming_with_a_stale_token_is_not_an_error() -> None:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):  # moto's interpreter checks tokens
        client = boto3.client("stepfunctions", region_name="us-east-1")
        assert StepFunctionsWorkflows(client).resume("no-longer-waiting", {"status": "InService"}) is False


def test_a_notification_is_one_json_message_with_filterable_attributes() -> None:
    with mock_aws():
        sns = boto3.client("sns", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        topic = sns.create_topic(Name="mlops-test-notifications")["TopicArn"]
        queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        message = {"kind": "deployment", "endpoint_name": "churn-endpoint", "outcome": "ROLLED_BACK", "alarm": None}
        SnsNotifier(sns, topic).publish("[ROLLED_BACK] churn-endpoint v3", message)
        (received,) = sqs.receive_message(QueueUrl=queue)["Messages"]
    envelope = json.loads(received["Body"])
    assert json.loads(envelope["Message"]) == message
    assert envelope["Subject"] == "[ROLLED_BACK] churn-endpoint v3"
    assert envelope["MessageAttributes"]["outcome"] == {"Type": "String", "Value": "ROLLED_BACK"}
    assert "alarm" not in envelope["MessageAttributes"]


def test_a_subject_is_one_printable_line_sns_accepts() -> None:
    assert subject_line("[FAILED] churn\nendpoint\tv3") == "[FAILED] churn endpoint v3"
    assert len(subject_line("x" * 300)) == 100
    assert subject_line("\n") == "notification"
