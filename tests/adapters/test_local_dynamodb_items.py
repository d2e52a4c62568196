"""The local stack's DynamoDB writes an item whole, as DynamoDB does: a reader never sees part of an ``UpdateItem``
(moto creates a new item with its keys only, then sets its attributes one by one), and a refused update changes
nothing (moto leaves what it set before the refusal)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from mlopsctl.local.moto_patches import dynamodb_items
from tests.support.tables import LEDGER, create_tables

PK = {"S": "ENDPOINT#e"}
ATTRIBUTES = ("kind", "endpoint_name", "deployment_id", "started_at", "outcome", "reason")


@pytest.fixture
def client() -> Iterator[Any]:
    with mock_aws(), dynamodb_items.installed():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        create_tables(dynamodb)
        yield dynamodb


def _create(client: Any, index: int) -> None:
    text = " , ".join(f"#a{n} = :v{n}" for n in range(len(ATTRIBUTES)))
    client.update_item(
        TableName=LEDGER,
        Key={"pk": PK, "sk": {"S": f"DEPLOYMENT#{index:05d}"}},
        UpdateExpression=f"SET {text}",
        ExpressionAttributeNames={f"#a{n}": name for n, name in enumerate(ATTRIBUTES)},
        ExpressionAttributeValues={f":v{n}": {"S": f"{name}-{index}"} for n, name in enumerate(ATTRIBUTES)},
    )


def test_a_concurrent_reader_sees_each_new_item_whole_or_not_at_all(client: Any) -> None:
    partial: list[list[str]] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            items = client.query(
                TableName=LEDGER, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": PK}
            )["Items"]
            partial.extend(sorted(item) for item in items if len(item) != len(ATTRIBUTES) + 2)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can: inside moto's update, if it can
    reader = threading.Thread(target=read)
    try:
        reader.start()
        for index in range(150):
            _create(client, index)
    finally:
        done.set()
        reader.join()
        sys.setswitchinterval(interval)
    assert partial == []


def test_a_refused_update_of_a_new_item_leaves_no_item(client: Any) -> None:
    key = {"pk": PK, "sk": {"S": "DEPLOYMENT#big"}}
    with pytest.raises(ClientError, match="Item size to update has exceeded the maximum allowed size"):
        client.update_item(
            TableName=LEDGER,
            Key=key,
            UpdateExpression="SET small = :small, big = :big",
            ExpressionAttributeValues={":small": {"S": "x"}, ":big": {"S": "x" * 410_000}},
        )
    assert "Item" not in client.get_item(TableName=LEDGER, Key=key)


def test_a_refused_update_of_an_item_leaves_it_as_it_was(client: Any) -> None:
    key = {"pk": PK, "sk": {"S": "DEPLOYMENT#kept"}}
    client.put_item(TableName=LEDGER, Item={**key, "outcome": {"S": "IN_PROGRESS"}})
    with pytest.raises(ClientError, match="Item size to update has exceeded the maximum allowed size"):
        client.update_item(
            TableName=LEDGER,
            Key=key,
            UpdateExpression="SET outcome = :done, big = :big",
            ExpressionAttributeValues={":done": {"S": "SUCCEEDED"}, ":big": {"S": "x" * 410_000}},
        )
    assert client.get_item(TableName=LEDGER, Key=key)["Item"] == {**key, "outcome": {"S": "IN_PROGRESS"}}


def test_a_transactional_read_sees_a_transaction_whole_or_not_at_all(client: Any) -> None:
    """TransactGetItems gives "a consistent view of the data": all of a completed transaction's changes, or none
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html)."""
    keys = [{"pk": PK, "sk": {"S": f"PAIR#{side}"}} for side in ("a", "b")]
    torn: list[tuple[str, str]] = []
    done = threading.Event()

    def read() -> None:
        gets = [{"Get": {"TableName": LEDGER, "Key": key}} for key in keys]
        while not done.is_set():
            items = [r.get("Item") for r in client.transact_get_items(TransactItems=gets)["Responses"]]
            versions = tuple(item["version"]["N"] if item else "-" for item in items)
            if versions[0] != versions[1]:
                torn.append(versions)

    def write(version: int) -> None:
        puts = [{"Put": {"TableName": LEDGER, "Item": {**key, "version": {"N": str(version)}}}} for key in keys]
        client.transact_write_items(TransactItems=puts)

    write(0)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    reader = threading.Thread(target=read)
    try:
        reader.start()
        for version in range(1, 200):
            write(version)
    finally:
        done.set()
        reader.join()
        sys.setswitchinterval(interval)
    assert torn == []
