"""The batch store contract, run against the DynamoDB adapter (moto) and the in-memory fake the service tests use."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from mlops_core.aws.dynamodb import DynamoTable
from mlops_core.aws.ledger import Ledger
from mlops_core.ingest.batch_store import OBJECTS_PER_TRANSACTION, DynamoBatchStore, claim_id
from mlops_core.ingest.batching import BatchStatus
from mlops_core.ingest.objects import ObjectKind, ObjectRef
from mlops_core.ingest.ports import BatchStore
from tests.support.fakes.data_arrival import InMemoryBatchStore
from tests.support.tables import CLAIMS, LEDGER, create_tables

NOW = datetime(2026, 1, 1, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)


@pytest.fixture
def dynamo_store() -> Iterator[DynamoBatchStore]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_tables(client)
        yield DynamoBatchStore(Ledger(client, LEDGER), DynamoTable(client, CLAIMS))


@pytest.fixture(params=["dynamodb", "in-memory"])
def store(request: pytest.FixtureRequest) -> BatchStore:
    if request.param == "dynamodb":
        return request.getfixturevalue("dynamo_store")  # type: ignore[no-any-return]
    return InMemoryBatchStore()


def obj(name: str, **kwargs: object) -> ObjectRef:
    return ObjectRef(bucket="data", key=f"incoming/{name}", size=5, etag=f"e-{name}", **kwargs)  # type: ignore[arg-type]


def test_a_new_batch_is_open_and_empty(store: BatchStore) -> None:
    assert store.open("b1", ObjectKind.LABELING, NOW) is True
    record = store.get("b1")
    assert record is not None
    assert (record.status, record.kind, record.object_count, record.created_at) == (
        BatchStatus.OPEN,
        ObjectKind.LABELING,
        0,
        NOW,
    )


def test_opening_an_existing_batch_changes_nothing(store: BatchStore) -> None:
    store.open("b1", ObjectKind.LABELING, NOW)
    store.admit("b1", [obj("a")], NOW)

    assert store.open("b1", ObjectKind.LABELED, LATER) is False
    record = store.get("b1")
    assert record is not None
    assert record.object_count == 1
    assert record.kind is ObjectKind.LABELING


def test_admitted_objects_are_members_and_claimed_by_the_batch(store: BatchStore) -> None:
    store.open("b1", ObjectKind.LABELING, NOW)
    versioned = obj("v.txt", version_id="3HL4kqtJ")
    result = store.admit("b1", [obj("a"), versioned], NOW)

    assert result.admitted == [obj("a"), versioned]
    assert not result.closed
    assert sorted(store.members("b1"), key=lambda o: o.key) == [obj("a"), versioned]
    assert store.claims([obj("a"), versioned, obj("never-seen")]) == {
        obj("a").identity_hash: "b1",
        versioned.identity_hash: "b1",
    }


def test_an_object_claimed_by_another_batch_is_reported_not_admitted(store: BatchStore) -> None:
    store.open("b1", ObjectKind.LABELING, NOW)
    store.open("b2", ObjectKind.LABELING, NOW)
    store.admit("b1", [obj("shared")], NOW)

    result = store.admit("b2", [obj("own"), obj("shared")], NOW)

    assert result.admitted == [obj("own")]
    assert result.taken == {obj("shared").identity_hash: "b1"}
    assert [o.key for o in store.members("b2")] == ["incoming/own"]
    record = store.get("b2")
    assert record is not None
    assert record.object_count == 1


def test_a_sealed_batch_takes_no_more_objects(store: BatchStore) -> None:
    store.open("b1", ObjectKind.LABELING, NOW)
    store.admit("b1", [obj("a")], NOW)
    sealed = store.seal("b1", LATER)

    result = store.admit("b1", [obj("late")], LATER)

    assert sealed.status is BatchStatus.SEALED
    assert result.closed
    assert result.admitted == []
    assert store.claims([obj("late")]) == {}
    assert [o.key for o in store.members("b1")] == ["incoming/a"]


def test_sealing_twice_or_after_finishing_keeps_the_state(store: BatchStore) -> None:
    store.open("b1", ObjectKind.LABELING, NOW)
    store.seal("b1", NOW)
    assert store.seal("b1", LATER).status is BatchStatus.SEALED
    store.finish("b1", BatchStatus.LABELING, LATER, labeling_job_name="mlops-dev-abc")
    assert store.seal("b1", LATER).status is BatchStatus.LABELING


def test_finishing_records_the_outcome_once(store: BatchStore) -> None:
    store.open("b1", ObjectKind.LABELING, NOW)
    store.admit("b1", [obj("a")], NOW)
    store.seal("b1", NOW)

    first = store.finish(
        "b1",
        BatchStatus.LABELING,
        LATER,
        manifest_uri="s3://data/manifests/d/input.manifest",
        labeling_job_name="mlops-dev-d",
        objects=["s3://data/incoming/a"],
    )
    second = store.finish("b1", BatchStatus.FAILED, LATER, reason="late and wrong")

    record = store.get("b1")
    assert (first, second) == (True, False)
    assert record is not None
    assert record.status is BatchStatus.LABELING
    assert record.labeling_job_name == "mlops-dev-d"
    assert record.manifest_uri == "s3://data/manifests/d/input.manifest"
    assert record.objects == ("s3://data/incoming/a",)
    assert record.updated_at == LATER


def test_an_open_batch_cannot_be_finished_before_it_is_sealed(store: BatchStore) -> None:
    store.open("b1", ObjectKind.LABELING, NOW)
    assert store.finish("b1", BatchStatus.LABELING, NOW) is False


def test_a_failed_batch_can_be_finished_on_retry(store: BatchStore) -> None:
    store.open("b1", ObjectKind.LABELING, NOW)
    store.seal("b1", NOW)
    store.finish("b1", BatchStatus.FAILED, NOW, reason="ValidationException")

    assert store.finish("b1", BatchStatus.LABELING, LATER, labeling_job_name="j") is True
    record = store.get("b1")
    assert record is not None
    assert record.status is BatchStatus.LABELING


def test_the_buffer_pointer_moves_only_from_the_expected_batch(store: BatchStore) -> None:
    assert store.current_buffer(ObjectKind.LABELING) is None
    assert store.move_buffer(ObjectKind.LABELING, "b1", None) is True
    assert store.move_buffer(ObjectKind.LABELING, "b2", None) is False
    assert store.move_buffer(ObjectKind.LABELING, "b2", "b0") is False
    assert store.move_buffer(ObjectKind.LABELING, "b2", "b1") is True
    assert store.current_buffer(ObjectKind.LABELING) == "b2"
    assert store.current_buffer(ObjectKind.LABELED) is None
    assert store.move_buffer(ObjectKind.LABELING, None, "b2") is True
    assert store.current_buffer(ObjectKind.LABELING) is None


# -- DynamoDB specifics ----------------------------------------------------------------------------------------


def test_more_objects_than_one_transaction_holds_all_join(dynamo_store: DynamoBatchStore) -> None:
    objects = [obj(f"{i}.txt") for i in range(OBJECTS_PER_TRANSACTION * 2 + 3)]
    dynamo_store.open("big", ObjectKind.LABELING, NOW)

    result = dynamo_store.admit("big", objects, NOW)

    assert len(result.admitted) == len(objects)
    record = dynamo_store.get("big")
    assert record is not None
    assert record.object_count == len(objects)
    assert len(dynamo_store.members("big")) == len(objects)


def test_claims_expire_after_the_claim_ttl_and_do_not_collide_with_powertools_records(
    dynamo_store: DynamoBatchStore,
) -> None:
    dynamo_store.open("b1", ObjectKind.LABELING, NOW)
    dynamo_store.admit("b1", [obj("a")], NOW)

    claim = dynamo_store.claims_table.get({"id": claim_id(obj("a"))})

    assert claim is not None
    assert claim["id"].startswith("data-arrival#")
    assert claim["expiration"] == int((NOW + dynamo_store.claim_ttl).timestamp())
    assert claim["key"] == "incoming/a"
