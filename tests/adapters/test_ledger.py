"""The ledger table and the DynamoDB layer under it, on moto: values round-trip, conditions and locks hold, errors
are typed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from mlops_core.aws.dynamodb import DynamoTable, Expression, TransactionCancelledError, transact_write
from mlops_core.aws.errors import ConditionFailedError
from mlops_core.aws.ledger import Ledger, batch_key, deployment_key, lock_key
from mlops_core.errors import TransientError
from tests.support.tables import CLAIMS, LEDGER, create_tables

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def client() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_tables(client)
        yield client


@pytest.fixture
def ledger(client: Any) -> Ledger:
    return Ledger(client, LEDGER)


def test_items_round_trip_as_plain_python_values(ledger: Ledger) -> None:
    item = {**batch_key("b1"), "count": 3, "ratio": 0.5, "ok": True, "tags": ["a"], "meta": {"n": 1}, "none": None}
    ledger.put(item)

    assert ledger.get(batch_key("b1")) == item
    assert ledger.get(batch_key("missing")) is None


def test_a_conditional_put_that_does_not_hold_raises_condition_failed(ledger: Ledger) -> None:
    ledger.put({**batch_key("b1"), "v": 1}, Expression("attribute_not_exists(pk)"))
    with pytest.raises(ConditionFailedError):
        ledger.put({**batch_key("b1"), "v": 2}, Expression("attribute_not_exists(pk)"))
    assert ledger.get(batch_key("b1")) == {**batch_key("b1"), "v": 1}


def test_query_pages_through_every_item_of_a_partition(ledger: Ledger) -> None:
    blob = "x" * 50_000
    for i in range(30):
        ledger.put({"pk": "BATCH#big", "sk": f"OBJECT#{i:03}", "blob": blob})
    ledger.put({"pk": "BATCH#big", "sk": "BATCH"})

    found = list(
        ledger.query(Expression("pk = :pk AND begins_with(sk, :o)", values={":pk": "BATCH#big", ":o": "OBJECT#"}))
    )

    assert len(found) == 30


def test_batch_get_reads_more_keys_than_one_call_takes(client: Any) -> None:
    claims = DynamoTable(client, CLAIMS)
    for i in range(150):
        claims.put({"id": f"k{i}", "n": i})

    found = claims.batch_get([{"id": f"k{i}"} for i in range(160)])

    assert sorted(item["n"] for item in found) == list(range(150))


def test_a_cancelled_transaction_says_which_condition_failed_and_applies_nothing(client: Any, ledger: Ledger) -> None:
    claims = DynamoTable(client, CLAIMS)
    claims.put({"id": "taken", "owner": "b0"})
    actions = [
        ledger.put_action({**batch_key("b1"), "v": 1}),
        claims.put_action(
            {"id": "taken", "owner": "b1"}, Expression("attribute_not_exists(id)"), return_old_on_failure=True
        ),
    ]

    with pytest.raises(TransactionCancelledError) as excinfo:
        transact_write(client, actions)

    assert [r["code"] for r in excinfo.value.reasons] == ["None", "ConditionalCheckFailed"]
    assert excinfo.value.reasons[1]["item"] == {"id": "taken", "owner": "b0"}
    assert ledger.get(batch_key("b1")) is None


def test_a_transaction_conflict_is_transient(ledger: Ledger) -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_client_error(
            "transact_write_items",
            "TransactionCanceledException",
            "Transaction cancelled",
            400,
            response_meta={},
            modeled_fields={"CancellationReasons": [{"Code": "TransactionConflict"}]},
        )
        with pytest.raises(TransientError):
            transact_write(client, [ledger.put_action({**batch_key("b1")})])


def test_throttling_of_a_read_is_transient() -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_client_error("get_item", "ProvisionedThroughputExceededException", "slow down", 400)
        with pytest.raises(TransientError):
            Ledger(client, LEDGER).get(batch_key("b1"))


def test_an_endpoint_lock_is_exclusive_until_released(ledger: Ledger) -> None:
    assert ledger.acquire_lock("ep", "deploy-1", NOW, timedelta(minutes=30)) is True
    assert ledger.acquire_lock("ep", "deploy-2", NOW + timedelta(minutes=1), timedelta(minutes=30)) is False
    assert ledger.release_lock("ep", "deploy-2") is False
    assert ledger.release_lock("ep", "deploy-1") is True
    assert ledger.acquire_lock("ep", "deploy-2", NOW + timedelta(minutes=2), timedelta(minutes=30)) is True


def test_an_expired_lock_is_taken_over_and_its_holder_can_extend_it(ledger: Ledger) -> None:
    ledger.acquire_lock("ep", "deploy-1", NOW, timedelta(minutes=30))
    assert ledger.acquire_lock("ep", "deploy-1", NOW + timedelta(minutes=10), timedelta(minutes=30)) is True
    assert ledger.acquire_lock("ep", "deploy-2", NOW + timedelta(minutes=39), timedelta(minutes=30)) is False
    assert ledger.acquire_lock("ep", "deploy-2", NOW + timedelta(minutes=41), timedelta(minutes=30)) is True
    item = ledger.get(lock_key("ep"))
    assert item is not None
    assert item["owner"] == "deploy-2"


def test_keys_follow_the_wiring_contract() -> None:
    assert batch_key("b1") == {"pk": "BATCH#b1", "sk": "BATCH"}
    assert lock_key("ep") == {"pk": "ENDPOINT#ep", "sk": "LOCK"}
    assert deployment_key("ep", NOW, "d1") == {"pk": "ENDPOINT#ep", "sk": "DEPLOYMENT#2026-01-01T00:00:00.000Z#d1"}
