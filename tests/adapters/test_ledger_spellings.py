"""The ledger across the timestamp respelling (:mod:`mlops_core.timefmt`), on a moto table: records keyed in the
previous version's spelling (``isoformat()``) read and order correctly, an execution in flight across the upgrade
finishes on the record it started with, and ``mlopsctl ledger migrate`` rewrites them once, refusing while a lock is
held."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mlops_core.aws.dynamodb import serialize
from mlops_core.aws.ledger import Ledger
from mlops_core.deploy.ledger_items import DeploymentFields, PackageEventFields
from mlops_core.deploy.store import DeploymentKey, LedgerDeploymentStore
from mlops_core.deploy.unfinished import LedgerUnfinishedDeployments
from mlops_core.timefmt import legacy_stamp
from mlopsctl.ops import records
from mlopsctl.ops.errors import OpsError
from mlopsctl.ops.ledger_migration import migrate
from tests.support.tables import LEDGER, create_tables

TABLE = LEDGER
ENDPOINT = "churn-endpoint"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def client() -> Iterator[Any]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        create_tables(dynamodb)
        yield dynamodb


@pytest.fixture
def store(client: Any) -> LedgerDeploymentStore:
    return LedgerDeploymentStore(Ledger(client, TABLE))


def old_record(client: Any, deployment_id: str, started: datetime, outcome: str = "SUCCEEDED") -> str:
    """A record as the previous version wrote it (sort key and ``started_at`` from ``isoformat()``); its sk."""
    text = legacy_stamp(started)
    item = {"pk": f"ENDPOINT#{ENDPOINT}", "sk": f"DEPLOYMENT#{text}#{deployment_id}", "kind": "deployment",
            "endpoint_name": ENDPOINT, "deployment_id": deployment_id, "started_at": text, "outcome": outcome,
            "model_package_version": 1}  # fmt: skip
    client.put_item(TableName=TABLE, Item=serialize(item))
    return item["sk"]


def sort_keys(client: Any) -> list[str]:
    items = client.scan(TableName=TABLE)["Items"]
    return sorted(item["sk"]["S"] for item in items if item["sk"]["S"].startswith("DEPLOYMENT#"))


def test_old_spelling_records_read_and_order_by_their_time_among_new_ones(client: Any, store: Any) -> None:
    # "...:00.500400+00:00" (old) sorts below "...:00.500Z" (new) as text, though it is 0.4 ms later
    old_record(client, "old-whole-second", T0)
    store.save_deployment(
        DeploymentKey(ENDPOINT, T0 + timedelta(milliseconds=500), "new-half"), DeploymentFields(outcome="FAILED")
    )
    old_record(client, "old-later-fraction", T0 + timedelta(microseconds=500_400))  # key sorts it lower
    store.save_deployment(
        DeploymentKey(ENDPOINT, T0 + timedelta(minutes=5), "new-later"), DeploymentFields(outcome="SUCCEEDED")
    )
    expected = ["new-later", "old-later-fraction", "new-half", "old-whole-second"]
    assert [item.deployment_id for item in store.deployments(ENDPOINT)] == expected
    read = records.deployments(client, TABLE, ENDPOINT)
    assert [record.deployment_id for record in read] == expected
    assert read[-1].started == T0


def test_an_execution_started_under_the_old_key_finishes_on_the_same_record(client: Any, store: Any) -> None:
    started = T0 + timedelta(milliseconds=123)
    sk = old_record(client, "d1", started, outcome="IN_PROGRESS")  # the previous version's preflight wrote it
    key = DeploymentKey.of_execution(ENDPOINT, started, "d1")  # this version's later steps
    store.save_deployment(key, DeploymentFields(lock_acquired_at="2024-05-01T12:00:01.000Z"))
    store.save_deployment(key, DeploymentFields(outcome="SUCCEEDED"))
    assert sort_keys(client) == [sk]
    (record,) = store.deployments(ENDPOINT)
    assert (record.outcome, record.model_package_version, record.started_at) == (
        "SUCCEEDED",
        1,
        legacy_stamp(started),
    )


def test_a_new_execution_creates_its_record_in_the_new_spelling_and_keeps_it(client: Any, store: Any) -> None:
    key = DeploymentKey.of_execution(ENDPOINT, T0, "d2")
    store.save_deployment(key, DeploymentFields(outcome="IN_PROGRESS"))
    store.save_deployment(key, DeploymentFields(outcome="SUCCEEDED"))
    assert sort_keys(client) == ["DEPLOYMENT#2024-05-01T12:00:00.000Z#d2"]


def test_an_unfinished_old_record_is_closed_where_it_is(client: Any) -> None:
    sk = old_record(client, "d3", T0, outcome="IN_PROGRESS")
    closing = LedgerUnfinishedDeployments(Ledger(client, TABLE))
    failed = DeploymentFields(outcome="FAILED", reason="x")
    closed = closing.close(DeploymentKey.of_execution(ENDPOINT, T0, "d3"), failed)
    assert closed is not None
    assert closed.to_item()["sk"] == sk
    assert closing.close(DeploymentKey.of_execution(ENDPOINT, T0, "d3"), DeploymentFields(outcome="FAILED")) is None
    assert sort_keys(client) == [sk]


def test_migrate_rewrites_old_records_once_and_a_second_run_changes_nothing(client: Any, store: Any) -> None:
    old_record(client, "d1", T0 + timedelta(milliseconds=250))
    old_record(client, "d0", T0 - timedelta(days=1))
    store.save_deployment(DeploymentKey(ENDPOINT, T0 + timedelta(hours=1), "d2"), DeploymentFields(outcome="SUCCEEDED"))
    before = [(r.deployment_id, r.started, r.outcome) for r in records.deployments(client, TABLE, ENDPOINT)]
    planned = migrate(client, TABLE, T0, dry_run=True)
    assert len(planned) == 2
    assert sort_keys(client)[0].endswith("+00:00#d0")
    done = migrate(client, TABLE, T0)
    assert [r.as_json() for r in done] == [r.as_json() for r in planned]
    assert sort_keys(client) == [
        "DEPLOYMENT#2024-04-30T12:00:00.000Z#d0",
        "DEPLOYMENT#2024-05-01T12:00:00.250Z#d1",
        "DEPLOYMENT#2024-05-01T13:00:00.000Z#d2",
    ]
    after = records.deployments(client, TABLE, ENDPOINT)
    assert [(r.deployment_id, r.started, r.outcome) for r in after] == before
    assert after[1].model_package_version == 1  # every other attribute kept
    assert migrate(client, TABLE, T0) == []


def test_migrate_is_refused_while_a_lock_is_held_or_an_old_record_is_in_progress(client: Any, store: Any) -> None:
    sk = old_record(client, "d1", T0)
    assert store.acquire_lock(ENDPOINT, "d9", T0, 600)
    with pytest.raises(OpsError, match="locked by d9"):
        migrate(client, TABLE, T0 + timedelta(seconds=10))
    assert sort_keys(client) == [sk]
    assert migrate(client, TABLE, T0 + timedelta(seconds=601), dry_run=True)  # an expired lock does not block
    store.release_lock(ENDPOINT, "d9")
    old_record(client, "d5", T0 + timedelta(minutes=1), outcome="IN_PROGRESS")
    with pytest.raises(OpsError, match="d5 is IN_PROGRESS"):
        migrate(client, TABLE, T0)


def test_migrate_respells_model_package_events_and_their_latest_status(client: Any, store: Any) -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3"
    old_time = legacy_stamp(T0)
    items = [
        {"pk": f"MODEL_PACKAGE#{arn}", "sk": f"EVENT#{old_time}#e1", "kind": "model_package_event", "x": 1},
        {"pk": f"MODEL_PACKAGE#{arn}", "sk": "LATEST", "event_time": old_time, "approval_status": "Approved"},
    ]
    for item in items:
        client.put_item(TableName=TABLE, Item=serialize(item))
    assert len(migrate(client, TABLE, T0)) == 2
    assert migrate(client, TABLE, T0) == []
    keys = sorted(item["sk"]["S"] for item in client.scan(TableName=TABLE)["Items"])
    assert keys == ["EVENT#2024-05-01T12:00:00.000Z#e1", "LATEST"]
    assert store.last_package_status(arn) == "Approved"
    rejected = PackageEventFields(
        model_package_group_name="churn",
        model_package_version=3,
        approval_status="Rejected",
        decision="-",
        action="IGNORE",
    )
    store.record_package_event(arn, T0 - timedelta(seconds=1), "e0", rejected)
    assert store.last_package_status(arn) == "Approved"  # an older event, delivered late, still loses


def test_newest_first_orders_by_the_time_in_the_sort_key_even_when_only_the_keys_are_read() -> None:
    """Ordering reads the start time from the sort key, which every deployment item has, in either spelling (moto
    alone can show a reader an item with only its keys; the local stack's writes are whole:
    ``tests/adapters/test_local_dynamodb_items.py``)."""
    from mlops_core.deploy.store import newest_first

    old = datetime(2026, 1, 1, 0, 0, 0, 500400, tzinfo=UTC)
    new = datetime(2026, 1, 1, 0, 0, 0, 501000, tzinfo=UTC)
    items = [
        {"pk": "ENDPOINT#e", "sk": "DEPLOYMENT#2026-01-01T00:00:00.501Z#d2"},
        {"pk": "ENDPOINT#e", "sk": f"DEPLOYMENT#{legacy_stamp(old)}#d1", "started_at": legacy_stamp(old)},
        {"pk": "ENDPOINT#e", "sk": "DEPLOYMENT#2025-12-31T23:59:59.000Z#d0"},
    ]
    assert new > old
    assert [item["sk"].rsplit("#", 1)[1] for item in newest_first(items)] == ["d2", "d1", "d0"]
