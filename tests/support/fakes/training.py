"""In-memory fakes of the training ports (they subclass the ports, so mypy checks them), and event builders.

:class:`InMemoryTrainingRecords` follows the ledger adapter's contract; ``tests/adapters/test_pipelines_records.py``
runs one contract suite against both. :class:`FakeExecutions` behaves as the SageMaker adapter promises: one
execution per display name, found again by a later start.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from mlops_core.aws.dynamodb import Item
from mlops_core.aws.ledger import batch_key
from mlops_core.aws.notifications import Notifier
from mlops_core.errors import TransientError
from mlops_core.ingest.objects import ObjectRef
from mlops_core.ingest.training_data import TrainingData, snapshot_key
from mlops_core.training.ledger_items import (
    BatchTrainingFields,
    ExecutionFields,
    LabelingJobItem,
    TriggerFields,
)
from mlops_core.training.pipelines import (
    ExecutionRequest,
    ExecutionState,
    ExecutionStep,
    LabelingJobFacts,
    LabelingJobReader,
    PipelineExecutions,
    StartedExecution,
)
from mlops_core.training.records import (
    FINAL_PIPELINE_STATUSES,
    REPORT_CLAIM,
    ExecutionRecord,
    ReportSubject,
    StartClaim,
    TrainingRecords,
    Trigger,
    TriggerKind,
    check_trigger_fields,
    execution_key,
    execution_record,
    labeling_job_key,
)
from tests.support.events import project_event

STACK = "mlops-dev"
PIPELINE = "mlops-dev-training"
ACCOUNT = "123456789012"
REGION = "us-east-1"
BUCKET = "mlops-dev-data"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
JOB = "mlops-dev-3f9a2c1d0b7e4a6c8d2f"
BATCH = "90be0a7872050a5ff5d0"
OUTPUT = f"s3://{BUCKET}/labeling-output/{JOB}/manifests/output/output.manifest"

DEFAULT_PARAMETERS = {"LabelingJobName": "none", "DataBatchId": "none", "LabelAttributeName": "auto"}


def pipeline_arn(name: str = PIPELINE) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/{name}"


@dataclass
class FakeExecution:
    """One started execution."""

    arn: str
    request: ExecutionRequest
    started_at: datetime
    steps: list[ExecutionStep] = field(default_factory=list)
    failure_reason: str | None = None
    status: str = "Executing"


class FakeExecutions(PipelineExecutions):
    """SageMaker Pipelines in dicts: ``start`` finds an execution with the display name before starting one.

    ``fail_with`` makes the next calls raise; ``starts`` counts ``StartPipelineExecution`` calls.
    """

    def __init__(self) -> None:
        self.executions: dict[str, FakeExecution] = {}
        self.starts = 0
        self.calls: list[str] = []
        self.fail_with: Callable[[], Exception | None] = lambda: None
        self._ids = itertools.count(1)

    def start(self, request: ExecutionRequest, since: datetime) -> StartedExecution:
        self.calls.append("start")
        error = self.fail_with()
        if error is not None:
            raise error
        for execution in self.executions.values():
            if execution.request.display_name == request.display_name and execution.started_at >= since:
                return StartedExecution(execution.arn, created=False)
        self.starts += 1
        arn = f"{pipeline_arn(request.pipeline_name)}/execution/exec{next(self._ids):08d}"
        self.executions[arn] = FakeExecution(arn, request, since)
        return StartedExecution(arn, created=True)

    def describe(self, execution_arn: str) -> ExecutionState | None:
        self.calls.append("describe")
        found = [e for arn, e in self.executions.items() if arn.lower() == execution_arn.lower()]
        return ExecutionState(found[0].status, found[0].failure_reason) if found else None

    def parameters(self, execution_arn: str) -> dict[str, str]:
        self.calls.append("parameters")
        return {**DEFAULT_PARAMETERS, **self.executions[execution_arn].request.parameters}

    def steps(self, execution_arn: str) -> list[ExecutionStep]:
        self.calls.append("steps")
        return list(self.executions[execution_arn].steps)

    def only(self) -> FakeExecution:
        """The one execution started (fails the test if there are several)."""
        (execution,) = self.executions.values()
        return execution


class FakeLabelingJobs(LabelingJobReader):
    """Labeling jobs by name (looked up ignoring case, as SageMaker names are unique that way)."""

    def __init__(self, *jobs: LabelingJobFacts) -> None:
        self.jobs = {job.name.lower(): job for job in jobs}
        self.describes = 0

    def describe(self, name: str) -> LabelingJobFacts | None:
        self.describes += 1
        return self.jobs.get(name.lower())


def labeling_job(name: str = JOB, status: str = "Completed", **overrides: Any) -> LabelingJobFacts:
    """A labeling job data arrival created for batch :data:`BATCH` (tags and all)."""
    values: dict[str, Any] = {
        "name": name,
        "arn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:labeling-job/{name.lower()}",
        "status": status,
        "label_attribute_name": "label",
        "output_manifest_uri": f"s3://{BUCKET}/labeling-output/{name}/manifests/output/output.manifest"
        if status == "Completed"
        else None,
        "tags": {"mlops:stack": STACK, "mlops:batch-id": BATCH},
    }
    values.update(overrides)
    return LabelingJobFacts(**values)


class FakeNotifier(Notifier):
    """Collects what would be published; :attr:`failing` publishes fail as throttled SNS calls do."""

    def __init__(self) -> None:
        self.published: list[tuple[str, dict[str, Any]]] = []
        self.failing = 0
        self.on_publish: Callable[[], None] | None = None

    def publish(self, subject: str, message: Mapping[str, Any]) -> None:
        if self.failing > 0:
            self.failing -= 1
            raise TransientError("Publish failed and may succeed later: ThrottlingException")
        if self.on_publish is not None:
            self.on_publish()
        self.published.append((subject, dict(message)))

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [message for _, message in self.published]


class FakeTrainingData(TrainingData):
    """Records the copies a snapshot would make (key → source URI)."""

    def __init__(self, bucket: str = BUCKET) -> None:
        self.bucket = bucket
        self.copies: dict[str, str] = {}

    def snapshot(self, objects: Any, prefix: str) -> str:
        for obj in objects:
            assert isinstance(obj, ObjectRef)
            self.copies[snapshot_key(prefix, obj)] = obj.s3_uri
        return f"s3://{self.bucket}/{prefix}"


class InMemoryTrainingRecords(TrainingRecords):
    """The ledger items of :mod:`mlops_core.training.records` in a dict keyed by ``(pk, sk)``."""

    def __init__(self, batch_exists: Callable[[str], bool] | None = None) -> None:
        self.items: dict[tuple[str, str], Item] = {}
        self.batch_exists = batch_exists
        """Tells whether a batch exists in a batch store sharing the ledger (its item is then made on demand)."""
        self.failing: dict[str, int] = {}
        """Method name → how many of its next calls fail, as a DynamoDB call throttled beyond botocore's retries."""

    def _maybe_fail(self, method: str) -> None:
        if self.failing.get(method, 0) > 0:
            self.failing[method] -= 1
            raise TransientError(f"{method} failed and may succeed later: ThrottlingException")

    def add_batch(self, batch_id: str = BATCH, **fields: Any) -> None:
        """A batch record as data arrival writes it."""
        key = batch_key(batch_id)
        self.items[(key["pk"], key["sk"])] = {**key, "batch_id": batch_id, "status": "LABELING", **fields}

    def batch(self, batch_id: str = BATCH) -> Item | None:
        key = batch_key(batch_id)
        pair = (key["pk"], key["sk"])
        if pair not in self.items and self.batch_exists is not None and self.batch_exists(batch_id):
            self.items[pair] = {**key, "batch_id": batch_id}
        return self.items.get(pair)

    def _key(self, trigger: Trigger) -> tuple[str, str] | None:
        key = batch_key(trigger.name) if trigger.kind is TriggerKind.BATCH else labeling_job_key(trigger.name)
        pair = (key["pk"], key["sk"])
        if trigger.kind is TriggerKind.BATCH and self.batch(trigger.name) is None:
            return None
        self.items.setdefault(pair, dict(key))
        return pair

    def claim_start(self, trigger: Trigger, now: datetime) -> StartClaim:
        pair = self._key(trigger)
        if pair is None:
            raise LookupError(f"batch {trigger.name} has no ledger record")
        item = self.items[pair]
        item.setdefault("training_requested_at", now.isoformat())
        item["updated_at"] = now.isoformat()
        return StartClaim(datetime.fromisoformat(item["training_requested_at"]), item.get("pipeline_execution_arn"))

    def save_trigger(self, trigger: Trigger, fields: TriggerFields, now: datetime) -> None:
        self._maybe_fail("save_trigger")
        check_trigger_fields(trigger, fields)
        pair = self._key(trigger)
        if pair is None:
            raise LookupError(f"batch {trigger.name} has no ledger record")
        self.items[pair].update(_present(fields.as_update()), updated_at=now.isoformat())

    def save_batch(self, batch_id: str, fields: BatchTrainingFields, now: datetime) -> bool:
        item = self.batch(batch_id)
        if item is None:
            return False
        item.update(_present(fields.as_update()), updated_at=now.isoformat())
        return True

    def labeling_job(self, job_name: str) -> LabelingJobItem | None:
        key = labeling_job_key(job_name)
        item = self.items.get((key["pk"], key["sk"]))
        return LabelingJobItem.of_item(item) if item is not None else None

    def execution(self, pipeline_name: str, execution_id: str) -> ExecutionRecord | None:
        key = execution_key(pipeline_name, execution_id)
        item = self.items.get((key["pk"], key["sk"]))
        return execution_record(pipeline_name, execution_id, item) if item else None

    def save_execution(self, record: ExecutionRecord, fields: ExecutionFields, now: datetime) -> bool:
        self._maybe_fail("save_execution")
        key = execution_key(record.pipeline_name, record.execution_id)
        item = self.items.setdefault((key["pk"], key["sk"]), dict(key))
        current = item.get("status")
        if record.status is not None and current in FINAL_PIPELINE_STATUSES and record.status != current:
            return False
        values = {
            "execution_arn": record.execution_arn,
            "status": record.status,
            "display_name": record.display_name,
            "batch_id": record.batch_id,
            "labeling_job_name": record.labeling_job_name,
            "input_manifest_uri": record.input_manifest_uri,
            "notified_status": record.notified_status,
            **fields.as_update(),
        }
        item.update(_present(values), updated_at=now.isoformat())
        return True

    def claim_report(self, subject: ReportSubject, status: str, now: datetime) -> bool:
        self._maybe_fail("claim_report")
        item = self._report_item(subject)
        if item.get(REPORT_CLAIM) == status:
            return False
        item.update({REPORT_CLAIM: status, "updated_at": now.isoformat()})
        return True

    def release_report(self, subject: ReportSubject, status: str) -> None:
        item = self._report_item(subject)
        if item.get(REPORT_CLAIM) == status:
            del item[REPORT_CLAIM]

    def _report_item(self, subject: ReportSubject) -> Item:
        if isinstance(subject, Trigger):
            key = batch_key(subject.name) if subject.kind is TriggerKind.BATCH else labeling_job_key(subject.name)
            return self.items.setdefault((key["pk"], key["sk"]), dict(key))
        key = execution_key(subject.pipeline_name, subject.execution_id)
        item = self.items.setdefault((key["pk"], key["sk"]), dict(key))
        item.setdefault("execution_arn", subject.execution_arn)
        return item

    def execution_item(self, execution_arn: str, pipeline_name: str = PIPELINE) -> Item | None:
        key = execution_key(pipeline_name, execution_arn.rsplit("/execution/", 1)[1])
        return self.items.get((key["pk"], key["sk"]))


