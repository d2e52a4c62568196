"""Data arrival → labeling on the local stack (the project's template, moto, the SageMaker emulator): the issue's
acceptance, checked where a user would look — labeling jobs and their manifests in S3, the logs, the action log.

The helpers here are shared by ``test_data_arrival_flow_scale.py`` and ``test_data_arrival_flow_failures.py``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import botocore.handlers
import pytest
from botocore.awsrequest import AWSResponse

from mlopsctl.local.emulators.sagemaker import GoldLabelWorkforce, SageMakerEmulator
from mlopsctl.local.runtime.stack import EmulatorFactory, LocalStack

pytestmark = pytest.mark.flow

ROOT_TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
# Keys as people name files: spaces, accents, non-Latin scripts, a literal plus.
KEYS = (
    "incoming/reviews/great product.txt",
    "incoming/avis clients/données été.txt",
    "incoming/レビュー/星5つ+1.txt",
)
INJECTED_URL = "https://answered-by-the-test.invalid/"
GOLD = {"great product.txt": "positive", "données été.txt": "negative", "星5つ+1.txt": "positive"}


# -- helpers (shared with the other data-arrival flow modules) -------------------------------------------------------


def sagemaker_emulator(gold: Mapping[str, str] | None = None) -> EmulatorFactory:
    """The emulator, installed by the stack; its workforce answers ``gold`` labels (by object base name)."""

    def build(stack: LocalStack) -> SageMakerEmulator:
        return SageMakerEmulator(
            clock=stack.clock.now,
            account_id=stack.template.account_id,
            region=stack.template.region,
            workforce=GoldLabelWorkforce(gold or {}),
        )

    return build


def drop(stack: LocalStack, keys: Sequence[str], *, bucket: str | None = None) -> None:
    """A user drops objects at once (no time passes between them), then the stack settles."""
    name = bucket or stack.physical_name("DataBucket")
    for index, key in enumerate(keys):
        stack.aws("s3", "put_object", Bucket=name, Key=key, Body=f"object {index}".encode(), settle=False)
    stack.settle()


def labeling_jobs(stack: LocalStack) -> list[dict[str, Any]]:
    """Every labeling job, described (as ``aws sagemaker describe-labeling-job`` shows it)."""
    sagemaker, names = stack.client("sagemaker"), []
    for page in sagemaker.get_paginator("list_labeling_jobs").paginate():
        names.extend(job["LabelingJobName"] for job in page["LabelingJobSummaryList"])
    return [sagemaker.describe_labeling_job(LabelingJobName=name) for name in names]


def manifest_lines(stack: LocalStack, uri: str) -> list[dict[str, Any]]:
    """The JSON lines of a manifest in moto's S3."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    text = stack.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def source_refs(stack: LocalStack, job: Mapping[str, Any]) -> list[str]:
    """The objects a job's input manifest lists, sorted."""
    uri = job["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"]
    return sorted(line["source-ref"] for line in manifest_lines(stack, uri))


def uris(stack: LocalStack, keys: Sequence[str]) -> list[str]:
    """``s3://`` URIs of keys of the data bucket, sorted."""
    return sorted(f"s3://{stack.physical_name('DataBucket')}/{key}" for key in keys)


def handler_runs(stack: LocalStack, function: str = "DataArrivalFunction") -> list[dict[str, Any]]:
    return [e for e in stack.log.entries("handler") if e["function"] == function]


def calls(stack: LocalStack, service: str, operation: str | None = None) -> list[dict[str, Any]]:
    """The AWS calls the system made (action log), of one service (and operation)."""
    return [e for e in stack.log.entries("aws_call") if e["service"] == service and operation in (None, e["operation"])]


def object_created_events(stack: LocalStack, prefix: str = "incoming/") -> list[dict[str, Any]]:
    """The ``Object Created`` events S3 sent for keys of the data bucket under ``prefix``, as put on the bus."""
    bucket = stack.physical_name("DataBucket")
    return [
        event
        for event in stack.s3_events.sent
        if event["detail-type"] == "Object Created"
        and event["detail"]["bucket"]["name"] == bucket
        and event["detail"]["object"]["key"].startswith(prefix)
    ]


class _Body:
    def __init__(self, payload: dict[str, Any]) -> None:
        self._payload = json.dumps(payload).encode()

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._payload


@contextmanager
def create_labeling_job_answers(code: str, times: int | None = None) -> Iterator[list[str]]:
    """SageMaker answers ``CreateLabelingJob`` with error ``code`` (HTTP 400) for the first ``times`` attempts (every
    attempt when None), then normally; yields every attempt's answer (``code`` or ``"sent"``).

    The answer is given at botocore's ``before-send`` step, inside the retry loop, so botocore's standard retry mode
    handles it as it would AWS's; the request is pointed at an address no moto backend serves, because every
    ``before-send`` handler runs (the first answer wins). The hook is registered for every boto3 session created
    meanwhile: that is how it reaches the handler's client, created at the handler's cold start. Nothing else calls
    ``CreateLabelingJob``.
    """
    attempts: list[str] = []

    def answer(request: Any, **_: Any) -> AWSResponse | None:
        if times is not None and len(attempts) >= times:
            attempts.append("sent")
            return None
        attempts.append(code)
        request.url = INJECTED_URL  # so that no later before-send handler (moto's) serves the request as well
        body = _Body({"__type": code, "message": f"injected by the test: {code}"})
        return AWSResponse(request.url, 400, {"x-amzn-requestid": f"injected-{len(attempts)}"}, body)

    entry = ("before-send.sagemaker.CreateLabelingJob", answer)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    try:
        yield attempts
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)


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
