"""Before a pipeline start, the step code its definition names must be in S3 (the local stack, IAM enforced).

A stack deployed without its step code (``sam deploy`` alone, or the window between ``sam deploy`` and the upload in
``make deploy``) must not start executions that fail in their first step: the start is refused with the missing
URIs and what to run, and a start after the upload goes ahead (a refusal is not cached).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from mlopsctl.local.runtime.stack import LocalStack
from mlopsctl.stack.code import step_code, upload_step_code
from tests.support.stack_queries import calls, dead_letters, executions, handler_runs, labeling_jobs
from tests.support.training_flow import LABELS, TICKETS, WORKTEAM, Emulators

pytestmark = [pytest.mark.flow, pytest.mark.filterwarnings("ignore:No application metrics to publish")]

ROWS = [{"text": f"ticket {n}", "label": LABELS[n % 2]} for n in range(8)]


def jsonl(rows: list[dict[str, str]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def notes(stack: LocalStack) -> list[dict[str, Any]]:
    return [json.loads(n["Message"]) | {"subject": n.get("Subject", "")} for n in stack.notifications()]


def code_uris(stack: LocalStack) -> list[str]:
    code = step_code()
    bucket = stack.physical_name("ArtifactsBucket")
    return [f"s3://{bucket}/{code.prefix}{name}" for name in ("evaluate.py", "preprocess.py", "train.py")]


def drop_labeled(stack: LocalStack, name: str) -> None:
    stack.aws("s3", "put_object", Bucket=stack.physical_name("DataBucket"), Key=f"labeled/{name}", Body=jsonl(ROWS))


@pytest.fixture
def bare_stack() -> Iterator[LocalStack]:
    """A stack whose step code was never uploaded."""
    with LocalStack(step_code=False) as running:
        yield running


def test_labeled_data_on_a_stack_without_step_code_starts_nothing_and_says_what_is_missing(
    bare_stack: LocalStack,
) -> None:
    drop_labeled(bare_stack, "tickets.jsonl")

    assert calls(bare_stack, "sagemaker", "start_pipeline_execution") == []
    assert executions(bare_stack) == []
    (note,) = [n for n in notes(bare_stack) if n["kind"] == "training"]
    assert note["outcome"] == "NOT_STARTED"
    assert note["subject"].startswith("[TRAINING NOT STARTED] step code missing")
    assert note["missing_code"] == code_uris(bare_stack)
    assert "upload the step code: make deploy ENV=" in note["reason"]
    ledger = bare_stack.client("dynamodb").scan(TableName=bare_stack.physical_name("LedgerTable"))["Items"]
    (batch,) = [i for i in ledger if i["sk"]["S"] == "BATCH"]
    assert batch["status"]["S"] == "FAILED"
    assert "step code" in batch["reason"]["S"]
    assert batch["pipeline_status"]["S"] == "NOT_STARTED"
    assert [run["outcome"] for run in handler_runs(bare_stack)] == ["error"] * 5  # DataArrivalQueue's maxReceiveCount
    (kept,) = dead_letters(bare_stack)  # the S3 event, to redrive once the code is there
    assert kept["detail"]["object"]["key"] == "labeled/tickets.jsonl"


def test_a_start_after_the_upload_goes_ahead_in_the_same_cold_start(bare_stack: LocalStack) -> None:
    drop_labeled(bare_stack, "first.jsonl")
    assert executions(bare_stack) == []

    upload_step_code(bare_stack.client("s3"), bare_stack.physical_name("ArtifactsBucket"))
    drop_labeled(bare_stack, "second.jsonl")

    (execution,) = executions(bare_stack)
    assert execution.pipeline_execution_display_name.startswith(f"{bare_stack.template.stack_name}-batch-")


def test_one_missing_script_is_named_alone(bare_stack: LocalStack) -> None:
    upload_step_code(bare_stack.client("s3"), bare_stack.physical_name("ArtifactsBucket"))
    train = code_uris(bare_stack)[-1]
    bucket, _, key = train.removeprefix("s3://").partition("/")
    bare_stack.client("s3").delete_object(Bucket=bucket, Key=key)

    drop_labeled(bare_stack, "tickets.jsonl")

    assert executions(bare_stack) == []
    (note,) = [n for n in notes(bare_stack) if n["kind"] == "training"]
    assert note["missing_code"] == [train]


def test_a_completed_labeling_job_on_a_stack_without_step_code_is_refused_then_retried_after_the_upload() -> None:
    emulators = Emulators()
    parameters = {"LabelingBackend": "groundtruth", "LabelingWorkteamArn": WORKTEAM, "LabelingLabels": ",".join(LABELS)}
    with LocalStack(parameters=parameters, emulators=[emulators], step_code=False) as stack:
        bucket = stack.physical_name("DataBucket")
        for name, text in TICKETS.items():
            stack.aws("s3", "put_object", Bucket=bucket, Key=f"incoming/{name}", Body=text.encode(), settle=False)
        stack.settle()

        (job,) = labeling_jobs(stack)
        assert job["LabelingJobStatus"] == "Completed"
        assert executions(stack) == []
        refused = [n for n in notes(stack) if n["kind"] == "training"]
        assert [n["trigger_name"] for n in refused] == [job["LabelingJobName"]]  # once, however often retried
        assert {r["outcome"] for r in handler_runs(stack, "LabelingEventsFunction")} == {"error"}

        upload_step_code(stack.client("s3"), stack.physical_name("ArtifactsBucket"))
        stack.put_event(
            {
                "source": "aws.sagemaker",
                "detail-type": "SageMaker Ground Truth Labeling Job State Change",
                "resources": [job["LabelingJobArn"]],
                "detail": {"LabelingJobStatus": "Completed"},
            }
        )

        (execution,) = executions(stack)
        assert execution.pipeline_execution_display_name == job["LabelingJobName"]


def test_the_refused_batch_redriven_from_the_dead_letter_queue_after_the_upload_trains(bare_stack: LocalStack) -> None:
    drop_labeled(bare_stack, "tickets.jsonl")
    upload_step_code(bare_stack.client("s3"), bare_stack.physical_name("ArtifactsBucket"))

    sqs = bare_stack.client("sqs")
    source = sqs.get_queue_url(QueueName=bare_stack.physical_name("DataArrivalQueue"))["QueueUrl"]
    for body in dead_letters(bare_stack):  # what a redrive (StartMessageMoveTask) puts back on the source queue
        sqs.send_message(QueueUrl=source, MessageBody=json.dumps(body))
    bare_stack.settle()

    (execution,) = executions(bare_stack)
    ledger = bare_stack.client("dynamodb").scan(TableName=bare_stack.physical_name("LedgerTable"))["Items"]
    (batch,) = [i for i in ledger if i["sk"]["S"] == "BATCH"]
    assert batch["status"]["S"] == "READY_FOR_TRAINING"
    assert execution.pipeline_execution_display_name.endswith(batch["pk"]["S"].split("#", 1)[1])
