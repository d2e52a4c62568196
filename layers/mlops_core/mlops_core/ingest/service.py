"""Data arrival: from a batch of SQS messages (EventBridge S3 ``Object Created`` events) to labeling jobs.

For each message: parse the event (the events model decodes the key once; an event of another account or Region,
checked record by record against the function's own :class:`~mlops_core.events.Origin`, is ignored with the reason),
check the object (:func:`~mlops_core.ingest.objects.classify`) and, for objects that go straight to training, whether
the pipeline can read them (:class:`~mlops_core.ingest.labeled_check.LabeledDataCheck`); refused and unsupported
messages are logged with their reason and acknowledged, never retried (refused labeled files are also listed in one
notification). Accepted objects are de-duplicated within the batch, then placed into batches by the
:class:`~mlops_core.ingest.batches.BatchCoordinator`, which de-duplicates across batches and starts one labeling
job per batch. A message fails (SQS retries it, then the dead-letter queue keeps it) only when AWS refused its
batch's job; throttling and server errors propagate and fail the whole invocation, which SQS retries. An invocation
that accepted nothing and changed nothing says so (:meth:`ArrivalReport.ignored_outcome`).

Examples
--------
>>> report = ArrivalReport(accepted=3)
>>> report.failed_message_ids
set()
>>> ArrivalReport(ignored=2, ignored_reasons=Counter({"foreign-bucket": 2})).ignored_outcome()
{'outcome': 'ignored', 'reason': 'nothing accepted from 2 objects: foreign-bucket x2'}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from mlops_core.errors import MlopsError
from mlops_core.events import EventError, Origin, S3ObjectCreatedEvent, parse_event
from mlops_core.ingest.batch_outcomes import Placement
from mlops_core.ingest.batches import BatchCoordinator
from mlops_core.ingest.batching import dedupe
from mlops_core.ingest.labeled_check import LabeledDataCheck, RefusedObject
from mlops_core.ingest.objects import AcceptancePolicy, ObjectKind, ObjectRef, Rejection, classify

logger = Logger()

SCHEDULED_EVENT = "Scheduled Event"
"""The detail-type of an EventBridge schedule: a flush tick for debounce buffers, acknowledged silently."""


class MessageFailedError(MlopsError):
    """A message whose object's batch was refused: reported as failed, so SQS delivers it again."""


@dataclass(frozen=True, slots=True)
class SqsMessage:
    """The part of an SQS record this service needs."""

    message_id: str
    body: str


@dataclass
class ArrivalReport:
    """What one invocation did, for metrics, logs and the partial batch response."""

    accepted: int = 0
    ignored: int = 0
    duplicates: int = 0
    ignored_reasons: Counter[str] = field(default_factory=Counter)
    jobs_started: list[str] = field(default_factory=list)
    jobs_found: list[str] = field(default_factory=list)
    batches_ready: list[str] = field(default_factory=list)
    batches_failed: list[str] = field(default_factory=list)
    failed_message_ids: set[str] = field(default_factory=set)
    refused: list[RefusedObject] = field(default_factory=list)
    """Labeled files refused by the arrival check (also counted in ``ignored``)."""

    def ignore(self, reason: str) -> None:
        """Count one message ignored for ``reason``."""
        self.ignored += 1
        self.ignored_reasons[reason] += 1

    def result_fields(self) -> dict[str, Any]:
        """What the handler returns beside ``batchItemFailures``: :meth:`ignored_outcome`, and the refused files."""
        fields: dict[str, Any] = dict(self.ignored_outcome() or {})
        if self.refused:
            fields["refused"] = [r.as_dict() for r in self.refused]
        return fields

    def ignored_outcome(self) -> dict[str, str] | None:
        """``{"outcome": "ignored", "reason": ...}`` when every message was ignored and nothing changed (no object
        accepted or found again, no batch finished); ``None`` otherwise.

        The reason counts the messages per reason. The local stack's action log shows it (the handler convention);
        Lambda ignores the extra keys.
        """
        changed = self.jobs_started or self.jobs_found or self.batches_ready or self.batches_failed
        if not self.ignored or self.accepted or self.duplicates or changed or self.failed_message_ids:
            return None
        counts = sorted(self.ignored_reasons.items(), key=lambda item: (-item[1], item[0]))
        reasons = ", ".join(f"{reason} x{count}" for reason, count in counts)
        objects = f"{self.ignored} object" + ("s" if self.ignored != 1 else "")
        return {"outcome": "ignored", "reason": f"nothing accepted from {objects}: {reasons}"}


@dataclass(frozen=True, slots=True)
class DataArrival:
    """The use case, wired: what is acceptable, who places accepted objects, and the function's own account."""

    policy: AcceptancePolicy
    coordinator: BatchCoordinator
    origin: Origin
    labeled_check: LabeledDataCheck | None = None
    """Checks the files that go straight to training; ``None``: not checked."""


