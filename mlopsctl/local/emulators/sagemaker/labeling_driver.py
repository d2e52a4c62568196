"""Emulated labeling jobs in virtual time: ``InProgress`` → ``Completed`` (or ``Failed``), ``Stopping`` →
``Stopped``. Ground Truth announces the final states (``Completed``, ``Failed``, ``Stopped``) with a
``SageMaker Ground Truth Labeling Job State Change`` event carrying only the status.

With the local stack's IAM, Ground Truth does the job's work as the job's ``RoleArn`` (CreateLabelingJob API
reference: "The Amazon Resource Number (ARN) that Amazon SageMaker assumes to perform tasks on your behalf during
data labeling"; SageMaker Developer Guide, "Create a SageMaker AI Execution Role for a Ground Truth Labeling Job"):
it assumes the role (trust policy, ``aws:SourceArn`` the job's ARN), writes the job's log stream in
``/aws/sagemaker/LabelingJobs`` and its metrics, reads the label category configuration, the input manifest, the
worker task template and every ``source-ref`` object, and writes the output manifest; each read and write with
the ``kms:Decrypt`` / ``kms:GenerateDataKey`` an SSE-KMS object needs. A denied request fails the job with the
AccessDenied as its ``FailureReason`` (``ClientError: …``), as a job whose input Ground Truth cannot read fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

from mlopsctl.local.emulators.sagemaker import events
from mlopsctl.local.emulators.sagemaker.context import DriverContext, Event
from mlopsctl.local.emulators.sagemaker.labeling import (
    CLASSIFICATION_TYPES,
    LabelingInputError,
    LabelingResult,
    label_items,
    output_manifest_uri,
    parse_categories,
    parse_manifest,
    read_s3_text,
    task_type,
    write_s3_text,
)
from mlopsctl.local.emulators.sagemaker.service_roles import RoleSession, ServiceAccessError
from mlopsctl.local.emulators.sagemaker.workforce import Workforce
from mlopsctl.local.moto_patches.labeling import LabelingJob
from mlopsctl.local.moto_patches.state import Notification

LOG_GROUP = "/aws/sagemaker/LabelingJobs"


class LabelingDriver:
    """Completes, fails and stops labeling jobs and emits their events.

    Parameters
    ----------
    ctx
        Shared driver context.
    workforce
        Who labels the objects.
    failure_for
        Returns the steered failure reason for a job name, or None.
    """

    def __init__(self, ctx: DriverContext, workforce: Workforce, failure_for: Callable[[str], str | None]) -> None:
        self._ctx = ctx
        self._workforce = workforce
        self._failure_for = failure_for

    def _event(self, job: LabelingJob, at: datetime) -> Event:
        return events.labeling_job_state_change(
            account=self._ctx.account_id, region=self._ctx.region, time=at, labeling_job_arn=job.arn, status=job.status
        )

    def _job(self, name: str) -> LabelingJob | None:
        job = self._ctx.state.labeling_jobs.get(name)
        return job if isinstance(job, LabelingJob) else None

    def on_created(self, note: Notification) -> list[Event]:
        """A job was created: it finishes after the labeling time."""
        job = self._job(note.data["job_name"])
        if job is None:
            return []

        def finish(at: datetime) -> list[Event]:
            if self._job(job.name) is not job or job.status != "InProgress":
                return []
            return [self._finish(job, at)]

        self._ctx.schedule(note.at + timedelta(seconds=self._ctx.timings.labeling_seconds), finish, None)
        return []

    def on_stopping(self, note: Notification) -> list[Event]:
        """A job was asked to stop: it is ``Stopped`` after the stop time."""
        job = self._job(note.data["job_name"])
        if job is None:
            return []

        def stopped(at: datetime) -> list[Event]:
            if self._job(job.name) is not job or job.status != "Stopping":
                return []
            job.status = "Stopped"
            job.last_modified_time = at
            return [self._event(job, at)]

        self._ctx.schedule(note.at + timedelta(seconds=self._ctx.timings.stop_seconds), stopped, None)
        return []

    def _finish(self, job: LabelingJob, at: datetime) -> Event:
        job.last_modified_time = at
        reason = self._failure_for(job.name)
        if reason is None:
            role = self._role(job)
            uri = output_manifest_uri(job.request["OutputConfig"]["S3OutputPath"], job.name)
            try:
                result = self._label(job, at, role)
                if role is not None:
                    role.write(uri, "the output manifest")
            except LabelingInputError as exc:
                reason = str(exc)
            except ServiceAccessError as exc:
                reason = exc.reason(prefix="ClientError: ")
            else:
                body = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in result.lines)
                write_s3_text(self._ctx.account_id, self._ctx.region, uri, body)
                job.counters = result.counters
                job.output_dataset_s3_uri = uri
                job.status = "Completed"
        if reason is not None:
            job.status = "Failed"
            job.failure_reason = reason
        return self._event(job, at)

    def _role(self, job: LabelingJob) -> RoleSession | None:
        """Ground Truth's session of the job's role (None without IAM)."""
        roles = self._ctx.roles
        return roles.session(str(job.request["RoleArn"]), job.arn.lower()) if roles is not None else None

    def _label(self, job: LabelingJob, at: datetime, role: RoleSession | None = None) -> LabelingResult:
        kind = task_type(job.request["HumanTaskConfig"])
        if kind not in CLASSIFICATION_TYPES.values():
            raise LabelingInputError(
                f"Emulator: task type {kind} is not emulated; only classification labeling jobs are."
            )
        category_uri = job.request.get("LabelCategoryConfigS3Uri")
        if not category_uri:
            raise LabelingInputError(f"ClientError: LabelCategoryConfigS3Uri is required for {kind} labeling jobs.")
        account, region = self._ctx.account_id, self._ctx.region
        manifest_uri = job.request["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"]
        template_uri = (job.request["HumanTaskConfig"].get("UiConfig") or {}).get("UiTemplateS3Uri")
        if role is not None:
            role.assume()
            role.logs(LOG_GROUP, job.name)
            role.metrics(LOG_GROUP)
            role.read(category_uri, "the label category configuration")
            role.read(manifest_uri, "the input manifest")
            if template_uri:
                role.read(str(template_uri), "the worker task template")
        labels = parse_categories(read_s3_text(account, region, category_uri), category_uri)
        items = parse_manifest(read_s3_text(account, region, manifest_uri), manifest_uri)
        if role is not None:
            for item in items:
                if isinstance(item.get("source-ref"), str):
                    role.read(str(item["source-ref"]), "the data object")
        return label_items(
            job_name=job.name,
            attribute=job.request["LabelAttributeName"],
            kind=kind,
            labels=labels,
            items=items,
            workforce=self._workforce,
            now=at,
        )
