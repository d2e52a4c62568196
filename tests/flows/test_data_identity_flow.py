"""Identity of data (#12, point 11), on the local stack from the project's template: an object is its content,
bucket + key + ETag, not its version id. The same bytes uploaded again under the same key (a new version in the
versioned data bucket) are a duplicate: no second labeling job, no second training run, and the action log shows no
call that changes anything. Changed bytes under the same key are new data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mlopsctl.local.runtime.stack import LocalStack
from tests.support.data_arrival_flow import GOLD, sagemaker_emulator
from tests.support.files import ROOT_TEMPLATE
from tests.support.stack_queries import executions, handler_runs, labeling_jobs
from tests.support.untrusted_events import after, changes

pytestmark = pytest.mark.flow

KEY = "incoming/ticket-1.txt"


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    with LocalStack(ROOT_TEMPLATE, emulators=[sagemaker_emulator(GOLD)]) as running:
        yield running


def upload(stack: LocalStack, body: bytes, key: str = KEY) -> str:
    """A user uploads ``body`` under ``key``; the stack settles. The new version's id."""
    response = stack.aws("s3", "put_object", Bucket=stack.physical_name("DataBucket"), Key=key, Body=body)
    return str(response["VersionId"])


def test_the_same_bytes_uploaded_again_under_the_same_key_are_a_duplicate(stack: LocalStack) -> None:
    first = upload(stack, b"I was charged twice")
    assert len(labeling_jobs(stack)) == 1
    trained = len(executions(stack))
    mark = len(stack.log.entries())

    second = upload(stack, b"I was charged twice")

    assert second != first, "the data bucket is versioned: the upload is a new version"
    entries = after(stack, mark)
    (run,) = [e for e in entries if e["kind"] == "handler" and e["function"] == "DataArrivalFunction"]
    assert run["outcome"] == "ok"
    assert changes(entries) == [], "a duplicate is acknowledged without any change"
    assert len(labeling_jobs(stack)) == 1
    assert len(executions(stack)) == trained


def test_changed_bytes_under_the_same_key_are_new_data(stack: LocalStack) -> None:
    upload(stack, b"I was charged twice")

    upload(stack, b"I was charged three times")

    assert len(labeling_jobs(stack)) == 2
    assert [run["outcome"] for run in handler_runs(stack)] == ["ok", "ok"]


def test_the_same_bytes_under_another_key_are_other_data(stack: LocalStack) -> None:
    upload(stack, b"I was charged twice")

    upload(stack, b"I was charged twice", key="incoming/ticket-2.txt")

    assert len(labeling_jobs(stack)) == 2
