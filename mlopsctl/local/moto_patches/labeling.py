"""Ground Truth labeling jobs, which moto lacks: Create, Describe, List, Stop (emulated service side).

Validation follows the API reference: the job name pattern ``[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}``, the required
members, a unique name per account and region (``ResourceInUse``), and the label attribute rules of the output
format (no ``-metadata`` suffix, no ``-ref`` suffix for classification). A new job is ``InProgress``; the emulator
completes, fails or stops it in virtual time and writes the output manifest.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.utils import arn_formatter

from mlopsctl.local.moto_patches.state import NotificationKind, as_utc, extension_state, to_moto_time

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
ATTRIBUTE_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,126}$")
ACTIVE_STATUSES = ("Initializing", "InProgress")
REQUIRED = ("LabelingJobName", "LabelAttributeName", "InputConfig", "OutputConfig", "RoleArn", "HumanTaskConfig")
_SORT_KEYS = {
    "Name": lambda job: job.name,
    "CreationTime": lambda job: job.creation_time,
    "Status": lambda job: job.status,
}


@dataclass
class LabelingJob:
    """One labeling job, shaped for ``DescribeLabelingJob``."""

    name: str
    arn: str
    request: dict[str, Any]
    creation_time: datetime
    last_modified_time: datetime
    status: str = "InProgress"
    failure_reason: str | None = None
    output_dataset_s3_uri: str | None = None
    counters: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("TotalLabeled", "HumanLabeled", "MachineLabeled", "FailedNonRetryableError", "Unlabeled"), 0
        )
    )

    def describe(self) -> dict[str, Any]:
        """The ``DescribeLabelingJob`` response."""
        out = {k: v for k, v in self.request.items() if k != "LabelingJobName"}
        out.update(
            LabelingJobName=self.name,
            LabelingJobArn=self.arn,
            LabelingJobStatus=self.status,
            LabelCounters=dict(self.counters),
            CreationTime=to_moto_time(self.creation_time),
            LastModifiedTime=to_moto_time(self.last_modified_time),
            JobReferenceCode=hashlib.sha256(self.arn.encode()).hexdigest()[:24],
        )
        if self.failure_reason:
            out["FailureReason"] = self.failure_reason
        if self.output_dataset_s3_uri:
            out["LabelingJobOutput"] = {"OutputDatasetS3Uri": self.output_dataset_s3_uri}
        return out

    def summary(self) -> dict[str, Any]:
        """The ``LabelingJobSummary`` of ``ListLabelingJobs``."""
        described = self.describe()
        task = self.request["HumanTaskConfig"]
        keep = ("LabelingJobName", "LabelingJobArn", "CreationTime", "LastModifiedTime", "LabelingJobStatus")
        out = {k: described[k] for k in keep}
        out.update(LabelCounters=described["LabelCounters"], WorkteamArn=task["WorkteamArn"])
        out["InputConfig"] = self.request["InputConfig"]
        for key, value in (
            ("PreHumanTaskLambdaArn", task.get("PreHumanTaskLambdaArn")),
            (
                "AnnotationConsolidationLambdaArn",
                (task.get("AnnotationConsolidationConfig") or {}).get("AnnotationConsolidationLambdaArn"),
            ),
            ("FailureReason", self.failure_reason),
        ):
            if value:
                out[key] = value
        if self.output_dataset_s3_uri:
            out["LabelingJobOutput"] = {"OutputDatasetS3Uri": self.output_dataset_s3_uri}
        return out


def _validate(request: dict[str, Any]) -> None:
    missing = [name for name in REQUIRED if request.get(name) in (None, "", {})]
    if missing:
        details = "; ".join(
            f"Value null at '{name[0].lower() + name[1:]}' failed to satisfy constraint: Member must not be null"
            for name in missing
        )
        raise ValidationError(message=f"{len(missing)} validation error(s) detected: {details}")
    name = str(request["LabelingJobName"])
    if not NAME_PATTERN.match(name):
        raise ValidationError(
            message=f"1 validation error detected: Value '{name}' at 'labelingJobName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"
        )
    attribute = str(request["LabelAttributeName"])
    if not ATTRIBUTE_PATTERN.match(attribute) or attribute.endswith("-metadata"):
        raise ValidationError(message=f"LabelAttributeName '{attribute}' is not valid: it cannot end with -metadata.")
    if attribute.endswith("-ref"):
        raise ValidationError(
            message=f"LabelAttributeName '{attribute}' cannot end with -ref for this task type "
            "(only semantic segmentation and 3D point cloud tracking jobs use -ref)."
        )
    if not (request["InputConfig"].get("DataSource") or {}).get("S3DataSource"):
        raise ValidationError(
            message="InputConfig.DataSource.S3DataSource is required (streaming jobs are not emulated)."
        )


def create_labeling_job(backend: SageMakerModelBackend, request: dict[str, Any]) -> str:
    """``CreateLabelingJob``: validate and record a job ``InProgress``; returns its ARN."""
    _validate(request)
    state = extension_state(backend.account_id, backend.region_name)
    name = str(request["LabelingJobName"])
    arn = arn_formatter("labeling-job", name, backend.account_id, backend.region_name)
    with state.lock:
        if name in state.labeling_jobs:
            raise ResourceInUseException(message=f"Labeling job with name {name} already exists ({arn}).")
        now = state.now()
        stored = {k: v for k, v in request.items() if v is not None}
        state.labeling_jobs[name] = LabelingJob(
            name=name, arn=arn, request=stored, creation_time=now, last_modified_time=now
        )
    state.notify(NotificationKind.LABELING_CREATED, job_name=name)
    return arn


def _get(backend: SageMakerModelBackend, name: str) -> LabelingJob:
    job = extension_state(backend.account_id, backend.region_name).labeling_jobs.get(name)
    if not isinstance(job, LabelingJob):
        raise ResourceNotFound(message=f"Could not find labeling job with name {name}")
    return job


def describe_labeling_job(backend: SageMakerModelBackend, name: str) -> dict[str, Any]:
    """``DescribeLabelingJob``; ``ResourceNotFound`` for an unknown name."""
    return _get(backend, name).describe()


def stop_labeling_job(backend: SageMakerModelBackend, name: str) -> None:
    """``StopLabelingJob``: an active job becomes ``Stopping``; the emulator makes it ``Stopped``."""
    state = extension_state(backend.account_id, backend.region_name)
    with state.lock:
        job = _get(backend, name)
        if job.status not in ACTIVE_STATUSES:
            message = f"Labeling job {name} is {job.status}; only a job in progress can be stopped."
            raise ValidationError(message=message)
        job.status = "Stopping"
        job.last_modified_time = state.now()
    state.notify(NotificationKind.LABELING_STOPPING, job_name=name)


def _after(value: datetime, bound: datetime | None) -> bool:
    return bound is None or as_utc(value) > as_utc(bound)


def _before(value: datetime, bound: datetime | None) -> bool:
    return bound is None or as_utc(value) < as_utc(bound)


def list_labeling_jobs(backend: SageMakerModelBackend, params: dict[str, Any]) -> dict[str, Any]:
    """``ListLabelingJobs`` with its filters, sort (default ``CreationTime`` ascending) and pagination."""
    jobs = [j for j in extension_state(backend.account_id, backend.region_name).labeling_jobs.values()]
    contains = (params.get("NameContains") or "").lower()
    selected = [
        job
        for job in jobs
        if contains in job.name.lower()
        and (params.get("StatusEquals") in (None, job.status))
        and _after(job.creation_time, params.get("CreationTimeAfter"))
        and _before(job.creation_time, params.get("CreationTimeBefore"))
        and _after(job.last_modified_time, params.get("LastModifiedTimeAfter"))
        and _before(job.last_modified_time, params.get("LastModifiedTimeBefore"))
    ]
    descending = params.get("SortOrder") == "Descending"
    selected.sort(key=_SORT_KEYS[params.get("SortBy") or "CreationTime"], reverse=descending)
    start = _start_index(params.get("NextToken"))
    size = int(params.get("MaxResults") or 10)
    page = selected[start : start + size]
    out: dict[str, Any] = {"LabelingJobSummaryList": [job.summary() for job in page]}
    if start + size < len(selected):
        out["NextToken"] = str(start + size)
    return out


def _start_index(token: str | None) -> int:
    if not token:
        return 0
    if not token.isdigit():
        raise ValidationError(message=f"Invalid pagination token '{token}'.")
    return int(token)
