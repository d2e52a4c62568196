"""The training ledger's items as models: every attribute the records adapter writes (each fields model filled in
whole, plus what the adapter adds) is a field of the read model, a writer's unknown field is refused, the reader
ignores what it does not know, and an item survives the round trip through DynamoDB's wire format unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pydantic import BaseModel, ValidationError

from mlops_core.aws.dynamodb import deserialize, serialize
from mlops_core.aws.ledger import Ledger, batch_key
from mlops_core.training.ledger_items import (
    BatchTrainingFields,
    BatchTrainingItem,
    ExecutionFields,
    ExecutionItem,
    LabelingJobFields,
    LabelingJobItem,
    TriggerFields,
)
from mlops_core.training.records import (
    ExecutionRecord,
    LedgerTrainingRecords,
    Trigger,
    TriggerKind,
    execution_key,
    execution_record,
    labeling_job_key,
)
from tests.support.fakes.training import BATCH, JOB, NOW, PIPELINE
from tests.support.tables import LEDGER, create_tables

ARN = f"arn:aws:sagemaker:us-east-1:123456789012:pipeline/{PIPELINE}/execution/abc123"
#: What data arrival writes on a batch record (:mod:`mlops_core.ingest.batch_store`'s, not training's).
DATA_ARRIVAL = {"pk", "sk", "batch_id", "status"}


def _whole(model: type[BaseModel]) -> Any:
    """``model`` with every field given a value of its type (a writer setting everything it can)."""
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        text = str(info.annotation)
        values[name] = 3 if "int" in text else "labeling-job" if "labeling-job" in text else f"{name}-value"
    return model(**values)


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_tables(client)
        yield Ledger(client, LEDGER)


def _written(ledger: Ledger, kind: str) -> dict[str, Any]:
    """The item after every write the adapter makes on a ``kind`` record, each writer's fields filled in whole."""
    records = LedgerTrainingRecords(ledger)
    if kind == "batch":
        ledger.put({**batch_key(BATCH), "batch_id": BATCH, "status": "LABELING"})
        trigger = Trigger(TriggerKind.BATCH, BATCH)
        records.claim_start(trigger, NOW)
        records.save_trigger(trigger, _whole(TriggerFields), NOW)
        records.save_batch(BATCH, _whole(BatchTrainingFields), NOW)
        records.claim_report(trigger, "Failed", NOW)
        key = batch_key(BATCH)
    elif kind == "labeling job":
        trigger = Trigger(TriggerKind.LABELING_JOB, JOB)
        records.claim_start(trigger, NOW)
        records.save_trigger(trigger, _whole(LabelingJobFields), NOW)
        records.claim_report(trigger, "Failed", NOW)
        key = labeling_job_key(JOB)
    else:
        record = ExecutionRecord(PIPELINE, "abc123", ARN, "Executing", "run-1", BATCH, JOB, "s3://b/k", "Failed")
        records.claim_report(record, "Failed", NOW)
        records.save_execution(record, _whole(ExecutionFields), NOW)
        key = execution_key(PIPELINE, "abc123")
    item = ledger.get(key)
    assert item is not None
    return item


READ_MODELS: dict[str, type[BaseModel]] = {
    "batch": BatchTrainingItem,
    "labeling job": LabelingJobItem,
    "execution": ExecutionItem,
}


def _read(kind: str, item: dict[str, Any]) -> dict[str, Any]:
    """What the readers get of the item: the read model's fields (and, for an execution, its record's)."""
    read = READ_MODELS[kind].model_validate(item).model_dump()
    if kind == "execution":
        read |= asdict(execution_record(PIPELINE, "abc123", item))
    return read


@pytest.mark.parametrize("kind", sorted(READ_MODELS))
def test_every_attribute_a_writer_sets_is_a_field_of_the_read_model(ledger: Ledger, kind: str) -> None:
    item = _written(ledger, kind)
    written = set(item) - {"pk", "sk"} - (DATA_ARRIVAL if kind == "batch" else set())
    read = _read(kind, item)
    assert written - set(read) == set()
    assert {name for name, value in read.items() if value is not None} == written
    assert {name: read[name] for name in written} == {name: item[name] for name in written}


@pytest.mark.parametrize("kind", sorted(READ_MODELS))
def test_an_item_survives_the_round_trip_through_the_wire(ledger: Ledger, kind: str) -> None:
    item = _written(ledger, kind)
    assert _read(kind, deserialize(serialize(item))) == _read(kind, item)


@pytest.mark.parametrize("fields", [TriggerFields, BatchTrainingFields, LabelingJobFields, ExecutionFields])
def test_the_write_side_refuses_an_unknown_field(fields: type[BaseModel]) -> None:
    with pytest.raises(ValidationError, match="pipeline_statuss"):
        fields(pipeline_statuss="Failed")
    with pytest.raises(ValidationError, match="frozen"):
        fields().pipeline_status = "Failed"  # type: ignore[attr-defined]


def test_the_training_files_are_counts() -> None:
    with pytest.raises(ValidationError, match="training_files"):
        BatchTrainingFields(training_files="many")
    with pytest.raises(ValidationError, match="item_type"):
        LabelingJobFields(item_type="pipeline-execution")


def test_an_update_names_only_what_the_writer_set() -> None:
    fields = LabelingJobFields(status="Failed", reason=None)
    assert fields.as_update() == {"status": "Failed", "reason": None}  # the store skips the None
    assert ExecutionFields().as_update() == {}


def test_the_read_side_ignores_what_a_newer_writer_adds() -> None:
    item = {**labeling_job_key(JOB), "status": "Completed", "from_a_newer_writer": {"x": 1}}
    assert LabelingJobItem.of_item(item) == LabelingJobItem(status="Completed")
    assert ExecutionItem.of_item({"reason": "boom", "pipeline_status": "x"}) == ExecutionItem(reason="boom")
