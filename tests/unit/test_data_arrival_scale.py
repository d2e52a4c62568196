"""10,000 objects at once: one labeling job per batch, SageMaker calls proportional to jobs, never to objects."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from math import ceil

import pytest

from mlops_core.ingest.batching import DebouncePolicy
from mlops_core.ingest.service import SqsMessage, handle_messages
from tests.support.fakes.data_arrival import (
    BUCKET,
    FakeLabelingJobs,
    InMemoryBatchStore,
    InMemoryObjectStore,
    make_arrival,
    manifest_refs,
    sqs_message,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
OBJECTS = 10_000


@pytest.fixture(scope="module")
def messages() -> list[SqsMessage]:
    return [sqs_message(f"incoming/drop/{i:05}.txt") for i in range(OBJECTS)]


def labeled(objects: InMemoryObjectStore, jobs: FakeLabelingJobs) -> Counter[str]:
    manifests = manifest_refs(objects)
    counts: Counter[str] = Counter()
    for request in jobs.jobs.values():
        uri = request["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"]
        counts.update(manifests[uri.removeprefix(f"s3://{BUCKET}/")])
    return counts


@pytest.mark.parametrize("sqs_batch_size", [1_000, 10_000])
def test_ten_thousand_objects_become_one_job_per_sqs_batch(messages: list[SqsMessage], sqs_batch_size: int) -> None:
    store, objects, jobs = InMemoryBatchStore(), InMemoryObjectStore(BUCKET), FakeLabelingJobs()
    arrival = make_arrival(store, objects, jobs)

    for start in range(0, OBJECTS, sqs_batch_size):
        handle_messages(messages[start : start + sqs_batch_size], arrival, NOW)

    expected_jobs = ceil(OBJECTS / sqs_batch_size)
    assert len(jobs.calls) == expected_jobs
    assert len(jobs.jobs) == expected_jobs
    counts = labeled(objects, jobs)
    assert len(counts) == OBJECTS
    assert set(counts.values()) == {1}


def test_with_debouncing_the_job_count_follows_the_buffer_size_not_the_sqs_batches(messages: list[SqsMessage]) -> None:
    store, objects, jobs = InMemoryBatchStore(), InMemoryObjectStore(BUCKET), FakeLabelingJobs()
    arrival = make_arrival(store, objects, jobs, debounce=DebouncePolicy(2_500, timedelta(minutes=15)))

    for start in range(0, OBJECTS, 400):
        handle_messages(messages[start : start + 400], arrival, NOW)

    assert len(jobs.calls) == len(jobs.jobs) == ceil(OBJECTS / 2_500)
    assert set(labeled(objects, jobs).values()) == {1}
