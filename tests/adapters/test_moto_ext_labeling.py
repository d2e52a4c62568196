"""Ground Truth labeling jobs on moto with the project's extensions, through boto3: validation, listing, emulated
completion with the real output manifest format, steered failure, stop."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from mlopsctl.local.emulators.sagemaker import EmulatorTimings, GoldLabelWorkforce, SageMakerEmulator
from mlopsctl.local.emulators.sagemaker.harness import START, settle
from mlopsctl.local.runtime.clock import VirtualClock

BUCKET = "data"
REGION = "us-east-1"
LABELS = ["positive", "negative"]
GOLD = {"r1.txt": "positive", "r2.txt": "negative"}


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def emulator(clock: VirtualClock) -> Iterator[SageMakerEmulator]:
    with mock_aws():
        emulator = SageMakerEmulator(
            clock, workforce=GoldLabelWorkforce(GOLD), timings=EmulatorTimings(labeling_seconds=600, stop_seconds=5)
        )
        emulator.install()
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        manifest = "".join(
            json.dumps({"source-ref": f"s3://{BUCKET}/incoming/{k}"}) + "\n" for k in ("r1.txt", "r2.txt", "r3.txt")
        )
        s3.put_object(Bucket=BUCKET, Key="manifests/batch-1.manifest", Body=manifest.encode())
        categories = {"document-version": "2018-11-28", "labels": [{"label": label} for label in LABELS]}
        s3.put_object(Bucket=BUCKET, Key="manifests/labels.json", Body=json.dumps(categories).encode())
        yield emulator
        emulator.uninstall()


@pytest.fixture
def sm(emulator: SageMakerEmulator) -> Any:
    return boto3.client("sagemaker", region_name=REGION)


def job_request(name: str = "batch-1", **overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "LabelingJobName": name,
        "LabelAttributeName": "sentiment",
        "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": f"s3://{BUCKET}/manifests/batch-1.manifest"}}},
        "OutputConfig": {"S3OutputPath": f"s3://{BUCKET}/labeling-output/"},
        "RoleArn": "arn:aws:iam::123456789012:role/labeling",
        "LabelCategoryConfigS3Uri": f"s3://{BUCKET}/manifests/labels.json",
        "HumanTaskConfig": {
            "WorkteamArn": "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/team",
            "UiConfig": {"UiTemplateS3Uri": f"s3://{BUCKET}/ui/template.liquid"},
            "PreHumanTaskLambdaArn": "arn:aws:lambda:us-east-1:432418664414:function:PRE-TextMultiClass",
            "TaskTitle": "Sentiment",
            "TaskDescription": "Is the review positive or negative?",
            "NumberOfHumanWorkersPerDataObject": 1,
            "TaskTimeLimitInSeconds": 300,
            "AnnotationConsolidationConfig": {
                "AnnotationConsolidationLambdaArn": "arn:aws:lambda:us-east-1:432418664414:function:ACS-TextMultiClass"
            },
        },
    }
    request.update(overrides)
    return request


def output_lines(uri: str) -> list[dict[str, Any]]:
    bucket, _, key = uri[len("s3://") :].partition("/")
    body = boto3.client("s3", region_name=REGION).get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    return [json.loads(line) for line in body.splitlines()]


def test_new_job_is_in_progress_with_the_request_echoed(sm, emulator):
    arn = sm.create_labeling_job(**job_request())["LabelingJobArn"]

    job = sm.describe_labeling_job(LabelingJobName="batch-1")

    assert arn == "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/batch-1"
    assert job["LabelingJobStatus"] == "InProgress"
    assert job["LabelingJobArn"] == arn
    assert job["LabelAttributeName"] == "sentiment"
    assert job["HumanTaskConfig"]["TaskTitle"] == "Sentiment"
    assert job["LabelCounters"]["TotalLabeled"] == 0
    assert job["CreationTime"] == datetime(2025, 1, 1, tzinfo=UTC)
    assert "LabelingJobOutput" not in job


def test_duplicate_job_name_is_resource_in_use(sm, emulator):
    sm.create_labeling_job(**job_request())

    with pytest.raises(ClientError) as caught:
        sm.create_labeling_job(**job_request())

    assert caught.value.response["Error"]["Code"] == "ResourceInUse"


@pytest.mark.parametrize("attribute", ["sentiment-metadata", "sentiment-ref"])
def test_label_attribute_names_reserved_by_the_output_format_are_rejected(sm, emulator, attribute):
    with pytest.raises(ClientError) as caught:
        sm.create_labeling_job(**job_request(LabelAttributeName=attribute))

    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_unknown_job_is_resource_not_found(sm, emulator):
    with pytest.raises(ClientError) as caught:
        sm.describe_labeling_job(LabelingJobName="nope")

    assert caught.value.response["Error"]["Code"] == "ResourceNotFound"


def test_completed_job_writes_a_ground_truth_output_manifest(sm, emulator, clock):
    sm.create_labeling_job(**job_request())

    events = settle(emulator, clock)
    job = sm.describe_labeling_job(LabelingJobName="batch-1")
    lines = output_lines(job["LabelingJobOutput"]["OutputDatasetS3Uri"])

    assert job["LabelingJobStatus"] == "Completed"
    assert job["LabelingJobOutput"]["OutputDatasetS3Uri"] == (
        f"s3://{BUCKET}/labeling-output/batch-1/manifests/output/output.manifest"
    )
    assert job["LabelCounters"] == {
        "TotalLabeled": 2,
        "HumanLabeled": 2,
        "MachineLabeled": 0,
        "FailedNonRetryableError": 1,
        "Unlabeled": 0,
    }
    assert lines[0] == {
        "source-ref": f"s3://{BUCKET}/incoming/r1.txt",
        "sentiment": 0,
        "sentiment-metadata": {
            "class-name": "positive",
            "confidence": 1.0,
            "type": "groundtruth/text-classification",
            "job-name": "labeling-job/batch-1",
            "human-annotated": "yes",
            "creation-date": "2025-01-01T00:10:00.000000",
        },
    }
    assert lines[1]["sentiment"] == 1
    assert "sentiment" not in lines[2]
    assert "failure-reason" in lines[2]["sentiment-metadata"]
    assert [(e["detail-type"], e["detail"], e["resources"]) for e in events] == [
        (
            "SageMaker Ground Truth Labeling Job State Change",
            {"LabelingJobStatus": "Completed"},
            ["arn:aws:sagemaker:us-east-1:123456789012:labeling-job/batch-1"],
        )
    ]
    assert events[0]["time"] == "2025-01-01T00:10:00Z"


def test_steered_failure_ends_the_job_failed_with_the_reason(sm, emulator, clock):
    emulator.fail_labeling_job("batch-", "ClientError: workforce unavailable")
    sm.create_labeling_job(**job_request())

    events = settle(emulator, clock)
    job = sm.describe_labeling_job(LabelingJobName="batch-1")

    assert (job["LabelingJobStatus"], job["FailureReason"]) == ("Failed", "ClientError: workforce unavailable")
    assert events[0]["detail"] == {"LabelingJobStatus": "Failed"}


def test_missing_input_manifest_fails_the_job(sm, emulator, clock):
    request = job_request()
    request["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"] = f"s3://{BUCKET}/manifests/missing"
    sm.create_labeling_job(**request)

    settle(emulator, clock)
    job = sm.describe_labeling_job(LabelingJobName="batch-1")

    assert job["LabelingJobStatus"] == "Failed"
    assert job["FailureReason"].startswith("ClientError:")


def test_task_types_that_are_not_emulated_fail_honestly(sm, emulator, clock):
    request = job_request()
    request["HumanTaskConfig"]["PreHumanTaskLambdaArn"] = (
        "arn:aws:lambda:us-east-1:432418664414:function:PRE-BoundingBox"
    )
    sm.create_labeling_job(**request)

    settle(emulator, clock)

    assert "not emulated" in sm.describe_labeling_job(LabelingJobName="batch-1")["FailureReason"]


def test_stopped_job_is_stopping_then_stopped(sm, emulator, clock):
    sm.create_labeling_job(**job_request())
    clock.advance(30)

    sm.stop_labeling_job(LabelingJobName="batch-1")
    stopping = sm.describe_labeling_job(LabelingJobName="batch-1")["LabelingJobStatus"]
    events = settle(emulator, clock)

    assert stopping == "Stopping"
    assert sm.describe_labeling_job(LabelingJobName="batch-1")["LabelingJobStatus"] == "Stopped"
    assert [e["detail"] for e in events] == [{"LabelingJobStatus": "Stopped"}]


def test_stopping_a_finished_job_is_rejected(sm, emulator, clock):
    sm.create_labeling_job(**job_request())
    settle(emulator, clock)

    with pytest.raises(ClientError) as caught:
        sm.stop_labeling_job(LabelingJobName="batch-1")

    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_list_filters_sorts_and_pages(sm, emulator, clock):
    for name in ("alpha-1", "beta-1", "alpha-2"):
        sm.create_labeling_job(**job_request(name))
        clock.advance(60)
    sm.stop_labeling_job(LabelingJobName="beta-1")

    alphas = sm.list_labeling_jobs(NameContains="ALPHA", SortBy="Name", SortOrder="Descending")
    first = sm.list_labeling_jobs(MaxResults=2)
    second = sm.list_labeling_jobs(MaxResults=2, NextToken=first["NextToken"])
    stopping = sm.list_labeling_jobs(StatusEquals="Stopping")
    recent = sm.list_labeling_jobs(CreationTimeAfter=datetime(2025, 1, 1, 0, 0, 30, tzinfo=UTC))

    assert [j["LabelingJobName"] for j in alphas["LabelingJobSummaryList"]] == ["alpha-2", "alpha-1"]
    assert [j["LabelingJobName"] for j in first["LabelingJobSummaryList"]] == ["alpha-1", "beta-1"]
    assert [j["LabelingJobName"] for j in second["LabelingJobSummaryList"]] == ["alpha-2"]
    assert "NextToken" not in second
    assert [j["LabelingJobName"] for j in stopping["LabelingJobSummaryList"]] == ["beta-1"]
    assert [j["LabelingJobName"] for j in recent["LabelingJobSummaryList"]] == ["beta-1", "alpha-2"]
    summary = first["LabelingJobSummaryList"][0]
    assert summary["WorkteamArn"].endswith("workteam/private-crowd/team")
    assert summary["PreHumanTaskLambdaArn"].endswith("PRE-TextMultiClass")


def test_paginator_walks_every_page(sm, emulator):
    for index in range(5):
        sm.create_labeling_job(**job_request(f"job-{index}"))

    pages = sm.get_paginator("list_labeling_jobs").paginate(PaginationConfig={"PageSize": 2})

    assert [j["LabelingJobName"] for page in pages for j in page["LabelingJobSummaryList"]] == [
        f"job-{index}" for index in range(5)
    ]
