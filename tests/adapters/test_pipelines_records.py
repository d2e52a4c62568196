"""Training records: one contract, run against the ledger adapter on moto's DynamoDB and the in-memory fake."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta

import boto3
import pytest
from moto import mock_aws

from mlops_core.aws.dynamodb import Expression
from mlops_core.aws.ledger import Ledger, batch_key
from mlops_core.training.ledger_items import BatchTrainingFields, ExecutionFields, LabelingJobFields, TriggerFields
from mlops_core.training.records import (
    ExecutionRecord,
    LedgerTrainingRecords,
    TrainingRecords,
    Trigger,
    TriggerKind,
    set_expression,
)
from tests.support.fakes.training import BATCH, JOB, NOW, PIPELINE, InMemoryTrainingRecords
from tests.support.tables import LEDGER, create_tables

ARN = f"arn:aws:sagemaker:us-east-1:123456789012:pipeline/{PIPELINE}/execution/abc123"

#: A records implementation, and how to put a batch record into its table as data arrival would.
Subject = tuple[TrainingRecords, Callable[[str], None]]


@pytest.fixture(params=["ledger", "memory"])
def subject(request: pytest.FixtureRequest) -> Iterator[Subject]:
    if request.param == "memory":
        memory = InMemoryTrainingRecords()
        yield memory, memory.add_batch
        return
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_tables(client)
        ledger = Ledger(client, LEDGER)

        def add_batch(batch_id: str) -> None:
            ledger.put({**batch_key(batch_id), "batch_id": batch_id, "status": "LABELING"})

        yield LedgerTrainingRecords(ledger), add_batch


def test_the_first_claim_is_kept_and_later_claims_see_it(subject: Subject) -> None:
    records, add_batch = subject
    add_batch(BATCH)
    trigger = Trigger(TriggerKind.BATCH, BATCH)

    first = records.claim_start(trigger, NOW)
    later = records.claim_start(trigger, NOW + timedelta(minutes=5))

    assert first.requested_at == later.requested_at == NOW
    assert later.execution_arn is None


def test_a_claim_returns_the_execution_saved_on_the_trigger(subject: Subject) -> None:
    records, _ = subject
    trigger = Trigger(TriggerKind.LABELING_JOB, JOB)
    records.claim_start(trigger, NOW)
    records.save_trigger(trigger, LabelingJobFields(pipeline_execution_arn=ARN, status="Completed"), NOW)

    assert records.claim_start(trigger, NOW).execution_arn == ARN
    assert records.labeling_job(JOB.upper()) is not None, "labeling job names are keyed ignoring case"


def test_a_batch_trigger_needs_its_batch_record(subject: Subject) -> None:
    records, _ = subject
    with pytest.raises(LookupError, match="no ledger record"):
        records.claim_start(Trigger(TriggerKind.BATCH, "missing"), NOW)
    assert records.save_batch("missing", BatchTrainingFields(pipeline_status="Executing"), NOW) is False


def test_saving_on_a_batch_keeps_its_data_arrival_status(subject: Subject) -> None:
    records, add_batch = subject
    add_batch(BATCH)

    fields = BatchTrainingFields(pipeline_status="Failed", pipeline_reason="boom", pipeline_failed_step=None)
    assert records.save_batch(BATCH, fields, NOW)
    records.save_trigger(Trigger(TriggerKind.BATCH, BATCH), TriggerFields(pipeline_execution_arn=ARN), NOW)

    assert records.claim_start(Trigger(TriggerKind.BATCH, BATCH), NOW).execution_arn == ARN


def test_an_execution_record_round_trips(subject: Subject) -> None:
    records, _ = subject
    record = ExecutionRecord(PIPELINE, "abc123", ARN, "Executing", "run-1", BATCH, JOB, "s3://b/k", None)

    assert records.save_execution(record, ExecutionFields(started_at=NOW.isoformat()), NOW)

    assert records.execution(PIPELINE, "abc123") == record
    assert records.execution(PIPELINE, "other") is None


def test_a_final_status_is_never_replaced_by_a_late_one(subject: Subject) -> None:
    records, _ = subject
    record = ExecutionRecord(PIPELINE, "abc123", ARN, "Succeeded", notified_status="Succeeded")
    records.save_execution(record, ExecutionFields(), NOW)

    late = replace(record, status="Executing", notified_status=None)
    assert records.save_execution(late, ExecutionFields(), NOW) is False
    assert records.save_execution(replace(record, status="Failed"), ExecutionFields(), NOW) is False
    assert records.save_execution(record, ExecutionFields(reason="again"), NOW) is True

    saved = records.execution(PIPELINE, "abc123")
    assert saved is not None
    assert saved.status == "Succeeded"


def test_fields_left_out_keep_their_stored_values(subject: Subject) -> None:
    records, _ = subject
    records.save_execution(ExecutionRecord(PIPELINE, "abc123", ARN, batch_id=BATCH), ExecutionFields(), NOW)
    records.save_execution(ExecutionRecord(PIPELINE, "abc123", ARN, status="Executing"), ExecutionFields(), NOW)

    saved = records.execution(PIPELINE, "abc123")
    assert saved is not None
    assert (saved.batch_id, saved.status) == (BATCH, "Executing")


def test_set_expressions_use_placeholders_for_reserved_words_and_skip_none() -> None:
    assert set_expression({"status": "x", "reason": None, "name": "y"}) == Expression(
        "SET #f0 = :v0, #f1 = :v1", {"#f0": "status", "#f1": "name"}, {":v0": "x", ":v1": "y"}
    )
    with pytest.raises(ValueError, match="nothing to set"):
        set_expression({"reason": None})


def test_a_report_is_claimed_once_per_status_and_a_given_back_claim_can_be_taken_again(subject: Subject) -> None:
    records, _ = subject
    execution = ExecutionRecord(PIPELINE, "abc123", ARN)

    assert records.claim_report(execution, "Succeeded", NOW)
    assert not records.claim_report(execution, "Succeeded", NOW)  # the retry, or the duplicate at the same time
    records.release_report(execution, "Failed")  # not the claimed status: nothing changes
    assert not records.claim_report(execution, "Succeeded", NOW)
    records.release_report(execution, "Succeeded")
    assert records.claim_report(execution, "Succeeded", NOW)


def test_a_claimed_execution_is_readable_before_its_record_is_saved(subject: Subject) -> None:
    records, _ = subject

    records.claim_report(ExecutionRecord(PIPELINE, "abc123", ARN), "Failed", NOW)

    found = records.execution(PIPELINE, "abc123")
    assert found is not None
    assert (found.execution_arn, found.status, found.notified_status) == (ARN, None, None)


def test_a_labeling_jobs_report_claim_keeps_its_record(subject: Subject) -> None:
    records, _ = subject
    trigger = Trigger(TriggerKind.LABELING_JOB, JOB)
    records.save_trigger(trigger, LabelingJobFields(status="Failed", reason="boom"), NOW)

    assert records.claim_report(trigger, "Failed", NOW)
    assert not records.claim_report(trigger, "Failed", NOW)

    item = records.labeling_job(JOB)
    assert item is not None
    assert (item.status, item.reason, item.report_claimed_for) == ("Failed", "boom", "Failed")


def test_a_labeling_jobs_fields_never_go_on_a_batch(subject: Subject) -> None:
    """Its ``status`` would overwrite the batch's data-arrival status."""
    records, add_batch = subject
    add_batch(BATCH)
    with pytest.raises(TypeError, match="labeling job fields"):
        records.save_trigger(Trigger(TriggerKind.BATCH, BATCH), LabelingJobFields(status="Failed"), NOW)