def handle_messages(messages: Sequence[SqsMessage], arrival: DataArrival, now: datetime) -> ArrivalReport:
    """Process one SQS batch; return what happened (including which messages failed).

    Raises
    ------
    TransientError
        An AWS call was throttled or failed on the server side after botocore's retries: the whole batch is retried.
    """
    report = ArrivalReport()
    by_kind: dict[ObjectKind, list[ObjectRef]] = {}
    carriers: dict[str, list[str]] = {}
    for message in messages:
        logger.set_correlation_id(message.message_id)
        obj = _object_of(message, arrival.origin)
        if isinstance(obj, str):
            report.ignore(obj)
            continue
        verdict = classify(obj, arrival.policy)
        if isinstance(verdict, Rejection):
            report.ignore(verdict.value)
            logger.info("object ignored", extra={"bucket": obj.bucket, "key": obj.key, "reason": str(verdict)})
            continue
        refused = arrival.labeled_check.refusal(obj, verdict) if arrival.labeled_check else None
        if refused is not None:
            report.ignore(refused.reason.value)
            report.refused.append(RefusedObject(obj.key, refused.reason.value, refused.message))
            continue
        carriers.setdefault(obj.identity_hash, []).append(message.message_id)
        by_kind.setdefault(verdict, []).append(obj)
    logger.set_correlation_id(None)

    placement = Placement()
    for kind in ObjectKind:
        placement.merge(arrival.coordinator.flush_due(kind, now))
    for kind, objects in by_kind.items():
        unique, repeats = dedupe(objects, key=lambda o: o.identity)
        placement.duplicates.extend(repeats)
        placement.merge(arrival.coordinator.place(kind, unique, now))

    report.accepted = len(placement.accepted)
    report.duplicates = len(placement.duplicates)
    report.jobs_started = placement.jobs_started
    report.jobs_found = placement.jobs_found
    report.batches_ready = placement.batches_ready
    report.batches_failed = placement.batches_failed
    report.failed_message_ids = {mid for obj in placement.failed for mid in carriers.get(obj.identity_hash, [])}
    if arrival.labeled_check is not None:
        arrival.labeled_check.notify(report.refused)
    logger.info(
        "data arrival batch processed",
        extra={
            "messages": len(messages),
            "accepted": report.accepted,
            "ignored": report.ignored,
            "duplicates": report.duplicates,
            "refused": len(report.refused),
            "labeling_jobs_started": report.jobs_started,
            "failed_messages": len(report.failed_message_ids),
        },
    )
    return report


def _object_of(message: SqsMessage, origin: Origin) -> ObjectRef | str:
    """The object an SQS message announces, or why it announces none (logged)."""
    try:
        event = parse_event(message.body, origin=origin)
    except EventError as exc:
        if exc.detail_type == SCHEDULED_EVENT:
            logger.debug("flush tick", extra={"detail_type": exc.detail_type, "source": exc.source})
            return "flush tick, nothing due"
        logger.info(
            "message ignored", extra={"reason": exc.reason, "detail_type": exc.detail_type, "source": exc.source}
        )
        return exc.reason
    if not isinstance(event, S3ObjectCreatedEvent):
        reason = f"not an S3 Object Created event: {event.detail_type}"
        logger.info("message ignored", extra={"reason": reason})
        return reason
    return ObjectRef(bucket=event.bucket, key=event.key, size=event.size, etag=event.etag, version_id=event.version_id)


def publish_metrics(metrics: Metrics, report: ArrivalReport) -> None:
    """EMF metrics of one invocation: objects accepted, ignored (refused labeled files among them: also
    ``LabeledObjectsRefused``) and duplicated; jobs started; batches ready/failed."""
    metrics.add_metric(name="ObjectsAccepted", unit=MetricUnit.Count, value=report.accepted)
    metrics.add_metric(name="ObjectsIgnored", unit=MetricUnit.Count, value=report.ignored)
    metrics.add_metric(name="ObjectsDuplicate", unit=MetricUnit.Count, value=report.duplicates)
    metrics.add_metric(name="LabeledObjectsRefused", unit=MetricUnit.Count, value=len(report.refused))
    metrics.add_metric(name="LabelingJobsStarted", unit=MetricUnit.Count, value=len(report.jobs_started))
    metrics.add_metric(name="BatchesReadyForTraining", unit=MetricUnit.Count, value=len(report.batches_ready))
    metrics.add_metric(name="BatchesFailed", unit=MetricUnit.Count, value=len(report.batches_failed))


def partial_response(records: Sequence[Mapping[str, Any]], report: ArrivalReport) -> dict[str, Any]:
    """Lambda's partial batch response (``ReportBatchItemFailures``) to the SQS ``records``: the messages of refused
    batches, in batch order, are delivered again; the others are deleted.

    What Powertools' batch processor answered, without its import (about 40 ms of cold start: asyncio and every
    stream's data classes, for a list the report already holds). Like it, an empty batch raises its
    ``UnexpectedBatchTypeError`` and a batch whose every message failed its ``BatchProcessingError``, so that Lambda
    retries the whole batch (both imported only then).
    """
    if not records:
        from aws_lambda_powertools.utilities.batch.exceptions import UnexpectedBatchTypeError  # noqa: PLC0415 - rare

        raise UnexpectedBatchTypeError(
            "Unexpected batch event type. Possible values are: SQS, KinesisDataStreams, DynamoDBStreams, Kafka"
        )
    failed = [str(record["messageId"]) for record in records if record["messageId"] in report.failed_message_ids]
    if len(failed) == len(records):
        from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError  # noqa: PLC0415 - rare

        errors = [MessageFailedError(f"message {mid}: its batch was refused, see the ledger") for mid in failed]
        raise BatchProcessingError(
            msg=f"All records failed processing. {len(errors)} individual errors logged separately below.",
            child_exceptions=[(type(error), error, error.__traceback__) for error in errors],
        )
    return {"batchItemFailures": [{"itemIdentifier": mid} for mid in failed]}
