"""DynamoDB item and key sizes, SQS and SNS message sizes on the local stack, through boto3: at the limit accepted,
one past it refused as AWS refuses it (sizes in UTF-8 bytes, message attributes included)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mlopsctl.local.runtime.stack import LocalStack
from tests.support.limits import FIXTURE, refusal

ITEM_QUOTA = 400 * 1024
SQS_QUOTA = 1024 * 1024
SNS_QUOTA = 256 * 1024


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(FIXTURE) as running:
        yield running


# -- DynamoDB ---------------------------------------------------------------------------------------------------------
def _put(stack: LocalStack, item: dict[str, Any]) -> Any:
    return stack.client("dynamodb").put_item(TableName=stack.physical_name("LedgerTable"), Item=item)


def _item_of(size: int, pk: str = "item") -> dict[str, Any]:
    """An item of exactly ``size`` bytes as DynamoDB counts them (names and string values in UTF-8)."""
    fixed = len("pk") + len(pk) + len("sk") + len("s") + len("v")
    return {"pk": {"S": pk}, "sk": {"S": "s"}, "v": {"S": "x" * (size - fixed)}}


def test_an_item_of_exactly_400_kb_is_stored(stack: LocalStack) -> None:
    _put(stack, _item_of(ITEM_QUOTA))

    key = {"pk": {"S": "item"}, "sk": {"S": "s"}}
    stored = stack.client("dynamodb").get_item(TableName=stack.physical_name("LedgerTable"), Key=key)["Item"]
    assert stored["v"] == _item_of(ITEM_QUOTA)["v"]


def test_an_item_one_byte_over_400_kb_is_refused(stack: LocalStack) -> None:
    error = refusal(_put, stack=stack, item=_item_of(ITEM_QUOTA + 1))

    assert error["Code"] == "ValidationException"
    assert error["Message"] == "Item size has exceeded the maximum allowed size"


def test_map_and_list_overhead_counts_toward_the_item_size(stack: LocalStack) -> None:
    # names 9 bytes + two strings of 204,794: 409,597 bytes, but the map (3 + 1 + 1 per entry) and the list inside it
    # (3 + 1) add 9 bytes of overhead: 409,606, over the quota
    value = "y" * 204_794
    item = {"pk": {"S": "m"}, "sk": {"S": "s"}, "m": {"M": {"a": {"S": value}, "b": {"L": [{"S": value}]}}}}

    error = refusal(_put, stack=stack, item=item)

    assert error["Code"] == "ValidationException"


def test_an_update_that_grows_an_item_past_400_kb_is_refused(stack: LocalStack) -> None:
    _put(stack, _item_of(300_000, pk="grow"))
    update = stack.client("dynamodb").update_item

    error = refusal(
        update,
        TableName=stack.physical_name("LedgerTable"),
        Key={"pk": {"S": "grow"}, "sk": {"S": "s"}},
        UpdateExpression="SET w = :w",
        ExpressionAttributeValues={":w": {"S": "z" * 110_000}},
    )

    assert (error["Code"], error["Message"]) == (
        "ValidationException",
        "Item size to update has exceeded the maximum allowed size",
    )


def test_partition_keys_of_2048_bytes_are_stored_and_longer_ones_refused(stack: LocalStack) -> None:
    _put(stack, {"pk": {"S": "é" * 1024}, "sk": {"S": "s"}})  # 2,048 bytes in UTF-8

    error = refusal(_put, stack=stack, item={"pk": {"S": "é" * 1024 + "a"}, "sk": {"S": "s"}})

    assert error["Code"] == "ValidationException"
    assert "Size of hashkey has exceeded the maximum size limit of" in error["Message"]


def test_sort_keys_of_1024_bytes_are_stored_and_longer_ones_refused(stack: LocalStack) -> None:
    _put(stack, {"pk": {"S": "sort"}, "sk": {"S": "s" * 1024}})

    error = refusal(_put, stack=stack, item={"pk": {"S": "sort"}, "sk": {"S": "s" * 1025}})

    assert error["Code"] == "ValidationException"
    assert "Aggregated size of all range keys has exceeded the size limit of 1024 bytes" in error["Message"]


# -- SQS --------------------------------------------------------------------------------------------------------------
def _send(stack: LocalStack, queue: str, body: str, attributes: dict[str, Any] | None = None) -> Any:
    url = stack.resources.records[queue].ref
    return stack.client("sqs").send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes or {})


def test_an_sqs_message_of_exactly_1_mib_is_sent(stack: LocalStack) -> None:
    assert _send(stack, "WorkQueue", "m" * SQS_QUOTA)["MessageId"]


def test_an_sqs_message_one_byte_over_1_mib_is_refused(stack: LocalStack) -> None:
    error = refusal(_send, stack=stack, queue="WorkQueue", body="m" * (SQS_QUOTA + 1))

    assert error["Code"] == "InvalidParameterValue"
    assert error["Message"] == (
        "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes."
    )


def test_sqs_counts_utf8_bytes_and_message_attributes(stack: LocalStack) -> None:
    attributes = {"kind": {"DataType": "String", "StringValue": "deployment"}}  # 4 + 6 + 10 bytes

    multibyte = refusal(_send, stack=stack, queue="WorkQueue", body="é" * (SQS_QUOTA // 2 + 1))
    with_attributes = refusal(_send, stack=stack, queue="WorkQueue", body="m" * (SQS_QUOTA - 19), attributes=attributes)

    assert multibyte["Code"] == with_attributes["Code"] == "InvalidParameterValue"
    assert _send(stack, "WorkQueue", "m" * (SQS_QUOTA - 20), attributes)["MessageId"]


def test_a_queues_maximum_message_size_caps_its_messages(stack: LocalStack) -> None:
    _send(stack, "SmallQueue", "s" * 1024)

    error = refusal(_send, stack=stack, queue="SmallQueue", body="s" * 1025)

    assert "Message must be shorter than 1024 bytes" in error["Message"]


def test_an_sqs_batch_over_1_mib_in_all_is_refused(stack: LocalStack) -> None:
    url = stack.resources.records["WorkQueue"].ref
    entries = [{"Id": "a", "MessageBody": "a" * (SQS_QUOTA // 2)}, {"Id": "b", "MessageBody": "b" * (SQS_QUOTA // 2)}]
    stack.client("sqs").send_message_batch(QueueUrl=url, Entries=entries)
    entries[1]["MessageAttributes"] = {"k": {"DataType": "String", "StringValue": "v"}}

    error = refusal(stack.client("sqs").send_message_batch, QueueUrl=url, Entries=entries)

    assert error["Code"] == "AWS.SimpleQueueService.BatchRequestTooLong"  # botocore's name for SQS's query error


# -- SNS --------------------------------------------------------------------------------------------------------------
def _publish(stack: LocalStack, message: str, attributes: dict[str, Any] | None = None) -> Any:
    topic = stack.arn("NotificationTopic")
    return stack.client("sns").publish(TopicArn=topic, Message=message, MessageAttributes=attributes or {})


def test_an_sns_message_of_exactly_256_kib_is_published(stack: LocalStack) -> None:
    assert _publish(stack, "n" * SNS_QUOTA)["MessageId"]


def test_an_sns_message_one_byte_over_256_kib_is_refused(stack: LocalStack) -> None:
    error = refusal(_publish, stack=stack, message="n" * (SNS_QUOTA + 1))

    assert (error["Code"], error["Message"]) == ("InvalidParameter", "Invalid parameter: Message too long")


def test_sns_counts_utf8_bytes_and_message_attributes(stack: LocalStack) -> None:
    attributes = {"outcome": {"DataType": "String", "StringValue": "SUCCEEDED"}}  # 7 + 6 + 9 bytes

    multibyte = refusal(_publish, stack=stack, message="é" * (SNS_QUOTA // 2 + 1))
    with_attributes = refusal(_publish, stack=stack, message="n" * (SNS_QUOTA - 21), attributes=attributes)

    assert multibyte["Code"] == with_attributes["Code"] == "InvalidParameter"
    assert _publish(stack, "n" * (SNS_QUOTA - 22), attributes)["MessageId"]
