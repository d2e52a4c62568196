"""Data arrival, end to end on in-memory ports: validation, de-duplication, manifests, labeling jobs, crash safety."""

from __future__ import annotations

import io
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools import Logger

from mlops_core.errors import TransientError
from mlops_core.ingest.batching import BatchStatus
from mlops_core.ingest.manifest import ManifestMode
from mlops_core.ingest.objects import ObjectKind
from mlops_core.ingest.service import ArrivalReport, DataArrival, SqsMessage, handle_messages
from tests.support.fakes.data_arrival import (
    BUCKET,
    FakeLabelingJobs,
    InMemoryBatchStore,
    InMemoryObjectStore,
    make_arrival,
    manifest_refs,
    refuse,
    sqs_message,
    throttle,
)

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@dataclass
class World:
    store: InMemoryBatchStore = field(default_factory=InMemoryBatchStore)
    objects: InMemoryObjectStore = field(default_factory=lambda: InMemoryObjectStore(BUCKET))
    jobs: FakeLabelingJobs = field(default_factory=FakeLabelingJobs)
    backend_none: bool = False

    @property
    def arrival(self) -> DataArrival:
        return make_arrival(self.store, self.objects, None if self.backend_none else self.jobs)

    def run(self, messages: Sequence[SqsMessage], now: datetime = NOW) -> ArrivalReport:
        return handle_messages(messages, self.arrival, now)

    def labeled_objects(self) -> Counter[str]:
        """How many manifests of started jobs list each object."""
        counts: Counter[str] = Counter()
        for request in self.jobs.jobs.values():
            key = request["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"].removeprefix(f"s3://{BUCKET}/")
            counts.update(manifest_refs(self.objects)[key])
        return counts


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def json_logs() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The structured log lines the service writes (Powertools' handler, redirected)."""
    handler = Logger().registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    handler.setStream(previous)


def uri(key: str) -> str:
    return f"s3://{BUCKET}/{key}"


def test_new_objects_start_one_labeling_job_whose_manifest_lists_each_once(world: World) -> None:
    keys = ["incoming/a.txt", "incoming/b b.txt", "incoming/ünïcödé.txt"]
    report = world.run([sqs_message(k) for k in keys])

    assert report.accepted == 3
    assert len(report.jobs_started) == 1
    assert world.labeled_objects() == Counter(uri(k) for k in keys)
    (request,) = world.jobs.calls
    assert request["LabelingJobName"].startswith("mlops-dev-")
    assert report.failed_message_ids == set()


def test_a_delivery_repeated_within_one_batch_is_counted_once(world: World) -> None:
    report = world.run([sqs_message("incoming/a.txt", "m1"), sqs_message("incoming/a.txt", "m2")])

    assert (report.accepted, report.duplicates) == (1, 1)
    assert world.labeled_objects() == Counter({uri("incoming/a.txt"): 1})


def test_a_redelivery_in_a_later_batch_is_a_duplicate_and_starts_no_job(world: World) -> None:
    world.run([sqs_message("incoming/a.txt", "m1")])
    again = world.run([sqs_message("incoming/a.txt", "m2")])

    assert (again.accepted, again.duplicates, again.jobs_started) == (0, 1, [])
    assert len(world.jobs.calls) == 1


def test_objects_sharing_one_event_id_are_still_distinct_objects(world: World) -> None:
    """moto (and any at-least-once source) may repeat event ids: identity is bucket + key + ETag."""
    report = world.run([sqs_message(f"incoming/{i}.txt", event_id="same-id") for i in range(3)])

    assert report.accepted == 3


def test_a_new_version_with_the_same_bytes_is_a_duplicate(world: World) -> None:
    world.run([sqs_message("incoming/a.txt", "m1", version_id="v1", etag="same")])
    report = world.run([sqs_message("incoming/a.txt", "m2", version_id="v2", etag="same")])

    assert (report.accepted, report.duplicates, report.jobs_started) == (0, 1, [])


def test_a_new_version_with_changed_bytes_is_a_new_object(world: World) -> None:
    world.run([sqs_message("incoming/a.txt", "m1", version_id="v1", etag="before")])
    report = world.run([sqs_message("incoming/a.txt", "m2", version_id="v2", etag="after")])

    assert report.accepted == 1
    assert len(report.jobs_started) == 1


@pytest.mark.parametrize(
    ("key", "extra", "reason"),
    [
        ("incoming/../etc/passwd.txt", {}, "dot-segment"),
        ("incoming/a\x00b.txt", {}, "control-character"),
        ("incoming/a\u202etxt.exe.txt", {}, "control-character"),
        ("/incoming/a.txt", {}, "leading-slash"),
        ("incoming/a.exe", {}, "extension-not-allowed"),
        ("incoming/empty.txt", {"size": 0}, "empty-object"),
        ("incoming/huge.txt", {"size": 1_000_001}, "too-large"),
        ("manifests/x.txt", {}, "outside-prefixes"),
        ("incoming/a.txt", {"bucket": "someone-elses-bucket"}, "foreign-bucket"),
    ],
)
def test_refused_objects_are_acknowledged_with_a_logged_reason_and_no_side_effect(
    world: World, json_logs: Callable[[], list[dict[str, Any]]], key: str, extra: dict[str, object], reason: str
) -> None:
    report = world.run([sqs_message(key, "m1", **extra)])

    assert (report.ignored, report.accepted, report.failed_message_ids) == (1, 0, set())
    assert world.jobs.calls == []
    assert world.objects.written == {}
    ignored = [entry for entry in json_logs() if entry.get("message") == "object ignored"]
    assert ignored[0]["reason"] == reason
    assert ignored[0]["key"] == key
    assert ignored[0]["correlation_id"] == "m1"


def test_unsupported_and_malformed_messages_are_acknowledged(world: World) -> None:
    scheduled = json.dumps(
        {
            "version": "0",
            "id": "x",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "123456789012",
            "time": "2026-01-01T00:00:00Z",
            "region": "us-east-1",
            "resources": [],
            "detail": {},
        }
    )
    report = world.run([SqsMessage("m1", "not json"), SqsMessage("m2", scheduled), SqsMessage("m3", "{}")])

    assert (report.ignored, report.failed_message_ids) == (3, set())


def test_objects_under_the_labeled_prefix_skip_labeling_and_are_ready_for_training(world: World) -> None:
    report = world.run([sqs_message("labeled/a.jsonl"), sqs_message("incoming/b.txt")])

    assert len(report.batches_ready) == 1
    assert len(report.jobs_started) == 1
    ready = world.store.records[report.batches_ready[0]]
    assert ready.status is BatchStatus.READY_FOR_TRAINING
    assert ready.kind is ObjectKind.LABELED
    assert ready.objects == (uri("labeled/a.jsonl"),)
    assert ready.manifest_uri is not None
    assert manifest_refs(world.objects)[ready.manifest_uri.removeprefix(f"s3://{BUCKET}/")] == [uri("labeled/a.jsonl")]


def test_backend_none_sends_raw_data_to_training_without_any_labeling_call(world: World) -> None:
    world.backend_none = True
    report = world.run([sqs_message("incoming/a.txt")])

    assert report.jobs_started == []
    assert world.jobs.calls == []
    assert world.store.records[report.batches_ready[0]].status is BatchStatus.READY_FOR_TRAINING


def test_the_ledger_records_the_batch_with_its_manifest_job_and_objects(world: World) -> None:
    report = world.run([sqs_message("incoming/a.txt"), sqs_message("incoming/b.txt")])

    (record,) = world.store.records.values()
    assert record.status is BatchStatus.LABELING
    assert record.labeling_job_name == report.jobs_started[0]
    assert record.object_count == 2
    assert set(record.objects) == {uri("incoming/a.txt"), uri("incoming/b.txt")}
    assert record.manifest_uri is not None
    assert record.manifest_uri.endswith("/input.manifest")
    assert record.created_at == NOW


def test_inline_source_mode_puts_the_texts_in_the_manifest() -> None:
    objects = InMemoryObjectStore(BUCKET, texts={"incoming/a.txt": "great product", "incoming/b.txt": "awful"})
    store, jobs = InMemoryBatchStore(), FakeLabelingJobs()
    arrival = make_arrival(store, objects, jobs, mode=ManifestMode.SOURCE)
    handle_messages([sqs_message("incoming/a.txt"), sqs_message("incoming/b.txt")], arrival, NOW)

    (lines,) = manifest_refs(objects).values()
    assert sorted(lines) == ["awful", "great product"]
    (template_key,) = [k for k in objects.written if k.endswith(".liquid.html")]
    assert "grant_read_access" not in objects.written[template_key]


# -- failures ---------------------------------------------------------------------------------------------------


def test_a_refused_job_fails_only_its_own_messages_and_is_recorded_failed(world: World) -> None:
    world.jobs.fail_with = refuse
    report = world.run([sqs_message("incoming/a.txt", "m1"), sqs_message("labeled/b.jsonl", "m2")])

    assert report.failed_message_ids == {"m1"}
    failed = world.store.records[report.batches_failed[0]]
    assert failed.status is BatchStatus.FAILED
    assert failed.reason is not None
    assert "ValidationException" in failed.reason


def test_a_failed_batch_is_retried_when_its_messages_come_back_after_the_fix(world: World) -> None:
    world.jobs.fail_with = refuse
    first = world.run([sqs_message("incoming/a.txt", "m1")])
    world.jobs.fail_with = lambda: None
    retry = world.run([sqs_message("incoming/a.txt", "m1")])

    assert retry.failed_message_ids == set()
    assert world.store.records[first.batches_failed[0]].status is BatchStatus.LABELING
    assert len(world.jobs.jobs) == 1


def test_throttling_propagates_so_that_sqs_retries_the_whole_batch(world: World) -> None:
    world.jobs.fail_with = throttle
    with pytest.raises(TransientError):
        world.run([sqs_message("incoming/a.txt")])


def test_a_crash_before_the_job_exists_converges_on_one_job_when_the_batch_is_retried(world: World) -> None:
    messages = [sqs_message(f"incoming/{i}.txt") for i in range(5)]
    world.jobs.fail_with = throttle
    with pytest.raises(TransientError):
        world.run(messages)
    world.jobs.fail_with = lambda: None

    retry = world.run(messages)

    assert len(world.jobs.jobs) == 1
    assert retry.failed_message_ids == set()
    assert world.labeled_objects() == Counter(uri(f"incoming/{i}.txt") for i in range(5))


def test_a_crash_after_the_job_was_created_converges_on_that_same_job(world: World) -> None:
    messages = [sqs_message(f"incoming/{i}.txt") for i in range(3)]
    original_finish = world.store.finish
    crashes = iter([True])

    def finish_then_crash(*args: object, **kwargs: object) -> bool:
        if next(crashes, False):
            raise TransientError("lost the connection after CreateLabelingJob")
        return original_finish(*args, **kwargs)  # type: ignore[arg-type]

    world.store.finish = finish_then_crash  # type: ignore[method-assign]
    with pytest.raises(TransientError):
        world.run(messages)
    retry = world.run(messages)

    assert len(world.jobs.jobs) == 1
    assert len(world.jobs.calls) == 2
    assert retry.jobs_started == []
    (record,) = world.store.records.values()
    assert record.status is BatchStatus.LABELING
    assert record.labeling_job_name in world.jobs.jobs


def test_a_batch_retried_in_a_different_grouping_still_labels_every_object_exactly_once(world: World) -> None:
    first = [sqs_message(f"incoming/{i}.txt") for i in range(6)]
    world.jobs.fail_with = throttle
    with pytest.raises(TransientError):
        world.run(first)
    world.jobs.fail_with = lambda: None

    # SQS hands the retried messages back mixed with new ones, in two invocations.
    world.run([*first[:2], sqs_message("incoming/new-1.txt")])
    world.run([*first[2:], sqs_message("incoming/new-2.txt")])

    expected = [uri(f"incoming/{i}.txt") for i in range(6)] + [uri("incoming/new-1.txt"), uri("incoming/new-2.txt")]
    assert world.labeled_objects() == Counter(expected)
    assert len(set(world.jobs.jobs)) == len(world.jobs.jobs)


def test_a_crash_while_objects_join_a_batch_loses_none_and_labels_none_twice(world: World) -> None:
    messages = [sqs_message(f"incoming/{i}.txt") for i in range(10)]
    original_admit = world.store.admit
    crashes = iter([True])

    def admit_half_then_crash(batch_id: str, objects: Sequence[object], now: datetime) -> object:
        if next(crashes, False):
            original_admit(batch_id, objects[:4], now)  # type: ignore[arg-type]
            raise TransientError("Lambda timed out")
        return original_admit(batch_id, objects, now)  # type: ignore[arg-type]

    world.store.admit = admit_half_then_crash  # type: ignore[method-assign,assignment]
    with pytest.raises(TransientError):
        world.run(messages)
    world.run(messages)

    assert world.labeled_objects() == Counter(uri(f"incoming/{i}.txt") for i in range(10))
    assert all(r.status.is_done for r in world.store.records.values())


def test_concurrent_batches_with_a_shared_object_label_it_once(world: World) -> None:
    """Two invocations race on one object (EventBridge delivered it twice): the claim decides."""
    arrival = world.arrival
    store = world.store
    original_admit = store.admit
    interleaved = iter([True])

    def admit_after_rival(batch_id: str, objects: Sequence[object], now: datetime) -> object:
        if next(interleaved, False):
            handle_messages([sqs_message("incoming/shared.txt", "rival")], arrival, now)
        return original_admit(batch_id, objects, now)  # type: ignore[arg-type]

    store.admit = admit_after_rival  # type: ignore[method-assign,assignment]
    report = world.run([sqs_message("incoming/shared.txt", "m1"), sqs_message("incoming/own.txt", "m2")])

    assert world.labeled_objects() == Counter({uri("incoming/shared.txt"): 1, uri("incoming/own.txt"): 1})
    assert report.failed_message_ids == set()
