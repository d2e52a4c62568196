"""The batch store's items as models: every attribute the store writes (a batch opened, objects joined, the batch
finished with every outcome field, the buffer moved) is a field of the read model and reads back as written, the
attributes are spelled as they always were, an item survives the round trip through DynamoDB's wire format, a
writer's unknown field is refused and the reader ignores what it does not know."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pydantic import BaseModel, ValidationError

from mlops_core.aws.dynamodb import DynamoTable, deserialize, serialize
from mlops_core.aws.ledger import Ledger, batch_key, batch_member_key, buffer_key
from mlops_core.ingest.batch_store import DynamoBatchStore, claim_id
from mlops_core.ingest.batching import BatchStatus
from mlops_core.ingest.ledger_items import BatchItem, BatchOutcome, BufferItem, ClaimItem, MemberItem
from mlops_core.ingest.objects import ObjectKind, ObjectRef
from tests.support.tables import CLAIMS, LEDGER, create_tables

NOW = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = "b1"
VERSIONED = ObjectRef(bucket="data", key="incoming/a.jpg", size=5, etag="e-a", version_id="v1")
UNVERSIONED = ObjectRef(bucket="data", key="incoming/b.jpg", size=7, etag="e-b")

#: The attributes each item has always been written with (besides its key): the spelling is the contract.
SPELLED = {
    "batch": {"item_type", "batch_id", "kind", "status", "created_at", "updated_at", "object_count"}
    | {"manifest_uri", "labeling_job_name", "objects", "reason"},
    "member": {"item_type", "bucket", "key", "size", "etag", "version_id"},
    "unversioned member": {"item_type", "bucket", "key", "size", "etag"},
    "claim": {"id", "batch_id", "bucket", "key", "claimed_at", "expiration"},
    "buffer": {"item_type", "batch_id"},
}
READ_MODELS: dict[str, type[BaseModel]] = {
    "batch": BatchItem,
    "member": MemberItem,
    "unversioned member": MemberItem,
    "claim": ClaimItem,
    "buffer": BufferItem,
}


@dataclass
class Tables:
    ledger: Ledger
    claims: DynamoTable


@pytest.fixture
def written() -> Iterator[dict[str, dict[str, Any]]]:
    """Every item the store writes, each with every attribute it can set."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_tables(client)
        ledger, claims = Ledger(client, LEDGER), DynamoTable(client, CLAIMS)
        store = DynamoBatchStore(ledger, claims)
        assert store.open(BATCH, ObjectKind.LABELING, NOW)
        assert store.admit(BATCH, [VERSIONED, UNVERSIONED], NOW).admitted == [VERSIONED, UNVERSIONED]
        store.seal(BATCH, NOW)
        assert store.finish(
            BATCH,
            BatchStatus.FAILED,
            NOW,
            manifest_uri="s3://m/manifest",
            labeling_job_name="job",
            objects=["s3://data/incoming/a.jpg"],
            reason="boom",
        )
        assert store.move_buffer(ObjectKind.LABELING, BATCH, None)
        keys = {
            "batch": (ledger, batch_key(BATCH)),
            "member": (ledger, batch_member_key(BATCH, VERSIONED.identity_hash)),
            "unversioned member": (ledger, batch_member_key(BATCH, UNVERSIONED.identity_hash)),
            "claim": (claims, {"id": claim_id(VERSIONED)}),
            "buffer": (ledger, buffer_key(ObjectKind.LABELING.value)),
        }
        items = {name: table.get(key) for name, (table, key) in keys.items()}
        yield {name: {k: v for k, v in item.items() if k not in ("pk", "sk")} for name, item in items.items() if item}


@pytest.mark.parametrize("kind", sorted(READ_MODELS))
def test_every_attribute_the_store_writes_is_a_field_of_the_read_model(
    written: dict[str, dict[str, Any]], kind: str
) -> None:
    item = written[kind]
    assert set(item) == SPELLED[kind]
    model = READ_MODELS[kind]
    assert set(item) - set(model.model_fields) == set()
    assert model.of_item(item).as_item() == item  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", sorted(READ_MODELS))
def test_an_item_survives_the_round_trip_through_the_wire(written: dict[str, dict[str, Any]], kind: str) -> None:
    model = READ_MODELS[kind]
    item = written[kind]
    assert model.of_item(deserialize(serialize(item))) == model.of_item(item)  # type: ignore[attr-defined]


def test_what_is_read_back_is_what_was_written(written: dict[str, dict[str, Any]]) -> None:
    record = BatchItem.of_item(written["batch"]).record()
    assert (record.status, record.kind, record.object_count, record.created_at) == (
        BatchStatus.FAILED,
        ObjectKind.LABELING,
        2,
        NOW,
    )
    assert (record.objects, record.reason) == (("s3://data/incoming/a.jpg",), "boom")
    assert MemberItem.of_item(written["member"]).ref() == VERSIONED
    assert MemberItem.of_item(written["unversioned member"]).ref() == UNVERSIONED


@pytest.mark.parametrize("model", [BatchItem, BatchOutcome, MemberItem, ClaimItem, BufferItem])
def test_the_write_side_refuses_an_unknown_field(model: type[BaseModel]) -> None:
    with pytest.raises(ValidationError, match="batch_idd"):
        model(batch_idd="b1")


def test_the_counts_are_numbers_and_the_states_are_known() -> None:
    with pytest.raises(ValidationError, match="size"):
        MemberItem(bucket="b", key="k", size="big", etag="e")
    with pytest.raises(ValidationError, match="status"):
        BatchOutcome(status="SEALEDD", updated_at="t")
    with pytest.raises(ValidationError, match="item_type"):
        BufferItem(item_type="batch", batch_id="b1")


def test_the_read_side_ignores_what_a_newer_writer_adds(written: dict[str, dict[str, Any]]) -> None:
    batch = {**written["batch"], "pipeline_status": "Executing", "from_a_newer_writer": {"x": 1}}
    assert BatchItem.of_item(batch) == BatchItem.of_item(written["batch"])
    assert BufferItem.of_item({"batch_id": "b1", "newer": 1}) == BufferItem(batch_id="b1")


def test_an_empty_version_id_is_no_version() -> None:
    ref = ObjectRef(bucket="b", key="k", size=1, etag="e", version_id="")
    assert "version_id" not in MemberItem.of_ref(ref).as_item()
