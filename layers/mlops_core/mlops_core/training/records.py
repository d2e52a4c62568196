"""Training in the ledger: what started each pipeline execution, how it ended, and the links between them.

=======================  ===================================  ====================  ====================================
item                     ``pk``                               ``sk``                written by
=======================  ===================================  ====================  ====================================
data batch (extended)    ``BATCH#<batch_id>``                 ``BATCH``             data arrival; training fields here
labeling job             ``LABELING_JOB#<name, lower case>``  ``LABELING_JOB``      LabelingEvents
pipeline execution       ``PIPELINE#<pipeline name>``         ``EXECUTION#<id>``    the starters, then PipelineEvents
=======================  ===================================  ====================  ====================================

Training fields on a batch (and on a labeling job item): ``training_requested_at`` (first attempt to start, the
claim), ``training_input_uri``, ``pipeline_execution_arn``; PipelineEvents adds ``pipeline_status``,
``pipeline_reason``, ``pipeline_failed_step`` and ``model_package_arn``; LabelingEvents adds ``labeling_status``,
``labeling_reason`` and ``labeling_output_uri``. The batch's own ``status`` (its data-arrival life cycle) is never
changed here. Labeling job names are keyed in lower case because SageMaker writes them so in ARNs.

A labeling job's or an execution's item also holds ``report_claimed_for``: the status whose one notification has been
claimed (a conditional write before publishing, given back if publishing fails), so that a retried or duplicated
event never notifies twice, even when the write after the publish failed.

:class:`TrainingRecords` is the port; :class:`LedgerTrainingRecords` implements it on the ledger table. What a writer
sets is typed (:mod:`mlops_core.training.ledger_items`: a field the read model does not know is refused), and so is
a labeling job's record read back.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from mlops_core.aws.dynamodb import Expression
from mlops_core.aws.errors import ConditionFailedError
from mlops_core.aws.ledger import Ledger, batch_key
from mlops_core.timefmt import parse_stamp, stamp
from mlops_core.training.ledger_items import (
    BatchTrainingFields,
    ExecutionFields,
    LabelingJobFields,
    LabelingJobItem,
    TriggerFields,
)

FINAL_PIPELINE_STATUSES = frozenset({"Succeeded", "Failed", "Stopped", "CompletedWithFailures"})
"""Pipeline execution statuses after which nothing changes: a late event (``Executing``, or another final status)
never overwrites them."""


class TriggerKind(StrEnum):
    """What a training run starts from."""

    BATCH = "batch"
    """A data batch that needs no labeling (``labeled/`` data, or the ``none`` labeling back-end)."""
    LABELING_JOB = "labeling-job"
    """A completed Ground Truth labeling job."""


@dataclass(frozen=True, slots=True)
class Trigger:
    """The batch or labeling job a training run starts from (``name`` is the batch id or the job name)."""

    kind: TriggerKind
    name: str


@dataclass(frozen=True, slots=True)
class StartClaim:
    """When the trigger was first handed to training, and the execution recorded for it (if one was)."""

    requested_at: datetime
    execution_arn: str | None = None


@dataclass(frozen=True, slots=True)
class ExecutionRecord:
    """The ledger's record of one pipeline execution: lineage, last status, and what was notified."""

    pipeline_name: str
    execution_id: str
    execution_arn: str
    status: str | None = None
    display_name: str | None = None
    batch_id: str | None = None
    labeling_job_name: str | None = None
    input_manifest_uri: str | None = None
    notified_status: str | None = None


ReportSubject = ExecutionRecord | Trigger
"""What a report is about: a pipeline execution's record, or a labeling job's trigger."""

REPORT_CLAIM = "report_claimed_for"
"""The record's attribute holding the status whose report is claimed (see :meth:`TrainingRecords.claim_report`)."""


def labeling_job_key(job_name: str) -> dict[str, str]:
    """Key of a labeling job's record."""
    return {"pk": f"LABELING_JOB#{job_name.lower()}", "sk": "LABELING_JOB"}


def execution_key(pipeline_name: str, execution_id: str) -> dict[str, str]:
    """Key of a pipeline execution's record (one partition per pipeline: one query lists its executions)."""
    return {"pk": f"PIPELINE#{pipeline_name}", "sk": f"EXECUTION#{execution_id}"}


