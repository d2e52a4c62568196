"""In-memory fakes of the data-arrival ports (they subclass the ports, so mypy checks them).

:class:`InMemoryBatchStore` follows the same contract as the DynamoDB adapter; ``tests/adapters/test_batch_store.py``
runs one contract suite against both. :class:`FakeLabelingJobs` counts SageMaker calls and can be told to fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

from mlops_core.aws.errors import ObjectGoneError, RequestRejectedError
from mlops_core.errors import TransientError
from mlops_core.events import Origin
from mlops_core.ingest.batch_outcomes import BatchingOptions
from mlops_core.ingest.batches import BatchCoordinator
from mlops_core.ingest.batching import BatchRecord, BatchStatus, DebouncePolicy
from mlops_core.ingest.manifest import ManifestMode
from mlops_core.ingest.objects import AcceptancePolicy, ObjectKind, ObjectRef
from mlops_core.ingest.ports import (
    AdmitResult,
    BatchStore,
    LabelingBackend,
    LabelingJobs,
    LabelingJobStart,
    ObjectStore,
)
from mlops_core.ingest.service import DataArrival, SqsMessage
from mlops_core.labeling.backends import GroundTruthBackend, NoLabeling
from mlops_core.labeling.jobs import GroundTruthConfig, TaskType
from mlops_core.training.starts import LedgerTrainingStarter


class InMemoryBatchStore(BatchStore):
    """Batches, members, claims and buffer pointers in dicts, with the adapter's conditional semantics."""

    def __init__(self) -> None:
        self.records: dict[str, BatchRecord] = {}
        self.member_lists: dict[str, dict[str, ObjectRef]] = {}
        self.claimed: dict[str, str] = {}
        self.buffers: dict[ObjectKind, str] = {}
        self.calls: list[str] = []

    def claims(self, objects: Sequence[ObjectRef]) -> dict[str, str]:
        self.calls.append("claims")
        return {o.identity_hash: self.claimed[o.identity_hash] for o in objects if o.identity_hash in self.claimed}

    def get(self, batch_id: str) -> BatchRecord | None:
        self.calls.append("get")
        return self.records.get(batch_id)

    def open(self, batch_id: str, kind: ObjectKind, now: datetime) -> bool:
        self.calls.append("open")
        if batch_id in self.records:
            return False
        self.records[batch_id] = BatchRecord(batch_id, kind, BatchStatus.OPEN, now, now)
        self.member_lists[batch_id] = {}
        return True

    def admit(self, batch_id: str, objects: Sequence[ObjectRef], now: datetime) -> AdmitResult:
        self.calls.append("admit")
        result = AdmitResult()
        for obj in objects:
            record = self.records[batch_id]
            if record.status is not BatchStatus.OPEN:
                return AdmitResult(result.admitted, result.taken, closed=True)
            holder = self.claimed.get(obj.identity_hash)
            if holder is not None:
                result.taken[obj.identity_hash] = holder
                continue
            self.claimed[obj.identity_hash] = batch_id
            self.member_lists[batch_id][obj.identity_hash] = obj
            self.records[batch_id] = replace(record, object_count=record.object_count + 1, updated_at=now)
            result.admitted.append(obj)
        return result

    def seal(self, batch_id: str, now: datetime) -> BatchRecord:
        self.calls.append("seal")
        record = self.records[batch_id]
        if record.status is BatchStatus.OPEN:
            record = replace(record, status=BatchStatus.SEALED, updated_at=now)
            self.records[batch_id] = record
        return record

    def members(self, batch_id: str) -> list[ObjectRef]:
        self.calls.append("members")
        return list(self.member_lists.get(batch_id, {}).values())

    def finish(
        self,
        batch_id: str,
        status: BatchStatus,
        now: datetime,
        *,
        manifest_uri: str | None = None,
        labeling_job_name: str | None = None,
        objects: Sequence[str] = (),
        reason: str | None = None,
    ) -> bool:
        self.calls.append("finish")
        record = self.records[batch_id]
        if record.status not in {BatchStatus.SEALED, BatchStatus.FAILED}:
            return False
        self.records[batch_id] = replace(
            record,
            status=status,
            updated_at=now,
            manifest_uri=manifest_uri or record.manifest_uri,
            labeling_job_name=labeling_job_name or record.labeling_job_name,
            objects=tuple(objects) or record.objects,
            reason=reason or record.reason,
        )
        return True

    def current_buffer(self, kind: ObjectKind) -> str | None:
        self.calls.append("current_buffer")
        return self.buffers.get(kind)

    def move_buffer(self, kind: ObjectKind, new_id: str | None, expected_id: str | None) -> bool:
        self.calls.append("move_buffer")
        if self.buffers.get(kind) != expected_id:
            return False
        if new_id is None:
            self.buffers.pop(kind, None)
        else:
            self.buffers[kind] = new_id
        return True


class InMemoryObjectStore(ObjectStore):
    """A bucket in a dict; ``texts`` pre-loads object contents for ``source`` manifests."""

    def __init__(self, bucket: str, texts: Mapping[str, str] | None = None) -> None:
        self.bucket = bucket
        self.written: dict[str, str] = {}
        self.texts = dict(texts or {})
        self.reads = 0

    def put_text(self, key: str, text: str, content_type: str) -> str:
        self.written[key] = text
        return f"s3://{self.bucket}/{key}"

    def read_text(self, obj: ObjectRef, max_bytes: int) -> str:
        return self.read_head(obj, max_bytes).decode("utf-8", errors="replace")

    def read_head(self, obj: ObjectRef, max_bytes: int) -> bytes:
        self.reads += 1
        if obj.key not in self.texts:
            raise ObjectGoneError("GetObject", "NoSuchKey", "The specified key does not exist.")
        return self.texts[obj.key].encode()[:max_bytes]


