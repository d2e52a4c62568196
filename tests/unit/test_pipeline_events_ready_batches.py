"""Batches that need no labeling (``labeled/`` data, or the ``none`` back-end) start the training pipeline once, on a
per-batch copy of their labelled JSON-lines files; data arrival runs on in-memory ports with the real starter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from mlops_core.aws.errors import RequestRejectedError
from mlops_core.errors import TransientError
from mlops_core.ingest.batch_outcomes import BatchingOptions
from mlops_core.ingest.batches import BatchCoordinator
from mlops_core.ingest.batching import BatchStatus, DebouncePolicy
from mlops_core.ingest.ports import TrainingStarter
from mlops_core.ingest.service import ArrivalReport, DataArrival, SqsMessage, handle_messages
from mlops_core.labeling.backends import NoLabeling
from mlops_core.training import starts as training
from mlops_core.training.starts import (
    BatchTraining,
    PipelineTrainingStarter,
    TrainingLauncher,
    training_input_prefix,
)
from pipelines.models.tabular import preprocess as tabular_preprocess
from pipelines.models.text import preprocess
from tests.support.fakes.data_arrival import (
    BUCKET,
    ORIGIN,
    InMemoryBatchStore,
    InMemoryObjectStore,
    make_arrival,
    sqs_message,
)
from tests.support.fakes.training import (
    PIPELINE,
    STACK,
    FakeExecutions,
    FakeNotifier,
    FakeTrainingData,
    InMemoryTrainingRecords,
)

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@dataclass
class World:
    store: InMemoryBatchStore = field(default_factory=InMemoryBatchStore)
    objects: InMemoryObjectStore = field(default_factory=lambda: InMemoryObjectStore(BUCKET))
    data: FakeTrainingData = field(default_factory=lambda: FakeTrainingData(BUCKET))
    executions: FakeExecutions = field(default_factory=FakeExecutions)
    notifier: FakeNotifier = field(default_factory=FakeNotifier)
    records: InMemoryTrainingRecords = field(init=False)

    def __post_init__(self) -> None:
        self.records = InMemoryTrainingRecords(batch_exists=lambda batch_id: batch_id in self.store.records)

    @property
    def starter(self) -> TrainingStarter:
        launcher = TrainingLauncher(self.executions, self.records)
        return PipelineTrainingStarter(
            self.store, self.data, launcher, self.notifier, BatchTraining(STACK, PIPELINE, BUCKET)
        )

    def arrival(self) -> DataArrival:
        """Data arrival with the ``none`` back-end: ``labeled/`` and ``incoming/`` batches both reach the starter."""
        policy = make_arrival(self.store, self.objects, None).policy
        options = BatchingOptions(manifest_prefix="manifests/", debounce=DebouncePolicy())
        coordinator = BatchCoordinator(self.store, self.objects, NoLabeling(), self.starter, options)
        return DataArrival(policy, coordinator, ORIGIN)

    def run(self, messages: Sequence[SqsMessage]) -> ArrivalReport:
        return handle_messages(messages, self.arrival(), NOW)


@pytest.fixture
def world() -> World:
    return World()


def test_labelled_files_start_one_execution_on_a_per_batch_copy(world: World) -> None:
    report = world.run([sqs_message("labeled/day1/a.jsonl"), sqs_message("labeled/day2/b.jsonl")])

    (batch_id,) = report.batches_ready
    record = world.store.records[batch_id]
    assert record.status is BatchStatus.READY_FOR_TRAINING
    assert record.manifest_uri is not None
    execution = world.executions.only()
    prefix = training_input_prefix(record.manifest_uri, BUCKET)
    assert execution.request.parameters == {
        "InputManifestUri": f"s3://{BUCKET}/{prefix}",
        "DataBatchId": batch_id,
        "LabelingJobName": "none",
        "LabelColumn": "label",
        "FeatureColumns": "text",
    }
    assert sorted(world.data.copies.values()) == [
        f"s3://{BUCKET}/labeled/day1/a.jsonl",
        f"s3://{BUCKET}/labeled/day2/b.jsonl",
    ]
    assert all(key.startswith(prefix) and key.endswith(".jsonl") for key in world.data.copies)
    assert execution.request.display_name == f"{STACK}-batch-{batch_id}"


def test_the_batch_record_links_the_execution_and_its_input(world: World) -> None:
    report = world.run([sqs_message("labeled/a.jsonl")])

    (batch_id,) = report.batches_ready
    batch = world.records.batch(batch_id)
    assert batch is not None
    assert batch["pipeline_execution_arn"] == world.executions.only().arn
    assert batch["training_input_uri"] == world.executions.only().request.parameters["InputManifestUri"]
    assert (batch["training_files"], batch["training_files_skipped"]) == (1, 0)


def test_the_same_files_delivered_again_start_nothing_new(world: World) -> None:
    messages = [sqs_message("labeled/a.jsonl")]
    world.run(messages)
    report = world.run(messages)

    assert report.duplicates == 1
    assert world.executions.starts == 1


def test_a_crash_after_the_start_is_finished_by_the_retry_without_a_second_execution(world: World) -> None:
    real_finish = world.store.finish
    calls = {"n": 0}

    def crash_once(*args: object, **kwargs: object) -> bool:
        calls["n"] += 1
        if calls["n"] == 1:
            raise TransientError("DynamoDB unavailable")
        return real_finish(*args, **kwargs)  # type: ignore[arg-type]

    world.store.finish = crash_once  # type: ignore[method-assign]
    messages = [sqs_message("labeled/a.jsonl")]
    with pytest.raises(TransientError):
        world.run(messages)
    world.run(messages)

    assert world.executions.starts == 1
    assert world.executions.calls.count("start") == 1, "the ledger remembered the execution"
    (record,) = world.store.records.values()
    assert record.status is BatchStatus.READY_FOR_TRAINING


def test_files_preprocess_cannot_read_are_left_out_and_counted(world: World) -> None:
    report = world.run([sqs_message("labeled/a.jsonl"), sqs_message("labeled/notes.txt")])

    assert list(world.data.copies.values()) == [f"s3://{BUCKET}/labeled/a.jsonl"]
    batch = world.records.batch(report.batches_ready[0])
    assert batch is not None
    assert batch["training_files_skipped"] == 1


def test_a_batch_without_labelled_json_lines_starts_nothing_and_says_why(world: World) -> None:
    report = world.run([sqs_message("labeled/photo.png"), sqs_message("labeled/notes.txt")])

    (batch_id,) = report.batches_ready
    assert world.executions.executions == {}
    assert world.store.records[batch_id].status is BatchStatus.READY_FOR_TRAINING
    batch = world.records.batch(batch_id)
    assert batch is not None
    assert batch["pipeline_status"] == "NOT_STARTED"
    ((subject, message),) = world.notifier.published
    assert subject == f"[TRAINING NOT STARTED] batch {batch_id}"
    assert message["outcome"] == "NOT_STARTED"
    assert "labeled CSV or JSON lines" in message["reason"]


def test_raw_data_with_labeling_off_trains_on_its_json_lines(world: World) -> None:
    report = world.run([sqs_message("incoming/tickets.jsonl")])

    assert len(report.batches_ready) == 1
    assert list(world.data.copies.values()) == [f"s3://{BUCKET}/incoming/tickets.jsonl"]
    assert world.executions.starts == 1


def test_too_many_files_fail_the_batch_with_the_reason(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(training, "MAX_TRAINING_FILES", 2)
    messages = [sqs_message(f"labeled/{n}.jsonl", f"m{n}") for n in range(3)]

    report = world.run(messages)

    assert report.failed_message_ids == {"m0", "m1", "m2"}
    (record,) = world.store.records.values()
    assert record.status is BatchStatus.FAILED
    assert record.reason is not None
    assert "more than 2" in record.reason
    assert world.executions.executions == {}


def test_a_refused_start_fails_the_batch_so_its_messages_are_retried(world: World) -> None:
    world.executions.fail_with = lambda: RequestRejectedError(
        "StartPipelineExecution", "ResourceNotFound", "Pipeline mlops-dev-training does not exist"
    )

    report = world.run([sqs_message("labeled/a.jsonl", "m1")])

    assert report.failed_message_ids == {"m1"}
    (record,) = world.store.records.values()
    assert record.status is BatchStatus.FAILED
    assert "does not exist" in (record.reason or "")


def test_the_training_prefix_sits_beside_the_batch_manifest() -> None:
    assert training_input_prefix(f"s3://{BUCKET}/manifests/abc/input.manifest", BUCKET) == "manifests/abc/training/"
    with pytest.raises(ValueError, match="is not a manifest"):
        training_input_prefix("s3://other-bucket/manifests/abc/input.manifest", BUCKET)


def test_the_files_taken_are_those_the_preprocess_steps_read() -> None:
    assert set(preprocess.INPUT_SUFFIXES) | set(tabular_preprocess.INPUT_SUFFIXES) == training.TRAINING_INPUT_SUFFIXES
