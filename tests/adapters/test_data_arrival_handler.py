"""DataArrivalFunction's handler on moto (S3, DynamoDB) with the real wiring; only SageMaker is a fake (moto lacks
``CreateLabelingJob``). Checks what a user sees: the manifest in S3, the ledger record, the partial batch response,
the EMF metrics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from moto import mock_aws

from mlops_core.aws.clients import ClientFactory
from mlops_core.config import DataArrivalSettings
from mlops_core.data_arrival.wiring import Dependencies, build_dependencies
from mlops_core.errors import TransientError
from tests.support.events import project_event
from tests.support.fakes.data_arrival import (
    ORIGIN,
    FakeLabelingJobs,
    lambda_sqs_event,
    refuse,
    sqs_message,
    throttle,
)
from tests.support.handlers import LambdaContext, load_handler
from tests.support.tables import CLAIMS, LEDGER, create_tables

# An invocation that fails before its metrics are added flushes none: Powertools warns, Lambda retries.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")

BUCKET = "mlops-dev-data-123456789012"
ENV = {
    "STACK_NAME": "mlops-dev",
    "LEDGER_TABLE_NAME": LEDGER,
    "NOTIFICATION_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:mlops-dev-notifications",
    "POWERTOOLS_SERVICE_NAME": "data_arrival",
    "DATA_BUCKET_NAME": BUCKET,
    "IDEMPOTENCY_TABLE_NAME": CLAIMS,
    "ALLOWED_EXTENSIONS": ".txt,.csv,.json,.jsonl,.jpg,.jpeg,.png",
    "MAX_OBJECT_BYTES": "52428800",
    "LABELING_BACKEND": "groundtruth",
    "LABELING_TASK_TYPE": "text-classification",
    "LABELING_LABELS": "positive,negative",
    "LABELING_WORKTEAM_ARN": "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/labelers",
    "LABELING_ROLE_ARN": "arn:aws:iam::123456789012:role/mlops-dev-LabelingRole",
    "LABELING_UI_TEMPLATE_S3_URI": "",
    "LABELING_TASK_TIME_LIMIT_SECONDS": "300",
    "LABELING_WORKERS_PER_OBJECT": "1",
    "LABELING_AUTOMATED": "false",
    "DEBOUNCE_MAX_OBJECTS": "0",
    "DEBOUNCE_MAX_SECONDS": "900",
}


@dataclass
class Stack:
    app: ModuleType
    jobs: FakeLabelingJobs
    s3: Any
    dynamodb: Any

    def invoke(self, event: dict[str, Any]) -> Any:
        return self.app.lambda_handler(event, LambdaContext("mlops-dev-DataArrivalFunction"))

    def ledger_batches(self) -> list[dict[str, Any]]:
        items = self.dynamodb.scan(TableName=LEDGER)["Items"]
        return [i for i in items if i["sk"]["S"] == "BATCH"]

    def manifest(self, uri: str) -> list[dict[str, str]]:
        key = uri.removeprefix(f"s3://{BUCKET}/")
        body = self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
        return [json.loads(line) for line in body.splitlines()]


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        factory = ClientFactory(region="us-east-1")
        create_tables(factory.client("dynamodb"))
        factory.client("s3").create_bucket(Bucket=BUCKET)
        factory.client("sns").create_topic(Name="mlops-dev-notifications")
        jobs = FakeLabelingJobs()
        deps = build_dependencies(DataArrivalSettings.from_env(), factory, labeling_jobs=jobs, origin=ORIGIN)
        app = load_handler("data_arrival")
        monkeypatch.setattr(app, "dependencies", lambda: deps)
        yield Stack(app, jobs, factory.client("s3"), factory.client("dynamodb"))


def test_the_sample_event_starts_one_job_with_a_manifest_of_its_decoded_keys(stack: Stack) -> None:
    response = stack.invoke(project_event("data_arrival_sqs.json"))

    assert response == {"batchItemFailures": []}
    (request,) = stack.jobs.calls
    manifest = stack.manifest(request["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"])
    assert {line["source-ref"] for line in manifest} == {
        f"s3://{BUCKET}/incoming/2024-06-11/review-0001.txt",
        f"s3://{BUCKET}/incoming/2024-06-11/customer feedback.csv",
        f"s3://{BUCKET}/incoming/2024-06-11/données-été.jsonl",
    }
    labels = stack.s3.get_object(Bucket=BUCKET, Key=request["LabelCategoryConfigS3Uri"].removeprefix(f"s3://{BUCKET}/"))
    assert json.loads(labels["Body"].read())["labels"] == [{"label": "positive"}, {"label": "negative"}]
    (batch,) = stack.ledger_batches()
    assert batch["status"]["S"] == "LABELING"
    assert batch["labeling_job_name"]["S"] == request["LabelingJobName"]


def test_the_same_batch_delivered_again_starts_nothing_new(stack: Stack) -> None:
    event = project_event("data_arrival_sqs.json")
    stack.invoke(event)
    response = stack.invoke(event)

    assert response == {"batchItemFailures": []}
    assert len(stack.jobs.calls) == 1


def test_a_refused_job_reports_only_its_messages_as_failures(stack: Stack) -> None:
    stack.jobs.fail_with = refuse
    stack.s3.put_object(Bucket=BUCKET, Key="labeled/b.jsonl", Body=b'{"text": "jam", "label": "technical"}\n')
    raw, done = (
        sqs_message("incoming/a.txt", "raw-1", bucket=BUCKET),
        sqs_message("labeled/b.jsonl", "done-1", bucket=BUCKET),
    )

    response = stack.invoke(lambda_sqs_event([raw, done]))

    assert response == {"batchItemFailures": [{"itemIdentifier": "raw-1"}]}
    statuses = sorted(item["status"]["S"] for item in stack.ledger_batches())
    assert statuses == ["FAILED", "READY_FOR_TRAINING"]


def test_throttling_fails_the_invocation_so_that_sqs_retries_everything(stack: Stack) -> None:
    stack.jobs.fail_with = throttle
    with pytest.raises(TransientError):
        stack.invoke(lambda_sqs_event([sqs_message("incoming/a.txt", bucket=BUCKET)]))


def test_metrics_count_accepted_ignored_duplicate_objects_and_started_jobs(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    messages = [
        sqs_message("incoming/a.txt", "m1", bucket=BUCKET),
        sqs_message("incoming/a.txt", "m2", bucket=BUCKET),
        sqs_message("incoming/../x.txt", "m3", bucket=BUCKET),
    ]
    stack.invoke(lambda_sqs_event(messages))

    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    (metrics,) = emf
    counted = ("ObjectsAccepted", "ObjectsIgnored", "ObjectsDuplicate", "LabelingJobsStarted", "BatchesFailed")
    assert {name: metrics[name] for name in counted} == {
        "ObjectsAccepted": [1.0],
        "ObjectsIgnored": [1.0],
        "ObjectsDuplicate": [1.0],
        "LabelingJobsStarted": [1.0],
        "BatchesFailed": [0.0],
    }


def test_dependencies_are_built_from_the_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        app = load_handler("data_arrival")
        first = app.dependencies()
        assert isinstance(first, Dependencies)
        assert app.dependencies() is first
        assert first.settings.data_bucket_name == BUCKET


def test_a_bad_setting_fails_the_cold_start_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**ENV, "LABELING_WORKTEAM_ARN": ""}.items():
        monkeypatch.setenv(name, value)
    app = load_handler("data_arrival")
    with pytest.raises(Exception, match="LABELING_WORKTEAM_ARN"):
        app.dependencies()


def test_objects_outside_our_prefixes_write_nothing_and_start_nothing(stack: Stack) -> None:
    response = stack.invoke(lambda_sqs_event([sqs_message("outside/a.txt", bucket=BUCKET)]))
    assert response == {
        "batchItemFailures": [],
        "outcome": "ignored",
        "reason": "nothing accepted from 1 object: outside-prefixes x1",
    }
    assert stack.s3.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0
    assert stack.jobs.calls == []


def test_a_lost_answer_from_create_labeling_job_is_retried_into_the_same_single_job(stack: Stack) -> None:
    """The job was created but the answer never came back: the retried batch finds it and records it."""
    create = stack.jobs.create
    lost = iter([True])

    def create_then_lose_the_answer(request: Any) -> Any:
        started = create(request)
        if next(lost, False):
            raise TransientError("CreateLabelingJob could not reach AWS: read timeout")
        return started

    stack.jobs.create = create_then_lose_the_answer  # type: ignore[method-assign]
    event = lambda_sqs_event([sqs_message(f"incoming/{i}.txt", bucket=BUCKET) for i in range(3)])
    with pytest.raises(TransientError):
        stack.invoke(event)

    assert stack.invoke(event) == {"batchItemFailures": []}
    assert len(stack.jobs.jobs) == 1
    (batch,) = stack.ledger_batches()
    assert batch["status"]["S"] == "LABELING"
    assert batch["labeling_job_name"]["S"] in stack.jobs.jobs


def test_with_debouncing_a_full_buffer_starts_a_job_and_the_rest_waits(
    monkeypatch: pytest.MonkeyPatch, stack: Stack
) -> None:
    settings = DataArrivalSettings.from_env({**ENV, "DEBOUNCE_MAX_OBJECTS": "2"})
    factory = ClientFactory(region="us-east-1")
    deps = build_dependencies(settings, factory, labeling_jobs=stack.jobs, origin=ORIGIN)
    monkeypatch.setattr(stack.app, "dependencies", lambda: deps)

    stack.invoke(lambda_sqs_event([sqs_message(f"incoming/{i}.txt", bucket=BUCKET) for i in range(3)]))

    (request,) = stack.jobs.calls
    assert len(stack.manifest(request["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"])) == 2
    statuses = sorted(item["status"]["S"] for item in stack.ledger_batches())
    assert statuses == ["LABELING", "OPEN"]


def test_a_labeled_file_training_cannot_read_is_refused_counted_and_returned_with_its_reason(
    stack: Stack, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    stack.s3.put_object(Bucket=BUCKET, Key="labeled/good.csv", Body=b"text,label\nmy printer jams,technical\n")
    stack.s3.put_object(Bucket=BUCKET, Key="labeled/bad.csv", Body=b"body,category\nhello,billing\n")
    messages = [
        sqs_message("labeled/good.csv", "m1", bucket=BUCKET, size=37),
        sqs_message("labeled/bad.csv", "m2", bucket=BUCKET, size=30),
    ]

    response = stack.invoke(lambda_sqs_event(messages))

    assert response["batchItemFailures"] == []
    (refused,) = response["refused"]
    assert refused["key"] == "labeled/bad.csv"
    assert refused["reason"] == "missing-columns"
    assert "lacks the column(s) label, text; found: body, category" in refused["message"]
    (warning,) = [r for r in caplog.records if r.getMessage() == "labeled object refused"]
    assert (warning.levelname, vars(warning)["key"], vars(warning)["reason"]) == (
        "WARNING",
        "labeled/bad.csv",
        "missing-columns",
    )
    (metrics,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert (metrics["LabeledObjectsRefused"], metrics["ObjectsIgnored"], metrics["ObjectsAccepted"]) == (
        [1.0],
        [1.0],
        [1.0],
    )
    (batch,) = stack.ledger_batches()
    assert batch["status"]["S"] == "READY_FOR_TRAINING"


def test_only_the_head_of_a_labeled_file_is_read(stack: Stack) -> None:
    good = b"text,label\n" + b"my printer jams,technical\n" * 4000  # 104 KB
    stack.s3.put_object(Bucket=BUCKET, Key="labeled/big.csv", Body=good + b"a ragged row\n")
    sent: list[dict[str, Any]] = []
    stack.s3.meta.events.register("provide-client-params.s3.GetObject", lambda params, **_: sent.append(params))

    response = stack.invoke(lambda_sqs_event([sqs_message("labeled/big.csv", bucket=BUCKET, size=len(good) + 13)]))

    assert "refused" not in response  # the ragged row lies past the head: the preprocess step will report it
    assert [params.get("Range") for params in sent] == ["bytes=0-65535"]


def test_a_labeled_file_deleted_before_its_check_is_refused_as_gone(stack: Stack) -> None:
    response = stack.invoke(lambda_sqs_event([sqs_message("labeled/gone.jsonl", bucket=BUCKET)]))

    assert response["refused"] == [
        {
            "key": "labeled/gone.jsonl",
            "reason": "object-gone",
            "message": "the object was deleted before it could be checked (NoSuchKey)",
        }
    ]
    assert response["outcome"] == "ignored"
    assert stack.ledger_batches() == []
