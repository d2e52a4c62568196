"""A Ground Truth labeling job changed state: train on its output, or report why it ended (LabelingEvents' core).

Only this stack's jobs count: their names start with ``<stack>-`` (compared in lower case, as SageMaker writes names
in ARNs), and a job tagged ``mlops:stack`` must carry this stack's name (another stack whose name extends ours,
``mlops-dev`` beside ``mlops``, also matches the prefix). Only final states act:

==============  ==========================================================================================
status          what happens
==============  ==========================================================================================
``Completed``   the training pipeline starts on the job's output manifest, with its label attribute and
                ``LabelingJobName``/``DataBatchId`` as lineage (one execution, however many events arrive)
``Failed``      ledger (job and batch: status and reason) and one notification with ``FailureReason``
``Stopped``     the same; nothing is trained
other           ignored, with the reason
==============  ==========================================================================================

``DescribeLabelingJob`` is the source of truth: the output manifest, the failure reason and the batch (the
``mlops:batch-id`` tag data arrival puts on its jobs) come from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mlops_core.aws.notifications import Notifier
from mlops_core.errors import MlopsError, TransientError
from mlops_core.events import LabelingJobStateChangeEvent
from mlops_core.handler import EventResult
from mlops_core.training.ledger_items import BatchTrainingFields, LabelingJobFields
from mlops_core.training.pipelines import LabelingJobFacts, LabelingJobReader
from mlops_core.training.records import TrainingRecords, Trigger, TriggerKind
from mlops_core.training.reports import publish_once
from mlops_core.training.starts import BATCH_TAG, STACK_TAG, TrainingLauncher, labeling_request

COMPLETED = "Completed"
FINAL_STATUSES = frozenset({COMPLETED, "Failed", "Stopped"})


class LabelingJobNotSettledError(TransientError):
    """The event says the job ended but ``DescribeLabelingJob`` does not yet: retried later."""


class LabelingOutputMissingError(MlopsError):
    """A completed labeling job reports no output manifest; the event is kept (dead-letter queue) for a look."""


@dataclass(frozen=True, slots=True)
class LabelingEventsConfig:
    """The stack whose jobs count and the pipeline they train."""

    stack_name: str
    pipeline_name: str


@dataclass(frozen=True, slots=True)
class LabelingEventsPorts:
    """The adapters LabelingEvents talks to."""

    jobs: LabelingJobReader
    launcher: TrainingLauncher
    records: TrainingRecords
    notifier: Notifier


def owns_job(stack_name: str, job_name: str) -> bool:
    """Whether a job's name starts with ``<stack>-``, ignoring case."""
    return job_name.lower().startswith(f"{stack_name.lower()}-")


def handle_labeling_event(
    event: LabelingJobStateChangeEvent, config: LabelingEventsConfig, ports: LabelingEventsPorts, now: datetime
) -> EventResult:
    """Act on a labeling job's final state (see the module's table)."""
    name = event.labeling_job_name
    if not owns_job(config.stack_name, name):
        return EventResult.ignored(
            f"labeling job {name} is not this stack's (its name does not start with {config.stack_name}-)"
        )
    if event.status not in FINAL_STATUSES:
        return EventResult.ignored(f"labeling job {name} is {event.status}: only Completed, Failed and Stopped act")
    job = ports.jobs.describe(name)
    if job is None:
        return EventResult.ignored(f"labeling job {name} does not exist")
    owner = job.tags.get(STACK_TAG)
    if owner is not None and owner != config.stack_name:
        return EventResult.ignored(f"labeling job {job.name} belongs to stack {owner}")
    if job.status not in FINAL_STATUSES:
        raise LabelingJobNotSettledError(f"labeling job {job.name} is still {job.status} after a {event.status} event")
    batch_id = job.tags.get(BATCH_TAG)
    if job.status == COMPLETED:
        return _train(job, batch_id, config, ports, now)
    return _report_end(job, batch_id, ports, now)


def _train(
    job: LabelingJobFacts, batch_id: str | None, config: LabelingEventsConfig, ports: LabelingEventsPorts, now: datetime
) -> EventResult:
    if not job.output_manifest_uri:
        raise LabelingOutputMissingError(f"labeling job {job.name} completed without an output manifest")
    trigger = Trigger(TriggerKind.LABELING_JOB, job.name)
    lineage = {"batch_id": batch_id, "labeling_job_name": job.name, "input_manifest_uri": job.output_manifest_uri}
    launch = ports.launcher.launch(trigger, labeling_request(config.pipeline_name, job, batch_id), now, lineage)
    ports.records.save_trigger(
        trigger,
        LabelingJobFields(
            item_type="labeling-job",
            labeling_job_name=job.name,
            batch_id=batch_id,
            status=COMPLETED,
            output_manifest_uri=job.output_manifest_uri,
        ),
        now,
    )
    if batch_id:
        batch_fields = BatchTrainingFields(
            labeling_status=COMPLETED,
            labeling_output_uri=job.output_manifest_uri,
            pipeline_execution_arn=launch.execution_arn,
        )
        ports.records.save_batch(batch_id, batch_fields, now)
    reason = (
        f"training started on labeling job {job.name}'s output"
        if launch.created
        else f"training on labeling job {job.name} was already started (repeated event)"
    )
    details = {
        "execution_arn": launch.execution_arn,
        "labeling_job_name": job.name,
        "batch_id": batch_id,
        "input_manifest_uri": job.output_manifest_uri,
    }
    return EventResult("ok", reason, details)


def _report_end(job: LabelingJobFacts, batch_id: str | None, ports: LabelingEventsPorts, now: datetime) -> EventResult:
    why = job.failure_reason or ("stopped before it completed" if job.status == "Stopped" else "no reason given")
    details = {"labeling_job_name": job.name, "batch_id": batch_id, "labeling_status": job.status}
    recorded = ports.records.labeling_job(job.name)
    if recorded is not None and recorded.status == job.status:
        return EventResult("ok", f"labeling job {job.name} {job.status} was already reported (repeated event)", details)
    message = {
        "kind": "labeling",
        "outcome": job.status.upper(),
        "labeling_job_name": job.name,
        "labeling_job_arn": job.arn,
        "batch_id": batch_id,
        "reason": why,
        "training": "not started",
    }
    trigger = Trigger(TriggerKind.LABELING_JOB, job.name)
    title = f"[LABELING {job.status.upper()}] {job.name}"
    reported = publish_once(ports.records, ports.notifier, trigger, job.status, now, title, message)
    fields = LabelingJobFields(
        item_type="labeling-job", labeling_job_name=job.name, batch_id=batch_id, status=job.status, reason=why
    )
    ports.records.save_trigger(trigger, fields, now)
    if batch_id:
        ports.records.save_batch(batch_id, BatchTrainingFields(labeling_status=job.status, labeling_reason=why), now)
    if not reported:
        return EventResult("ok", f"labeling job {job.name} {job.status} was already reported", details)
    return EventResult("ok", f"labeling job {job.name} {job.status}: {why}; no training, operators notified", details)