def _present(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields with a value (the ledger adapter's ``SET`` skips ``None``)."""
    return {name: value for name, value in fields.items() if value is not None}


# -- events -----------------------------------------------------------------------------------------------------------


def labeling_event(status: str = "Completed", name: str = JOB) -> dict[str, Any]:
    """The project's sample labeling job event, for job ``name`` (written in lower case, as in a real ARN)."""
    event: dict[str, Any] = project_event("labeling_job_completed.json")
    event["resources"] = [f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:labeling-job/{name.lower()}"]
    event["detail"] = {"LabelingJobStatus": status}
    return event


def pipeline_event(
    execution_arn: str, status: str, previous: str | None = "Executing", pipeline: str = PIPELINE
) -> dict[str, Any]:
    """The project's sample pipeline event, for one execution and status."""
    event: dict[str, Any] = project_event("pipeline_execution_succeeded.json")
    arn = pipeline_arn(pipeline)
    detail = event["detail"]
    detail.update(pipelineArn=arn, pipelineExecutionArn=execution_arn, currentPipelineExecutionStatus=status)
    if previous is None:
        detail.pop("previousPipelineExecutionStatus", None)
        detail.pop("executionEndTime", None)
    else:
        detail["previousPipelineExecutionStatus"] = previous
    event["resources"] = [arn, execution_arn]
    return event


def step(name: str, status: str = "Succeeded", **overrides: Any) -> ExecutionStep:
    """A step as ListPipelineExecutionSteps reports it."""
    return replace(ExecutionStep(name=name, status=status), **overrides)
