"""Data arrival → labeling on the local stack (the project's template, moto, the SageMaker emulator): the issue's
acceptance, checked where a user would look — labeling jobs and their manifests in S3, the logs, the action log.

The helpers: :mod:`tests.support.data_arrival_flow` and :mod:`tests.support.stack_queries`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from mlopsctl.local.runtime.stack import LocalStack
from tests.support.data_arrival_flow import (
    GOLD,
    KEYS,
    drop,
    object_created_events,
    sagemaker_emulator,
    source_refs,
    uris,
)
from tests.support.files import ROOT_TEMPLATE
from tests.support.stack_queries import calls, handler_runs, labeling_jobs, manifest_lines

pytestmark = pytest.mark.flow


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    with LocalStack(ROOT_TEMPLATE, emulators=[sagemaker_emulator(GOLD)]) as running:
        yield running


# -- acceptance ------------------------------------------------------------------------------------------------------


def test_three_objects_dropped_become_one_labeling_job_whose_manifest_lists_exactly_them(stack: LocalStack) -> None:
    drop(stack, KEYS)

    [job] = labeling_jobs(stack)
    assert source_refs(stack, job) == uris(stack, KEYS)
    assert [run["outcome"] for run in handler_runs(stack)] == ["ok"]
    assert len(calls(stack, "sagemaker", "create_labeling_job")) == 1


def test_the_emulated_workforce_completes_the_job_with_the_gold_labels(stack: LocalStack) -> None:
    drop(stack, KEYS)

    [job] = labeling_jobs(stack)
    assert job["LabelingJobStatus"] == "Completed"
    assert job["LabelCounters"]["HumanLabeled"] == 3
    output = manifest_lines(stack, job["LabelingJobOutput"]["OutputDatasetS3Uri"])
    attribute = job["LabelAttributeName"]
    labels = {line["source-ref"].rsplit("/", 1)[-1]: line[f"{attribute}-metadata"]["class-name"] for line in output}
    assert labels == GOLD
    completed = [e for e in stack.log.entries("event") if e["detail_type"].endswith("Labeling Job State Change")]
    assert completed, "Ground Truth's state change event was not put on the bus"


def test_the_same_s3_events_delivered_twice_more_start_no_second_job(stack: LocalStack) -> None:
    drop(stack, KEYS)
    captured = object_created_events(stack)
    assert len(captured) == 3

    for _ in range(2):
        for event in captured:
            stack.put_event(event, settle=False)
        stack.settle()

    [job] = labeling_jobs(stack)
    assert source_refs(stack, job) == uris(stack, KEYS)
    assert len(calls(stack, "sagemaker", "create_labeling_job")) == 1
    assert [run["outcome"] for run in handler_runs(stack)] == ["ok", "ok", "ok"]  # the redeliveries reached it


def test_objects_elsewhere_start_no_job_and_those_the_handler_sees_are_logged_with_their_reason(
    stack: LocalStack, caplog: pytest.LogCaptureFixture
) -> None:
    drop(stack, ["incoming/first.txt"])  # a job, so that the deletion below has something to delete
    jobs_before = [job["LabelingJobName"] for job in labeling_jobs(stack)]
    runs_before = len(handler_runs(stack))
    other = "someone-elses-bucket"
    stack.aws("s3", "create_bucket", Bucket=other, settle=False)
    stack.aws(
        "s3",
        "put_bucket_notification_configuration",
        Bucket=other,
        NotificationConfiguration={"EventBridgeConfiguration": {}},
    )
    hostile = ["incoming/../escape.txt", "incoming/\u202etxt.exe", "incoming/report\x07.txt", "incoming/tool.exe"]

    with caplog.at_level(logging.INFO):
        drop(stack, ["incoming/theirs.txt"], bucket=other)
        drop(stack, ["raw/outside-prefix.txt", "incoming/", *hostile])
        stack.aws("s3", "delete_object", Bucket=stack.physical_name("DataBucket"), Key="incoming/first.txt")

    assert [job["LabelingJobName"] for job in labeling_jobs(stack)] == jobs_before
    kinds = [(e["source"], e["detail_type"]) for e in stack.log.entries("event")]
    assert ("aws.s3", "Object Deleted") in kinds
    [run] = handler_runs(stack)[runs_before:]  # foreign bucket, other prefix and deletion never reach the handler
    assert run["outcome"] == "ignored"
    assert run["reason"] == (
        "nothing accepted from 5 objects: control-character x2, dot-segment x1, extension-not-allowed x1, "
        "folder-marker x1"
    )
    logged = {
        (record.__dict__.get("key"), record.__dict__.get("reason"))
        for record in caplog.records
        if record.getMessage() == "object ignored"
    }
    assert logged == {
        ("incoming/", "folder-marker"),
        ("incoming/../escape.txt", "dot-segment"),
        ("incoming/\u202etxt.exe", "control-character"),
        ("incoming/report\x07.txt", "control-character"),
        ("incoming/tool.exe", "extension-not-allowed"),
    }