def set_expression(fields: Mapping[str, Any]) -> Expression:
    """``SET #f0 = :v0, ...`` for the fields that are not ``None`` (names as placeholders: many are reserved)."""
    present = [(name, value) for name, value in fields.items() if value is not None]
    if not present:
        raise ValueError("nothing to set")
    names = {f"#f{i}": name for i, (name, _) in enumerate(present)}
    values = {f":v{i}": value for i, (_, value) in enumerate(present)}
    text = "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(present)))
    return Expression(text, names, values)


def execution_record(pipeline_name: str, execution_id: str, item: Mapping[str, Any]) -> ExecutionRecord:
    """The :class:`ExecutionRecord` of an execution's item (the rest of it: :class:`~.ledger_items.ExecutionItem`)."""
    return ExecutionRecord(
        pipeline_name=pipeline_name,
        execution_id=execution_id,
        execution_arn=item["execution_arn"],
        status=item.get("status"),
        display_name=item.get("display_name"),
        batch_id=item.get("batch_id"),
        labeling_job_name=item.get("labeling_job_name"),
        input_manifest_uri=item.get("input_manifest_uri"),
        notified_status=item.get("notified_status"),
    )


def check_trigger_fields(trigger: Trigger, fields: TriggerFields) -> None:
    """A labeling job's fields (its ``status`` among them) never go on a batch: its own ``status`` is data arrival's."""
    if trigger.kind is TriggerKind.BATCH and isinstance(fields, LabelingJobFields):
        raise TypeError(f"labeling job fields on batch {trigger.name}'s record")


class TrainingRecords(ABC):
    """Training records in the ledger."""

    @abstractmethod
    def claim_start(self, trigger: Trigger, now: datetime) -> StartClaim:
        """Note that the trigger is being handed to training (once: the first time is kept) and return the claim.

        Raises
        ------
        LookupError
            For a batch trigger whose batch has no record.
        """

    @abstractmethod
    def save_trigger(self, trigger: Trigger, fields: TriggerFields, now: datetime) -> None:
        """Set fields on the trigger's record (a labeling job's is created if needed); ``None`` values are skipped."""

    @abstractmethod
    def save_batch(self, batch_id: str, fields: BatchTrainingFields, now: datetime) -> bool:
        """Set fields on an existing batch record; ``False`` when there is no such batch."""

    @abstractmethod
    def labeling_job(self, job_name: str) -> LabelingJobItem | None:
        """A labeling job's record."""

    @abstractmethod
    def execution(self, pipeline_name: str, execution_id: str) -> ExecutionRecord | None:
        """A pipeline execution's record."""

    @abstractmethod
    def save_execution(self, record: ExecutionRecord, fields: ExecutionFields, now: datetime) -> bool:
        """Create or update an execution's record with the record's non-``None`` fields and ``fields``.

        A final status is never replaced (events arrive out of order; a late one may contradict it): a ``status``
        other than the recorded final one writes nothing and the result is ``False``.
        """

    @abstractmethod
    def claim_report(self, subject: ReportSubject, status: str, now: datetime) -> bool:
        """Claim the one report of ``subject`` (an execution, or a labeling job's trigger) having reached ``status``.

        ``True`` for the first claim; ``False`` once it is claimed (by an earlier attempt of the same event, or by a
        duplicate handled at the same time), so that the report is sent once. Claim *before* sending, and
        :meth:`release_report` when the report could not be sent, so that the retry sends it.
        """

    @abstractmethod
    def release_report(self, subject: ReportSubject, status: str) -> None:
        """Give the claim of a report that could not be sent back (nothing happens if it is not ``status``'s)."""


