"""Deployment records, the endpoint lock and its task token, on a moto DynamoDB ledger table."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from mlops_core.aws.dynamodb import deserialize
from mlops_core.aws.ledger import Ledger
from mlops_core.deploy.ledger_items import DeploymentFields, PackageEventFields
from mlops_core.deploy.store import DeploymentKey, LedgerDeploymentStore, LockLostError
from mlops_core.timefmt import stamp

TABLE = "mlops-test-ledger"
ENDPOINT = "churn-endpoint"
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def client() -> Iterator[object]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield dynamodb


@pytest.fixture
def store(client: object) -> LedgerDeploymentStore:
    return LedgerDeploymentStore(Ledger(client, TABLE))


def recorded(status: str, action: str = "IGNORE") -> PackageEventFields:
    """What the Approval function records of a state change to ``status`` (``action``: its decision's)."""
    return PackageEventFields(
        model_package_group_name="churn", model_package_version=3, approval_status=status, decision="why", action=action
    )


def key(deployment_id: str, minutes: int = 0) -> DeploymentKey:
    return DeploymentKey(ENDPOINT, NOW + timedelta(minutes=minutes), deployment_id)


def test_one_deployment_at_a_time_per_endpoint(store: LedgerDeploymentStore) -> None:
    assert store.acquire_lock(ENDPOINT, "d1", NOW, 600)
    assert not store.acquire_lock(ENDPOINT, "d2", NOW + timedelta(seconds=5), 600)
    assert store.acquire_lock("another-endpoint", "d2", NOW, 600)
    assert store.read_lock(ENDPOINT).deployment_id == "d1"


def test_a_retried_step_takes_its_own_lock_again(store: LedgerDeploymentStore) -> None:
    assert store.acquire_lock(ENDPOINT, "d1", NOW, 600)
    assert store.acquire_lock(ENDPOINT, "d1", NOW + timedelta(seconds=1), 600)


def test_an_expired_lock_is_taken_over_even_before_dynamodb_deletes_it(store: LedgerDeploymentStore) -> None:
    assert store.acquire_lock(ENDPOINT, "crashed", NOW, 600)
    assert store.acquire_lock(ENDPOINT, "d2", NOW + timedelta(seconds=601), 600)
    assert store.read_lock(ENDPOINT).deployment_id == "d2"


def test_only_the_holder_releases_the_lock(store: LedgerDeploymentStore) -> None:
    store.acquire_lock(ENDPOINT, "d1", NOW, 600)
    assert not store.release_lock(ENDPOINT, "d2")
    assert store.release_lock(ENDPOINT, "d1")
    assert store.read_lock(ENDPOINT) is None
    assert not store.release_lock(ENDPOINT, "d1")


def test_the_wait_token_is_kept_on_the_lock_and_extends_it(store: LedgerDeploymentStore) -> None:
    store.acquire_lock(ENDPOINT, "d1", NOW, 600)
    store.attach_task_token(ENDPOINT, "d1", "token-1", NOW + timedelta(seconds=500), 600)
    lock = store.read_lock(ENDPOINT)
    assert lock.task_token == "token-1"
    assert lock.expires_at == int((NOW + timedelta(seconds=1100)).timestamp())
    assert not store.acquire_lock(ENDPOINT, "d2", NOW + timedelta(seconds=700), 600)


def test_a_wait_cannot_attach_to_a_lock_it_lost(store: LedgerDeploymentStore) -> None:
    store.acquire_lock(ENDPOINT, "d1", NOW, 600)
    store.acquire_lock(ENDPOINT, "d2", NOW + timedelta(seconds=601), 600)
    with pytest.raises(LockLostError, match="d1 no longer holds the lock of churn-endpoint"):
        store.attach_task_token(ENDPOINT, "d1", "token-1", NOW, 600)


def test_only_the_resumed_token_is_removed(store: LedgerDeploymentStore) -> None:
    store.acquire_lock(ENDPOINT, "d1", NOW, 600)
    store.attach_task_token(ENDPOINT, "d1", "token-2", NOW, 600)
    store.detach_task_token(ENDPOINT, "token-1")
    assert store.read_lock(ENDPOINT).task_token == "token-2"
    store.detach_task_token(ENDPOINT, "token-2")
    assert store.read_lock(ENDPOINT).task_token is None
    store.release_lock(ENDPOINT, "d1")
    store.detach_task_token(ENDPOINT, "token-2")


def test_a_record_is_written_in_steps_and_keeps_what_earlier_steps_wrote(
    store: LedgerDeploymentStore, client: object
) -> None:
    chain = {"approval": {"a": 1}}
    store.save_deployment(
        key("d1"), DeploymentFields(outcome="IN_PROGRESS", model_package_version=3, trigger_chain=chain)
    )
    durations = {"total_seconds": 12.5, "rollout_seconds": None}
    store.save_deployment(key("d1"), DeploymentFields(outcome="SUCCEEDED", durations=durations))
    (record,) = store.deployments(ENDPOINT)
    assert record.outcome == "SUCCEEDED"
    assert record.model_package_version == 3
    (item,) = [deserialize(i) for i in client.scan(TableName=TABLE)["Items"]]  # type: ignore[attr-defined]
    assert item["trigger_chain"] == {"approval": {"a": 1}}
    assert item["durations"] == {"total_seconds": 12.5, "rollout_seconds": None}
    assert item["sk"] == f"DEPLOYMENT#{stamp(NOW)}#d1"
    assert "expires_at" not in item


def test_deployments_are_listed_newest_first_and_last_known_good_is_read_from_them(
    store: LedgerDeploymentStore,
) -> None:
    store.save_deployment(key("d1", 0), DeploymentFields(outcome="SUCCEEDED", model_name="m1"))
    store.save_deployment(key("d2", 10), DeploymentFields(outcome="SUCCEEDED", model_name="m2"))
    store.save_deployment(key("d3", 20), DeploymentFields(outcome="ROLLED_BACK", model_name="m3"))
    store.acquire_lock(ENDPOINT, "d4", NOW, 600)
    assert [r.deployment_id for r in store.deployments(ENDPOINT)] == ["d3", "d2", "d1"]
    last = store.last_succeeded(ENDPOINT)
    assert last is not None
    assert last.model_name == "m2"


def test_a_duplicated_package_event_is_recorded_once(store: LedgerDeploymentStore, client: object) -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3"
    for _ in range(2):
        store.record_package_event(arn, NOW, "event-1", recorded("Approved", action="DEPLOY"))
    items = client.query(  # type: ignore[attr-defined]
        TableName=TABLE,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :events)",
        ExpressionAttributeValues={":pk": {"S": f"MODEL_PACKAGE#{arn}"}, ":events": {"S": "EVENT#"}},
    )["Items"]
    assert len(items) == 1
    assert items[0]["action"] == {"S": "DEPLOY"}


def test_the_last_recorded_status_of_a_package_is_its_newest_event_by_time(store: LedgerDeploymentStore) -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3"
    other = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/4"
    assert store.last_package_status(arn) is None

    store.record_package_event(arn, NOW + timedelta(minutes=5), "approved", recorded("Approved"))
    store.record_package_event(arn, NOW, "created", recorded("PendingManualApproval"))  # arrived late
    store.record_package_event(other, NOW + timedelta(minutes=9), "rejected", recorded("Rejected"))

    assert store.last_package_status(arn) == "Approved"
    assert store.last_package_status(other) == "Rejected"


def test_among_events_of_the_same_second_the_last_recorded_status_wins(store: LedgerDeploymentStore) -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/5"

    store.record_package_event(arn, NOW, "zz-created", recorded("PendingManualApproval"))
    store.record_package_event(arn, NOW, "aa-approved", recorded("Approved"))

    assert store.last_package_status(arn) == "Approved"
