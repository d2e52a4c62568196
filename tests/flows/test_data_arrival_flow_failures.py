"""Data arrival on the local stack when SageMaker says no: throttling is retried until the job exists; a permanent
refusal leaves the batch's S3 events, as S3 sent them, in the dead-letter queue (so they can be replayed)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import botocore.retries.standard
import pytest

from mlopsctl.local.runtime.stack import LocalStack
from tests.support.data_arrival_flow import (
    GOLD,
    KEYS,
    create_labeling_job_answers,
    drop,
    object_created_events,
    sagemaker_emulator,
    source_refs,
    uris,
)
from tests.support.files import ROOT_TEMPLATE
from tests.support.stack_queries import calls, dead_letters, handler_runs, labeling_jobs

# An invocation that fails before its metrics are added flushes none: Powertools warns, Lambda retries.
pytestmark = [pytest.mark.flow, pytest.mark.filterwarnings("ignore:No application metrics to publish")]

MAX_ATTEMPTS = 5  # mlops_core.aws.clients.MAX_ATTEMPTS: botocore's standard mode, first try plus four retries


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalStack]:
    # botocore's back-off between retries is real time: none here (virtual time drives everything else).
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    with LocalStack(ROOT_TEMPLATE, emulators=[sagemaker_emulator(GOLD)]) as running:
        yield running


def test_throttling_is_retried_by_the_sdk_and_one_job_is_created(stack: LocalStack) -> None:
    with create_labeling_job_answers("ThrottlingException", times=2) as attempts:
        drop(stack, KEYS)

    assert attempts == ["ThrottlingException", "ThrottlingException", "sent"]
    [job] = labeling_jobs(stack)
    assert source_refs(stack, job) == uris(stack, KEYS)
    assert [run["outcome"] for run in handler_runs(stack)] == ["ok"]


def test_throttling_that_outlasts_the_sdk_retries_fails_the_batch_and_sqs_delivers_it_again(
    stack: LocalStack,
) -> None:
    with create_labeling_job_answers("ThrottlingException", times=MAX_ATTEMPTS) as attempts:
        drop(stack, KEYS)

    assert attempts == ["ThrottlingException"] * MAX_ATTEMPTS + ["sent"]
    runs = handler_runs(stack)
    assert [run["outcome"] for run in runs] == ["error", "ok"]
    assert "ThrottlingException" in str(runs[0]["reason"])
    [job] = labeling_jobs(stack)
    assert source_refs(stack, job) == uris(stack, KEYS)
    assert dead_letters(stack) == []


def test_a_refused_job_leaves_the_original_events_in_the_dead_letter_queue(stack: LocalStack) -> None:
    with create_labeling_job_answers("ValidationException") as attempts:
        drop(stack, KEYS)

    assert labeling_jobs(stack) == []
    sent = object_created_events(stack)
    assert sorted(dead_letters(stack), key=json.dumps) == sorted(sent, key=json.dumps)
    receives = 5  # DataArrivalQueue's maxReceiveCount
    assert [run["outcome"] for run in handler_runs(stack)] == ["error"] * receives
    assert attempts == ["ValidationException"] * receives  # refused for good: not retried by the SDK
    assert len(calls(stack, "sagemaker", "create_labeling_job")) == receives


def test_labeled_data_the_pipeline_cannot_read_is_refused_at_arrival_on_the_topic_and_not_trained() -> None:
    with LocalStack(ROOT_TEMPLATE, emulators=[sagemaker_emulator(GOLD)]) as stack:
        bucket = stack.physical_name("DataBucket")
        stack.aws("s3", "put_object", Bucket=bucket, Key="labeled/tickets.csv", Body=b"body,category\njam,technical\n")

        notes = [json.loads(n["Message"]) | {"subject": n.get("Subject", "")} for n in stack.notifications()]
        started = calls(stack, "sagemaker", "start_pipeline_execution")

    assert [(n["kind"], n["outcome"]) for n in notes] == [("data", "REFUSED")]
    assert notes[0]["subject"] == "[DATA REFUSED] labeled/tickets.csv: missing-columns"
    assert started == []
