"""The local stack's speed-ups of moto change nothing a caller can see: queue counts, FIFO de-duplication, message
retention, and all-or-nothing DynamoDB transactions behave as before."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from mlopsctl.local.moto_patches.speed import installed

REGION = "us-east-1"


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws(), installed():
        yield


def counts(sqs: Any, url: str) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_queue_counts_are_still_counted(aws: None) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    for index in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=str(index))
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=300)

    assert counts(sqs, url) == (3, 2)
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"] == {
        "ApproximateNumberOfMessages": "3"
    }


def test_fifo_content_based_deduplication_still_drops_the_repeat(aws: None) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="q.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})[
        "QueueUrl"
    ]
    for _ in range(2):
        sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")

    assert counts(sqs, url) == (1, 0)


def test_messages_are_received_and_deleted_as_before(aws: None) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="q", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello")

    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    assert message["Body"] == "hello"
    assert counts(sqs, url) == (0, 0)


def put(table: str, key: str, **extra: Any) -> dict[str, Any]:
    item = {"pk": {"S": key}}
    return {"Put": {"TableName": table, "Item": item, **extra}}


def test_a_transaction_that_fails_a_condition_writes_nothing(aws: None) -> None:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for table in ("a", "b"):
        dynamodb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    dynamodb.put_item(TableName="b", Item={"pk": {"S": "taken"}})
    clash = {"ConditionExpression": "attribute_not_exists(pk)"}

    with pytest.raises(ClientError, match="TransactionCanceledException"):
        dynamodb.transact_write_items(
            TransactItems=[put("a", "one"), put("a", "two"), put("b", "new"), put("b", "taken", **clash)]
        )
    dynamodb.transact_write_items(TransactItems=[put("a", "three"), put("b", "four")])

    assert sorted(i["pk"]["S"] for i in dynamodb.scan(TableName="a")["Items"]) == ["three"]
    assert sorted(i["pk"]["S"] for i in dynamodb.scan(TableName="b")["Items"]) == ["four", "taken"]
