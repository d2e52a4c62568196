"""A training pipeline execution changed status: record it, link it to what started it, report how it ended.

Only the stack's own pipeline counts (names compared ignoring case: SageMaker may lower-case them in ARNs).

==========================================  ========================================================================
status                                      what happens
==========================================  ========================================================================
``Executing``, ``Stopping``                 recorded (never over a final status: events arrive out of order)
``Succeeded``                               recorded with the model package the ``RegisterModel`` step created;
                                            one notification (claimed first: :mod:`~mlops_core.training.reports`)
``Failed`` (``CompletedWithFailures``)      recorded with the failed step and its reason
                                            (``ListPipelineExecutionSteps``, else ``DescribePipelineExecution``);
                                            one notification
``Stopped``                                 recorded; one notification
==========================================  ========================================================================

The event only says that something changed: the execution's own status (``DescribePipelineExecution``) decides.
An event for an execution that does not exist (``ResourceNotFound``) is ignored with the reason, not retried. An
event whose status is not the execution's is ignored (a late ``Failed`` after ``Succeeded``, a forged one), unless
the execution has reached a final status that nobody has reported yet: that status is recorded and reported. A final
status in the ledger is never replaced.

Lineage (the data batch and labeling job behind the run, its input) comes from the execution's ledger record, which
the starters write, or, for an execution started by hand, from its parameters
(``ListPipelineParametersForExecution``). The batch's ledger record gets the run's status, so the chain batch →
labeling job → execution → model package reads from one item.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from mlops_core.aws.notifications import Notifier
from mlops_core.events import PipelineExecutionStatusChangeEvent
from mlops_core.handler import EventResult
from mlops_core.timefmt import stamp
from mlops_core.training.ledger_items import BatchTrainingFields, ExecutionFields
from mlops_core.training.pipelines import NO_VALUE, ExecutionStep, PipelineExecutions
from mlops_core.training.records import FINAL_PIPELINE_STATUSES, ExecutionRecord, TrainingRecords
from mlops_core.training.reports import publish_once

OUTCOMES = {"Succeeded": "SUCCEEDED", "Failed": "FAILED", "CompletedWithFailures": "FAILED", "Stopped": "STOPPED"}
"""Final status → the ``outcome`` of the notification (the spelling deployment notifications use)."""


@dataclass(frozen=True, slots=True)
class PipelineEventsConfig:
    """The stack's training pipeline."""

    pipeline_name: str


@dataclass(frozen=True, slots=True)
class PipelineEventsPorts:
    """The adapters PipelineEvents talks to."""

    executions: PipelineExecutions
    records: TrainingRecords
    notifier: Notifier


@dataclass(frozen=True, slots=True)
class RunSummary:
    """How a finished execution went, from its steps."""

    failed_step: str | None = None
    failed_job_arn: str | None = None
    reason: str | None = None
    model_package_arn: str | None = None


def _given(value: str | None) -> str | None:
    return None if value in (None, "", NO_VALUE) else value


def _lineage(
    known: ExecutionRecord | None, event: PipelineExecutionStatusChangeEvent, pipeline: str, ports: PipelineEventsPorts
) -> ExecutionRecord:
    """The execution's record with its lineage: from the ledger, else from the execution's parameters."""
    record = known or ExecutionRecord(pipeline, event.execution_id, event.execution_arn)
    record = replace(record, display_name=record.display_name or event.execution_display_name)
    if record.batch_id or record.labeling_job_name or record.input_manifest_uri:
        return record
    parameters = ports.executions.parameters(event.execution_arn)
    return replace(
        record,
        batch_id=_given(parameters.get("DataBatchId")),
        labeling_job_name=_given(parameters.get("LabelingJobName")),
        input_manifest_uri=_given(parameters.get("InputManifestUri")),
    )


def summarise(status: str, steps: list[ExecutionStep], failure_reason: str | None = None) -> RunSummary:
    """The failed step and why (or the execution's own reason), and the registered model package."""
    package = next((s.model_package_arn for s in steps if s.model_package_arn), None)
    if OUTCOMES.get(status) != "FAILED":
        return RunSummary(model_package_arn=package)
    failed = next((s for s in steps if s.status == "Failed"), None)
    if failed is None:
        return RunSummary(reason=failure_reason or "no reason given", model_package_arn=package)
    return RunSummary(
        failed_step=failed.name,
        failed_job_arn=failed.job_arn,
        reason=failed.failure_reason or failure_reason or "no reason given",
        model_package_arn=package,
    )


def describe_outcome(status: str, summary: RunSummary) -> str:
    """One line for people: what the run produced, or where and why it failed."""
    outcome = OUTCOMES[status]
    if outcome == "SUCCEEDED":
        if summary.model_package_arn:
            return f"training succeeded; model package {summary.model_package_arn} awaits approval"
        return "training succeeded; no model package was registered"
    if outcome == "STOPPED":
        return "training was stopped before it finished"
    where = f" at step {summary.failed_step}" if summary.failed_step else ""
    return f"training failed{where}: {summary.reason}"


