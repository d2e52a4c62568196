"""SageMaker Pipelines executions, and the labeling job facts training starts from, through boto3.

Starting an execution is made idempotent twice over. ``StartPipelineExecution`` gets a ``ClientRequestToken`` derived
from the trigger, which SageMaker uses to answer a repeated request with the execution it already started; and
before asking, :meth:`SageMakerPipelineExecutions.start` looks for an execution of the pipeline with the request's
display name (also derived from the trigger) created since the trigger was first handled. The look-up covers what the
token cannot: moto ignores the token, and SageMaker keeps it for a limited time only.

:class:`PipelineExecutions` and :class:`LabelingJobReader` are the ports; the services and their tests see only them.

Examples
--------
>>> ExecutionRequest("p", "p-batch-1", "0" * 64, "d", {"InputManifestUri": "s3://b/k"}).boto3_parameters()
[{'Name': 'InputManifestUri', 'Value': 's3://b/k'}]
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped, unused-ignore]

from mlops_core.aws.calls import aws_call, error_code

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

NO_VALUE = "none"
"""What the pipeline's lineage parameters (``LabelingJobName``, ``DataBatchId``) hold when there is nothing."""
LOOKUP_MARGIN = timedelta(minutes=10)
"""How far before the trigger's first handling the look-up for an existing execution reaches (clock skew)."""
MAX_LOOKUP_EXECUTIONS = 500
"""Executions inspected at most when looking for an existing one (newest first, since the trigger)."""
MAX_STEPS = 200
"""Steps listed at most per execution (the project's pipeline has six)."""


@dataclass(frozen=True, slots=True)
class ExecutionRequest:
    """One ``StartPipelineExecution`` request.

    Parameters
    ----------
    pipeline_name
        The pipeline to run.
    display_name
        ``PipelineExecutionDisplayName``: derived from the trigger, so it identifies the run.
    client_token
        ``ClientRequestToken`` (32-128 characters), derived from the trigger too.
    description
        ``PipelineExecutionDescription``.
    parameters
        ``PipelineParameters`` by name.
    """

    pipeline_name: str
    display_name: str
    client_token: str
    description: str
    parameters: Mapping[str, str] = field(default_factory=dict)

    def boto3_parameters(self) -> list[dict[str, str]]:
        """The parameters in the request's shape."""
        return [{"Name": name, "Value": value} for name, value in self.parameters.items()]


@dataclass(frozen=True, slots=True)
class StartedExecution:
    """The execution a request led to, and whether this call created it (``False``: it existed already)."""

    execution_arn: str
    created: bool


@dataclass(frozen=True, slots=True)
class ExecutionStep:
    """One step of an execution, as ``ListPipelineExecutionSteps`` reports it.

    ``job_arn`` is the processing or training job the step ran; ``model_package_arn`` the package a
    ``RegisterModel`` step created.
    """

    name: str
    status: str
    step_type: str | None = None
    failure_reason: str | None = None
    job_arn: str | None = None
    model_package_arn: str | None = None


@dataclass(frozen=True, slots=True)
class ExecutionState:
    """An execution's own status and ``FailureReason``, as ``DescribePipelineExecution`` reports them."""

    status: str
    failure_reason: str | None = None


@dataclass(frozen=True, slots=True)
class LabelingJobFacts:
    """What training needs to know about a labeling job (``DescribeLabelingJob``)."""

    name: str
    arn: str
    status: str
    label_attribute_name: str
    output_manifest_uri: str | None = None
    failure_reason: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


class PipelineExecutions(ABC):
    """Executions of SageMaker pipelines."""

    @abstractmethod
    def start(self, request: ExecutionRequest, since: datetime) -> StartedExecution:
        """Start the execution, or find the one an earlier attempt (not before ``since``) started."""

    @abstractmethod
    def describe(self, execution_arn: str) -> ExecutionState | None:
        """The execution's status and ``FailureReason`` (``DescribePipelineExecution``); ``None`` when it does not
        exist."""

    @abstractmethod
    def parameters(self, execution_arn: str) -> dict[str, str]:
        """The parameters the execution runs with, defaults included, by name."""

    @abstractmethod
    def steps(self, execution_arn: str) -> list[ExecutionStep]:
        """The execution's steps, in the order they started."""


class LabelingJobReader(ABC):
    """Reads Ground Truth labeling jobs."""

    @abstractmethod
    def describe(self, name: str) -> LabelingJobFacts | None:
        """The job's facts, or ``None`` when no job has this name."""


def _step(raw: Mapping[str, Any]) -> ExecutionStep:
    metadata: Mapping[str, Any] = raw.get("Metadata") or {}
    step_type = next(iter(metadata), None)
    job = next((metadata[k].get("Arn") for k in ("ProcessingJob", "TrainingJob") if k in metadata), None)
    package = (metadata.get("RegisterModel") or {}).get("Arn")
    return ExecutionStep(
        name=str(raw.get("StepName", "")),
        status=str(raw.get("StepStatus", "")),
        step_type=step_type,
        failure_reason=raw.get("FailureReason") or None,
        job_arn=job,
        model_package_arn=package,
    )


