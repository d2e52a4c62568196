"""Labeling → training on the local stack, wired from the project's template.yaml (emulated SageMaker in virtual
time): the issue's acceptance, end to end, through the real handlers, rules and ledger."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mlopsctl.local.runtime.stack import LocalStack
from pipelines.models.text import preprocess
from tests.support.stack_queries import executions, handler_runs, labeling_jobs, messages
from tests.support.training_flow import GOLD, LABELS, TICKETS, WORKTEAM, Emulators, drop, parameters, parameters_of

pytestmark = pytest.mark.flow


@pytest.fixture
def emulators() -> Emulators:
    return Emulators()


@pytest.fixture
def stack(emulators: Emulators) -> Iterator[LocalStack]:
    parameters = {"LabelingBackend": "groundtruth", "LabelingWorkteamArn": WORKTEAM, "LabelingLabels": ",".join(LABELS)}
    with LocalStack(parameters=parameters, emulators=[emulators]) as running:
        yield running


def run_preprocess(stack: LocalStack, execution: Any, workdir: Path) -> dict[str, Any]:
    """The pipeline's real preprocess step on what the execution was given (S3Prefix input, as SageMaker reads it)."""
    given = parameters(execution)
    bucket, _, prefix = given["InputManifestUri"].removeprefix("s3://").partition("/")
    s3 = stack.client("s3")
    for obj in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]:
        target = workdir / "in" / Path(obj["Key"]).name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())

    def fetch(uri: str) -> str:
        source_bucket, _, key = uri.removeprefix("s3://").partition("/")
        return str(s3.get_object(Bucket=source_bucket, Key=key)["Body"].read().decode("utf-8"))

    args = preprocess.parse_args(
        [
            f"--input-dir={workdir / 'in'}",
            f"--label-attribute={given.get('LabelAttributeName', 'auto')}",
            f"--allowed-source-prefix=s3://{stack.physical_name('DataBucket')}/incoming/",
            *(f"--{split}-dir={workdir / split}" for split in preprocess.SPLITS),
        ]
    )
    return preprocess.run(args, fetch=fetch)


def test_a_completed_labeling_job_starts_one_execution_on_its_output_manifest(stack: LocalStack) -> None:
    drop(stack, TICKETS)

    (job,) = labeling_jobs(stack)
    assert job["LabelingJobStatus"] == "Completed"
    (execution,) = executions(stack)
    assert parameters(execution) == {
        "InputManifestUri": job["LabelingJobOutput"]["OutputDatasetS3Uri"],
        "LabelingJobName": job["LabelingJobName"],
        "DataBatchId": {t["Key"]: t["Value"] for t in job["Tags"]}["mlops:batch-id"],
        "LabelAttributeName": "label",
        "LabelColumn": "label",  # the stack's LabelColumn and FeatureColumns (mlops_core.training.pipeline_start)
        "FeatureColumns": "text",
    }
    assert [r["outcome"] for r in handler_runs(stack, "LabelingEventsFunction")] == ["ok"]
    (report,) = [m for m in messages(stack) if m["kind"] == "training"]
    assert (report["outcome"], report["labeling_job_name"]) == ("SUCCEEDED", job["LabelingJobName"])


def test_the_preprocess_step_reads_the_labeling_output_it_is_given(stack: LocalStack, tmp_path: Path) -> None:
    drop(stack, TICKETS)

    (execution,) = executions(stack)
    summary = run_preprocess(stack, execution, tmp_path)

    assert summary["classes"] == {"billing": 3, "technical": 3}


def test_a_repeated_completed_event_still_makes_one_execution(stack: LocalStack) -> None:
    drop(stack, TICKETS)
    (job,) = labeling_jobs(stack)
    duplicate = {
        "source": "aws.sagemaker",
        "detail-type": "SageMaker Ground Truth Labeling Job State Change",
        "resources": [job["LabelingJobArn"]],
        "detail": {"LabelingJobStatus": "Completed"},
    }

    stack.put_event(duplicate)
    stack.put_event(duplicate)

    assert len(executions(stack)) == 1
    assert [r["outcome"] for r in handler_runs(stack, "LabelingEventsFunction")] == ["ok", "ok", "ok"]


def test_labeling_jobs_of_others_never_reach_the_function(stack: LocalStack) -> None:
    foreign = {
        "source": "aws.sagemaker",
        "detail-type": "SageMaker Ground Truth Labeling Job State Change",
        "resources": ["arn:aws:sagemaker:us-east-1:123456789012:labeling-job/someone-else-job"],
        "detail": {"LabelingJobStatus": "Completed"},
    }

    stack.put_event(foreign)

    assert handler_runs(stack, "LabelingEventsFunction") == []
    assert executions(stack) == []


