"""The training ledger's items as models: what the starters, PipelineEvents and LabelingEvents write, and read back.

A writer names what it sets in a fields model (every field optional, an unknown one refused: a writer's typo fails
at once): :class:`TriggerFields` on a trigger's record (a batch's or a labeling job's), :class:`BatchTrainingFields`
on a batch record, :class:`LabelingJobFields` on a labeling job's record, :class:`ExecutionFields` on a pipeline
execution's record (besides :class:`~mlops_core.training.records.ExecutionRecord`'s lineage and status).
:meth:`~_Fields.as_update` gives exactly the attributes it named, as the ledger spells them; a named ``None`` is
skipped by the store, so an update ``SET``\\ s only what it names with a value and keeps the rest. A reader gets a
:class:`LabelingJobItem`, an :class:`ExecutionItem` (beside the ``ExecutionRecord``) or a
:class:`BatchTrainingItem`: the fields every writer sets and those the store adds (``updated_at``, the claims),
unknown ones ignored (a newer writer must not break an older reader; a batch record's data-arrival fields are
:mod:`mlops_core.ingest.batch_store`'s).

Times are :func:`mlops_core.timefmt.stamp` text; the store keeps them as given.

Examples
--------
>>> BatchTrainingFields(pipeline_status="Failed", pipeline_reason=None).as_update()
{'pipeline_status': 'Failed', 'pipeline_reason': None}
>>> BatchTrainingFields(pipeline_statuss="Failed")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for BatchTrainingFields
pipeline_statuss
  Extra inputs are not permitted ...
>>> job = LabelingJobItem.of_item({"pk": "LABELING_JOB#j", "status": "Failed", "from_a_newer_writer": 1})
>>> (job.status, job.reason)
('Failed', None)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict

__all__ = [
    "BatchTrainingFields",
    "BatchTrainingItem",
    "ExecutionFields",
    "ExecutionItem",
    "LabelingJobFields",
    "LabelingJobItem",
    "TriggerFields",
]


class _Fields(BaseModel):
    """What a writer sets: frozen, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    def as_update(self) -> dict[str, Any]:
        """The attributes this update names (``None`` ones included: the store skips them)."""
        return self.model_dump(exclude_unset=True)


class _Read(BaseModel):
    """What the store itself writes on a training record (the start claim, the report claim, the last update), and
    the read side's way in: unknown fields ignored, built from an item's plain values."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    training_requested_at: str | None = None
    report_claimed_for: str | None = None
    updated_at: str | None = None

    @classmethod
    def of_item(cls, item: Mapping[str, Any]) -> Self:
        """The model of an item (plain values, as :func:`mlops_core.aws.dynamodb.deserialize` gives)."""
        return cls.model_validate(item)


class TriggerFields(_Fields):
    """What the starters set on a trigger's record (a batch's or a labeling job's): the execution started on it, or
    why none was (``pipeline_status`` ``NOT_STARTED``)."""

    pipeline_execution_arn: str | None = None
    training_input_uri: str | None = None
    pipeline_status: str | None = None
    pipeline_reason: str | None = None


class BatchTrainingFields(TriggerFields):
    """What training and labeling set on a batch record (never its data-arrival ``status``)."""

    training_files: int | None = None
    training_files_skipped: int | None = None
    pipeline_failed_step: str | None = None
    model_package_arn: str | None = None
    labeling_status: str | None = None
    labeling_reason: str | None = None
    labeling_output_uri: str | None = None


class LabelingJobFields(TriggerFields):
    """What LabelingEvents sets on a labeling job's record: the job's end (``status``, ``reason``) and its output."""

    item_type: Literal["labeling-job"] | None = None
    labeling_job_name: str | None = None
    batch_id: str | None = None
    status: str | None = None
    reason: str | None = None
    output_manifest_uri: str | None = None


class ExecutionFields(_Fields):
    """What the starters and PipelineEvents set on an execution's record besides its lineage and status."""

    requested_at: str | None = None
    started_at: str | None = None
    ended_at: str | None = None
    failed_step: str | None = None
    reason: str | None = None
    model_package_arn: str | None = None


class BatchTrainingItem(_Read, BatchTrainingFields):
    """The training fields of a batch record read back."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)


class LabelingJobItem(_Read, LabelingJobFields):
    """A labeling job's record read back (its name may be missing: a claim alone creates the record)."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)


class ExecutionItem(_Read, ExecutionFields):
    """A pipeline execution's record read back, besides what :class:`~mlops_core.training.records.ExecutionRecord`
    reads of it (identity, lineage, last status, what was notified): the times, the outcome, the claims."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    item_type: Literal["pipeline-execution"] | None = None
