"""Debouncing: a trickle of objects is held in a buffer until it is full or old enough, then becomes one job."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from mlops_core.errors import TransientError
from mlops_core.ingest.batching import BatchStatus, DebouncePolicy
from mlops_core.ingest.service import ArrivalReport, SqsMessage, handle_messages
from tests.support.fakes.data_arrival import (
    BUCKET,
    FakeLabelingJobs,
    InMemoryBatchStore,
    InMemoryObjectStore,
    make_arrival,
    manifest_refs,
    sqs_message,
    throttle,
)

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
TICK = SqsMessage(
    "tick",
    json.dumps(
        {
            "version": "0",
            "id": "tick",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "123456789012",
            "time": "2026-01-01T12:00:00Z",
            "region": "us-east-1",
            "resources": ["arn:aws:events:us-east-1:123456789012:rule/mlops-dev-DataArrivalFlushRule"],
            "detail": {},
        }
    ),
)


class Debounced:
    def __init__(self, max_objects: int, max_seconds: int = 900) -> None:
        self.store = InMemoryBatchStore()
        self.objects = InMemoryObjectStore(BUCKET)
        self.jobs = FakeLabelingJobs()
        self.policy = DebouncePolicy(max_objects, timedelta(seconds=max_seconds))

    def run(self, messages: list[SqsMessage], now: datetime, policy: DebouncePolicy | None = None) -> ArrivalReport:
        arrival = make_arrival(self.store, self.objects, self.jobs, debounce=policy or self.policy)
        return handle_messages(messages, arrival, now)

    def job_sizes(self) -> list[int]:
        manifests = manifest_refs(self.objects)
        sizes = []
        for request in self.jobs.jobs.values():
            uri = request["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"]
            sizes.append(len(manifests[uri.removeprefix(f"s3://{BUCKET}/")]))
        return sorted(sizes)


def test_a_trickle_is_held_until_the_buffer_is_old_enough_then_flushed_by_the_next_message() -> None:
    world = Debounced(max_objects=100, max_seconds=900)
    for minute in range(3):
        report = world.run([sqs_message(f"incoming/{minute}.txt")], T0 + timedelta(minutes=minute))
        assert report.accepted == 1
        assert report.failed_message_ids == set()
    assert world.jobs.calls == []

    world.run([TICK], T0 + timedelta(minutes=16))

    assert world.job_sizes() == [3]


def test_a_buffer_is_not_flushed_before_it_is_due() -> None:
    world = Debounced(max_objects=100, max_seconds=900)
    world.run([sqs_message("incoming/a.txt")], T0)
    world.run([TICK], T0 + timedelta(minutes=14))

    assert world.jobs.calls == []


def test_a_buffer_that_fills_up_starts_its_job_at_once_and_the_rest_waits() -> None:
    world = Debounced(max_objects=3)
    world.run([sqs_message(f"incoming/{i}.txt") for i in range(7)], T0)

    assert world.job_sizes() == [3, 3]
    world.run([TICK], T0 + timedelta(hours=1))
    assert world.job_sizes() == [1, 3, 3]


def test_an_object_redelivered_while_buffered_is_a_duplicate_and_is_labeled_once() -> None:
    world = Debounced(max_objects=10)
    world.run([sqs_message("incoming/a.txt", "m1")], T0)
    again = world.run([sqs_message("incoming/a.txt", "m2")], T0 + timedelta(minutes=1))
    world.run([TICK], T0 + timedelta(hours=1))

    assert (again.accepted, again.duplicates) == (0, 1)
    assert world.job_sizes() == [1]


def test_a_flush_that_crashed_is_finished_by_the_next_invocation_with_a_single_job() -> None:
    world = Debounced(max_objects=2)
    world.jobs.fail_with = throttle
    with pytest.raises(TransientError):
        world.run([sqs_message("incoming/a.txt"), sqs_message("incoming/b.txt")], T0)
    world.jobs.fail_with = lambda: None

    world.run([TICK], T0 + timedelta(seconds=30))

    assert world.job_sizes() == [2]
    assert Counter(r.status for r in world.store.records.values())[BatchStatus.LABELING] == 1


def test_a_buffer_left_open_when_debouncing_is_turned_off_is_drained() -> None:
    world = Debounced(max_objects=100)
    world.run([sqs_message("incoming/a.txt")], T0)

    world.run([TICK], T0 + timedelta(seconds=5), policy=DebouncePolicy())

    assert world.job_sizes() == [1]
    assert world.store.buffers == {}