def _contradiction(event: PipelineExecutionStatusChangeEvent, actual: str, known: ExecutionRecord | None) -> str | None:
    """Why the event must not be acted on, given the execution's actual status and the ledger's record; ``None`` to
    act on ``actual`` (the event's status, or a final status nobody has reported yet)."""
    recorded = known.status if known else None
    if recorded in FINAL_PIPELINE_STATUSES and actual != recorded:
        return (
            f"execution {event.execution_id} is recorded {recorded}, a final status, which is never replaced "
            f"(the event says {event.status}; DescribePipelineExecution says {actual})"
        )
    if event.status == actual:
        return None
    if actual in FINAL_PIPELINE_STATUSES and not (known is not None and known.notified_status == actual):
        return None
    return (
        f"the event says {event.status}, but execution {event.execution_id} is {actual} "
        "(DescribePipelineExecution): the execution's own status decides"
    )


def handle_pipeline_event(
    event: PipelineExecutionStatusChangeEvent, config: PipelineEventsConfig, ports: PipelineEventsPorts, now: datetime
) -> EventResult:
    """Record the execution's actual status; on a final status, report the outcome once (see the module's table)."""
    if event.pipeline_name.lower() != config.pipeline_name.lower():
        return EventResult.ignored(f"pipeline {event.pipeline_name} is not this stack's ({config.pipeline_name})")
    state = ports.executions.describe(event.execution_arn)
    known = ports.records.execution(config.pipeline_name, event.execution_id) if state else None
    if state is None or (contradiction := _contradiction(event, state.status, known)) is not None:
        missing = f"execution {event.execution_arn} does not exist (DescribePipelineExecution: ResourceNotFound)"
        return EventResult.ignored(missing if state is None else contradiction or "")
    status = state.status
    record = _lineage(known, event, config.pipeline_name, ports)
    details: dict[str, Any] = {
        "execution_arn": event.execution_arn,
        "status": status,
        "batch_id": record.batch_id,
        "labeling_job_name": record.labeling_job_name,
    }
    if status not in FINAL_PIPELINE_STATUSES:
        return _record_progress(event, replace(record, status=status), ports, now, details)
    if known is not None and known.notified_status == status:
        return EventResult("ok", f"execution {event.execution_id} {status} was already reported", details)
    summary = summarise(status, ports.executions.steps(event.execution_arn), state.failure_reason)
    line = describe_outcome(status, summary)
    outcome = OUTCOMES[status]
    message = {
        "kind": "training",
        "outcome": outcome,
        "pipeline_name": config.pipeline_name,
        "pipeline_execution_arn": event.execution_arn,
        "display_name": record.display_name,
        "batch_id": record.batch_id,
        "labeling_job_name": record.labeling_job_name,
        "input_manifest_uri": record.input_manifest_uri,
        "failed_step": summary.failed_step,
        "failed_job_arn": summary.failed_job_arn,
        "reason": summary.reason,
        "model_package_arn": summary.model_package_arn,
        "started_at": stamp(event.start_time) if event.start_time else None,
        "ended_at": stamp(event.end_time) if event.end_time else None,
        "summary": line,
    }
    title = f"[TRAINING {outcome}] {record.display_name or event.execution_id}"
    reported = publish_once(ports.records, ports.notifier, record, status, now, title, message)
    fields = ExecutionFields(
        failed_step=summary.failed_step,
        reason=summary.reason,
        model_package_arn=summary.model_package_arn,
        started_at=message["started_at"],
        ended_at=message["ended_at"],
    )
    notified = status if reported else record.notified_status
    ports.records.save_execution(replace(record, status=status, notified_status=notified), fields, now)
    if record.batch_id:
        batch_fields = BatchTrainingFields(
            pipeline_execution_arn=event.execution_arn,
            pipeline_status=status,
            pipeline_reason=summary.reason,
            pipeline_failed_step=summary.failed_step,
            model_package_arn=summary.model_package_arn,
        )
        ports.records.save_batch(record.batch_id, batch_fields, now)
    details.update(failed_step=summary.failed_step, model_package_arn=summary.model_package_arn)
    if not reported:
        return EventResult("ok", f"execution {event.execution_id} {status} was already reported", details)
    return EventResult("ok", line, details)


def _record_progress(
    event: PipelineExecutionStatusChangeEvent,
    record: ExecutionRecord,
    ports: PipelineEventsPorts,
    now: datetime,
    details: dict[str, Any],
) -> EventResult:
    status = record.status
    started = stamp(event.start_time) if event.start_time else None
    if not ports.records.save_execution(record, ExecutionFields(started_at=started), now):
        return EventResult.ignored(f"execution {event.execution_id} has already ended; {status} came late")
    if record.batch_id:
        fields = BatchTrainingFields(pipeline_execution_arn=event.execution_arn, pipeline_status=status)
        ports.records.save_batch(record.batch_id, fields, now)
    return EventResult("ok", f"execution {event.execution_id} is {status}: recorded", details)