class LedgerTrainingRecords(TrainingRecords):
    """:class:`TrainingRecords` on the ledger table."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def claim_start(self, trigger: Trigger, now: datetime) -> StartClaim:
        """``SET training_requested_at = if_not_exists(...)``, returning the record after the update."""
        key, condition = self._trigger_key(trigger)
        update = Expression(
            "SET #req = if_not_exists(#req, :now), updated_at = :now",
            names={"#req": "training_requested_at"},
            values={":now": stamp(now)},
        )
        try:
            item = self.ledger.update(key, update, condition)
        except ConditionFailedError:
            raise LookupError(f"batch {trigger.name} has no ledger record") from None
        return StartClaim(parse_stamp(item["training_requested_at"]), item.get("pipeline_execution_arn"))

    def save_trigger(self, trigger: Trigger, fields: TriggerFields, now: datetime) -> None:
        """Update the trigger's record."""
        check_trigger_fields(trigger, fields)
        key, condition = self._trigger_key(trigger)
        try:
            self.ledger.update(key, set_expression({**fields.as_update(), "updated_at": stamp(now)}), condition)
        except ConditionFailedError:
            raise LookupError(f"batch {trigger.name} has no ledger record") from None

    def save_batch(self, batch_id: str, fields: BatchTrainingFields, now: datetime) -> bool:
        """Update a batch record that exists."""
        try:
            self.ledger.update(
                batch_key(batch_id),
                set_expression({**fields.as_update(), "updated_at": stamp(now)}),
                Expression("attribute_exists(pk)"),
            )
        except ConditionFailedError:
            return False
        return True

    def labeling_job(self, job_name: str) -> LabelingJobItem | None:
        """The labeling job's item, typed."""
        item = self.ledger.get(labeling_job_key(job_name))
        return LabelingJobItem.of_item(item) if item is not None else None

    def execution(self, pipeline_name: str, execution_id: str) -> ExecutionRecord | None:
        """The execution's item, typed."""
        item = self.ledger.get(execution_key(pipeline_name, execution_id))
        return execution_record(pipeline_name, execution_id, item) if item else None

    def save_execution(self, record: ExecutionRecord, fields: ExecutionFields, now: datetime) -> bool:
        """Upsert; a status is written only over no status, a non-final one, or itself (a final one stays)."""
        values: dict[str, Any] = {
            "item_type": "pipeline-execution",
            "pipeline_name": record.pipeline_name,
            "execution_id": record.execution_id,
            "execution_arn": record.execution_arn,
            "status": record.status,
            "display_name": record.display_name,
            "batch_id": record.batch_id,
            "labeling_job_name": record.labeling_job_name,
            "input_manifest_uri": record.input_manifest_uri,
            "notified_status": record.notified_status,
            **fields.as_update(),
            "updated_at": stamp(now),
        }
        condition = None
        if record.status is not None:
            finals = {f":final{i}": status for i, status in enumerate(sorted(FINAL_PIPELINE_STATUSES))}
            condition = Expression(
                f"attribute_not_exists(#status) OR NOT (#status IN ({', '.join(finals)})) OR #status = :mine",
                names={"#status": "status"},
                values={**finals, ":mine": record.status},
            )
        key = execution_key(record.pipeline_name, record.execution_id)
        try:
            self.ledger.update(key, set_expression(values), condition)
        except ConditionFailedError:
            return False
        return True

    def claim_report(self, subject: ReportSubject, status: str, now: datetime) -> bool:
        """``SET report_claimed_for = :status`` unless it already is ``status`` (a conditional write: one winner)."""
        key, names, values, extra = self._report_target(subject)
        update = Expression(
            "SET #claim = :status, updated_at = :now" + extra,
            names={"#claim": REPORT_CLAIM, **names},
            values={":status": status, ":now": stamp(now), **values},
        )
        condition = Expression("attribute_not_exists(#claim) OR #claim <> :status")
        try:
            self.ledger.update(key, update, condition)
        except ConditionFailedError:
            return False
        return True

    def release_report(self, subject: ReportSubject, status: str) -> None:
        """``REMOVE report_claimed_for`` if it is still ``status``."""
        key, _, _, _ = self._report_target(subject)
        update = Expression("REMOVE #claim", names={"#claim": REPORT_CLAIM})
        condition = Expression("#claim = :status", values={":status": status})
        try:
            self.ledger.update(key, update, condition)
        except ConditionFailedError:
            return

    @staticmethod
    def _report_target(subject: ReportSubject) -> tuple[dict[str, str], dict[str, str], dict[str, Any], str]:
        """The record's key, and (for an execution) what a claim writes so the record is readable at once."""
        if isinstance(subject, Trigger):
            labeling = subject.kind is TriggerKind.LABELING_JOB
            return (labeling_job_key(subject.name) if labeling else batch_key(subject.name)), {}, {}, ""
        key = execution_key(subject.pipeline_name, subject.execution_id)
        return key, {"#arn": "execution_arn"}, {":arn": subject.execution_arn}, ", #arn = if_not_exists(#arn, :arn)"

    @staticmethod
    def _trigger_key(trigger: Trigger) -> tuple[dict[str, str], Expression | None]:
        if trigger.kind is TriggerKind.BATCH:
            return batch_key(trigger.name), Expression("attribute_exists(pk)")
        return labeling_job_key(trigger.name), None