def test_a_failed_labeling_job_starts_nothing_and_notifies_the_reason(stack: LocalStack, emulators: Emulators) -> None:
    assert emulators.sagemaker is not None
    emulators.sagemaker.fail_labeling_job(stack.template.stack_name, "ClientError: the workteam has no workers")

    drop(stack, TICKETS)

    assert executions(stack) == []
    (report,) = [m for m in messages(stack) if m["kind"] == "labeling"]
    assert (report["outcome"], report["reason"]) == ("FAILED", "ClientError: the workteam has no workers")


def test_labelled_data_trains_directly_on_a_copy_of_the_batch(stack: LocalStack) -> None:
    rows = [{"text": f"ticket {n}", "label": LABELS[n % 2]} for n in range(8)]
    drop(stack, {"tickets.jsonl": "".join(json.dumps(r) + "\n" for r in rows)}, prefix="labeled/")

    (execution,) = executions(stack)
    uri = parameters(execution)["InputManifestUri"]
    bucket = stack.physical_name("DataBucket")
    assert uri.startswith(f"s3://{bucket}/manifests/")
    assert uri.endswith("/training/")
    s3 = stack.client("s3")
    (copy,) = s3.list_objects_v2(Bucket=bucket, Prefix=uri.removeprefix(f"s3://{bucket}/"))["Contents"]
    body = s3.get_object(Bucket=bucket, Key=copy["Key"])["Body"].read().decode()
    assert [json.loads(line) for line in body.splitlines()] == rows
    assert labeling_jobs(stack) == []


def test_the_preprocess_step_reads_the_copied_labelled_data(stack: LocalStack, tmp_path: Path) -> None:
    rows = [{"text": f"ticket number {n}", "label": LABELS[n % 2]} for n in range(8)]
    files = {
        "a.jsonl": "".join(json.dumps(r) + "\n" for r in rows[:4]),
        "b.json": "".join(json.dumps(r) + "\n" for r in rows[4:]),
    }
    drop(stack, {**files, "notes.txt": "not training data"}, prefix="labeled/")

    (execution,) = executions(stack)
    summary = run_preprocess(stack, execution, tmp_path)

    assert summary["records"] == 8
    assert summary["classes"] == {"billing": 4, "technical": 4}


def test_a_failed_pipeline_is_reported_with_the_failed_step_and_reason(stack: LocalStack, emulators: Emulators) -> None:
    assert emulators.sagemaker is not None
    emulators.sagemaker.fail_pipeline_execution(
        stack.physical_name("TrainingPipeline"), "Preprocess", "need at least 2 classes to train a classifier"
    )

    drop(stack, TICKETS)

    (report,) = [m for m in messages(stack) if m["kind"] == "training"]
    assert (report["outcome"], report["failed_step"]) == ("FAILED", "Preprocess")
    assert report["reason"] == "need at least 2 classes to train a classifier"
    ledger = stack.client("dynamodb").scan(TableName=stack.physical_name("LedgerTable"))["Items"]
    (batch,) = [i for i in ledger if i["sk"]["S"] == "BATCH"]
    assert (batch["labeling_status"]["S"], batch["pipeline_status"]["S"]) == ("Completed", "Failed")


def test_the_stacks_training_parameters_reach_every_execution_the_system_starts(emulators: Emulators) -> None:
    parameters = {
        "LabelingBackend": "groundtruth",
        "LabelingWorkteamArn": WORKTEAM,
        "LabelingLabels": ",".join(LABELS),
        "QualityGateThreshold": "0.95",
        "TrainingHyperparameters": '{"c": 2.5, "ngram_max": 1}',
        "TrainingInstanceType": "ml.m5.xlarge",
        "FeatureColumns": "text",
    }
    labeled = "".join(
        json.dumps({"text": text, "label": GOLD.get(name, "technical")}) + "\n" for name, text in TICKETS.items()
    )
    with LocalStack(parameters=parameters, emulators=[emulators]) as stack:
        drop(stack, TICKETS)  # labeling job → LabelingEventsFunction starts the pipeline
        drop(stack, {"tickets.jsonl": labeled}, prefix="labeled/")  # DataArrivalFunction starts it directly
        started = [parameters_of(e) for e in executions(stack)]

    assert len(started) == 2
    for given in started:
        assert given["QualityGateThreshold"] == "0.95"
        assert (given["c"], given["ngram_max"]) == ("2.5", "1")
        assert given["TrainingInstanceType"] == "ml.m5.xlarge"
        assert (given["LabelColumn"], given["FeatureColumns"]) == ("label", "text")
        assert "ProcessingInstanceType" not in given  # empty: the model's default