class SageMakerPipelineExecutions(PipelineExecutions):
    """:class:`PipelineExecutions` on a SageMaker client (standard retry mode retries throttling first)."""

    def __init__(self, client: SageMakerClient) -> None:
        self.client = client

    def start(self, request: ExecutionRequest, since: datetime) -> StartedExecution:
        """Find an execution with the request's display name created since ``since``; otherwise start one."""
        existing = self.find(request.pipeline_name, request.display_name, since)
        if existing is not None:
            return StartedExecution(existing, created=False)
        with aws_call("StartPipelineExecution"):
            response = self.client.start_pipeline_execution(
                PipelineName=request.pipeline_name,
                PipelineExecutionDisplayName=request.display_name,
                PipelineExecutionDescription=request.description,
                PipelineParameters=request.boto3_parameters(),  # type: ignore[arg-type]
                ClientRequestToken=request.client_token,
            )
        return StartedExecution(response["PipelineExecutionArn"], created=True)

    def find(self, pipeline_name: str, display_name: str, since: datetime) -> str | None:
        """The newest execution named ``display_name`` created since ``since`` (less :data:`LOOKUP_MARGIN`)."""
        after = since - LOOKUP_MARGIN
        paginator = self.client.get_paginator("list_pipeline_executions")
        pages = paginator.paginate(
            PipelineName=pipeline_name,
            CreatedAfter=after,
            SortBy="CreationTime",
            SortOrder="Descending",
            PaginationConfig={"MaxItems": MAX_LOOKUP_EXECUTIONS, "PageSize": 100},
        )
        with aws_call("ListPipelineExecutions"):
            for page in pages:
                for summary in page.get("PipelineExecutionSummaries", []):
                    started = summary.get("StartTime")
                    if summary.get("PipelineExecutionDisplayName") == display_name and (
                        started is None or started >= after
                    ):
                        return str(summary["PipelineExecutionArn"])
        return None

    def describe(self, execution_arn: str) -> ExecutionState | None:
        """``DescribePipelineExecution``; ``None`` for ``ResourceNotFound`` (no such execution)."""
        with aws_call("DescribePipelineExecution"):
            try:
                response = self.client.describe_pipeline_execution(PipelineExecutionArn=execution_arn)
            except ClientError as exc:
                if error_code(exc) == "ResourceNotFound":
                    return None
                raise
        reason = response.get("FailureReason")
        return ExecutionState(str(response["PipelineExecutionStatus"]), str(reason) if reason else None)

    def parameters(self, execution_arn: str) -> dict[str, str]:
        """``ListPipelineParametersForExecution``, every page."""
        paginator = self.client.get_paginator("list_pipeline_parameters_for_execution")
        found: dict[str, str] = {}
        with aws_call("ListPipelineParametersForExecution"):
            for page in paginator.paginate(PipelineExecutionArn=execution_arn):
                found.update({p["Name"]: str(p["Value"]) for p in page.get("PipelineParameters", [])})
        return found

    def steps(self, execution_arn: str) -> list[ExecutionStep]:
        """``ListPipelineExecutionSteps``, oldest first, at most :data:`MAX_STEPS`."""
        paginator = self.client.get_paginator("list_pipeline_execution_steps")
        pages = paginator.paginate(
            PipelineExecutionArn=execution_arn,
            SortOrder="Ascending",
            PaginationConfig={"MaxItems": MAX_STEPS},
        )
        with aws_call("ListPipelineExecutionSteps"):
            return [_step(raw) for page in pages for raw in page.get("PipelineExecutionSteps", [])]


class SageMakerLabelingJobReader(LabelingJobReader):
    """:class:`LabelingJobReader` on a SageMaker client."""

    def __init__(self, client: SageMakerClient) -> None:
        self.client = client

    def describe(self, name: str) -> LabelingJobFacts | None:
        """``DescribeLabelingJob``; ``None`` for an unknown job."""
        with aws_call("DescribeLabelingJob"):
            try:
                job = self.client.describe_labeling_job(LabelingJobName=name)
            except ClientError as exc:
                if error_code(exc) == "ResourceNotFound":
                    return None
                raise
        labeling_output = job.get("LabelingJobOutput")
        output = labeling_output.get("OutputDatasetS3Uri") if labeling_output else None
        return LabelingJobFacts(
            name=job["LabelingJobName"],
            arn=job["LabelingJobArn"],
            status=job["LabelingJobStatus"],
            label_attribute_name=job.get("LabelAttributeName", ""),
            output_manifest_uri=output or None,
            failure_reason=job.get("FailureReason") or None,
            tags={tag["Key"]: tag["Value"] for tag in job.get("Tags", [])},
        )