class FakeLabelingJobs(LabelingJobs):
    """Ground Truth as SageMaker would answer: unique names, ``created=False`` for a name that exists.

    ``fail_with`` makes the next calls raise (a callable returning the error, or ``None`` to succeed).
    """

    def __init__(self) -> None:
        self.jobs: dict[str, dict[str, Any]] = {}
        self.calls: list[dict[str, Any]] = []
        self.fail_with: Callable[[], Exception | None] = lambda: None

    def create(self, request: Mapping[str, Any]) -> LabelingJobStart:
        self.calls.append(dict(request))
        error = self.fail_with()
        if error is not None:
            raise error
        name = str(request["LabelingJobName"])
        if name.lower() in {n.lower() for n in self.jobs}:
            return LabelingJobStart(name=name, created=False)
        self.jobs[name] = dict(request)
        return LabelingJobStart(
            name=name, created=True, arn=f"arn:aws:sagemaker:us-east-1:123456789012:labeling-job/{name}"
        )


def refuse() -> Exception:
    """What SageMaker says to a request it will never accept."""
    return RequestRejectedError("CreateLabelingJob", "ValidationException", "Workteam ARN is not valid")


def throttle() -> Exception:
    """What the adapter raises once botocore's retries gave up on throttling."""
    return TransientError("CreateLabelingJob failed and may succeed later: ThrottlingException: Rate exceeded")


# -- builders ------------------------------------------------------------------------------------------------------

BUCKET = "mlops-dev-data"
STACK = "mlops-dev"
REGION = "us-east-1"
ORIGIN = Origin.of("123456789012", REGION)
"""The function's own account and Region: every sample message comes from them."""
WORKTEAM = "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/labelers"
ROLE = "arn:aws:iam::123456789012:role/mlops-dev-LabelingRole"


def s3_event(
    key: str,
    *,
    bucket: str = BUCKET,
    size: int = 10,
    etag: str | None = None,
    version_id: str | None = None,
    event_id: str = "17793124-05d4-b198-2fde-7ededc63b103",
) -> dict[str, Any]:
    """An EventBridge ``Object Created`` event as S3 sends it (key percent-encoded, one event id for all, as moto)."""
    obj: dict[str, Any] = {"key": quote(key, safe="/"), "size": size, "etag": etag or f"etag-{key}"}
    if version_id:
        obj["version-id"] = version_id
    obj["sequencer"] = "617f08299329d189"
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": "2026-01-01T00:00:00Z",
        "region": REGION,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {"version": "0", "bucket": {"name": bucket}, "object": obj, "reason": "PutObject"},
    }


def sqs_message(key: str, message_id: str | None = None, **kwargs: Any) -> SqsMessage:
    """An SQS message whose body is the ``Object Created`` event of ``key``."""
    return SqsMessage(message_id or f"msg-{key}", json.dumps(s3_event(key, **kwargs)))


def lambda_sqs_event(messages: Sequence[SqsMessage]) -> dict[str, Any]:
    """The Lambda event of an SQS batch."""
    return {
        "Records": [
            {
                "messageId": m.message_id,
                "receiptHandle": f"rh-{m.message_id}",
                "body": m.body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "0",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:mlops-dev-DataArrivalQueue",
                "awsRegion": REGION,
            }
            for m in messages
        ]
    }


def ground_truth_config(**overrides: Any) -> GroundTruthConfig:
    """Ground Truth settings for tests."""
    values: dict[str, Any] = {
        "region": REGION,
        "stack_name": STACK,
        "task_type": TaskType.TEXT_CLASSIFICATION,
        "labels": ("positive", "negative"),
        "workteam_arn": WORKTEAM,
        "role_arn": ROLE,
        "output_uri": f"s3://{BUCKET}/labeling-output/",
    }
    values.update(overrides)
    return GroundTruthConfig(**values)


def make_arrival(
    store: BatchStore,
    objects: ObjectStore,
    jobs: LabelingJobs | None,
    *,
    debounce: DebouncePolicy | None = None,
    mode: ManifestMode = ManifestMode.SOURCE_REF,
    config: GroundTruthConfig | None = None,
) -> DataArrival:
    """The use case on the given ports; ``jobs=None`` means ``LABELING_BACKEND=none``."""
    labeling: LabelingBackend = (
        NoLabeling()
        if jobs is None
        else GroundTruthBackend(jobs, objects, config or ground_truth_config(), "manifests/", mode)
    )
    options = BatchingOptions(manifest_prefix="manifests/", manifest_mode=mode, debounce=debounce or DebouncePolicy())
    coordinator = BatchCoordinator(store, objects, labeling, LedgerTrainingStarter(store), options)
    policy = AcceptancePolicy(
        bucket=BUCKET,
        incoming_prefix="incoming/",
        labeled_prefix="labeled/",
        allowed_extensions=frozenset({".txt", ".csv", ".jsonl", ".jpg", ".png"}),
        max_object_bytes=1_000_000,
    )
    return DataArrival(policy, coordinator, ORIGIN)


def manifest_refs(store: InMemoryObjectStore) -> dict[str, list[str]]:
    """Every manifest written, as its list of ``source-ref`` URIs (or ``source`` texts), by key."""
    return {
        key: [next(iter(json.loads(line).values())) for line in text.splitlines()]
        for key, text in store.written.items()
        if key.endswith(".manifest")
    }
