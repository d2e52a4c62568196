"""The SageMaker backend's state, read and written for the emulator (accessors registered in :mod:`..checked`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import sagemaker_backends
from moto.sagemaker.utils import get_pipeline_execution_from_arn

from mlopsctl.local.errors import LocalStackError
from mlopsctl.local.moto_patches.checked import reads, record_of
from mlopsctl.local.moto_patches.state import to_moto_time

_SM = "moto.sagemaker.models"
_SM_BACKEND = f"{_SM}.SageMakerModelBackend"
_SM_BACKENDS = f"{_SM}.sagemaker_backends"


class MotoRecordGoneError(LocalStackError):
    """What an accessor looked for is not in moto (deleted meanwhile); ``message`` is moto's ValidationError's."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@record_of(f"{_SM}.FakeEndpoint", "5.2.5")
class SageMakerEndpoint(Protocol):
    """moto's endpoint, as the emulator reads it (its writes go through ``endpoints.set_endpoint_fields``)."""

    @property
    def endpoint_name(self) -> str: ...
    @property
    def arn(self) -> str: ...
    @property
    def endpoint_config_name(self) -> str: ...
    @property
    def production_variants(self) -> Any: ...
    @property
    def endpoint_status(self) -> str: ...
    @property
    def creation_time(self) -> Any: ...
    @property
    def last_modified_time(self) -> Any: ...
    @property
    def failure_reason(self) -> Any: ...
    @property
    def tags(self) -> Any: ...


@record_of(f"{_SM}.FakePipelineExecution", "5.2.5")
class PipelineExecution(Protocol):
    """moto's pipeline execution, as the emulator reads it (:func:`end_pipeline_execution` writes it)."""

    @property
    def arn(self) -> str: ...
    @property
    def pipeline_execution_status(self) -> str: ...
    @property
    def start_time(self) -> Any: ...
    @property
    def pipeline_execution_display_name(self) -> Any: ...
    @property
    def pipeline_execution_description(self) -> Any: ...
    @property
    def pipeline_parameters(self) -> Any: ...
    @property
    def pipeline_definition_for_execution(self) -> Any: ...


@reads("5.2.5", _SM_BACKENDS, f"{_SM_BACKEND}.endpoints")
def sagemaker_endpoint(account_id: str, region: str, name: str) -> SageMakerEndpoint | None:
    """moto's endpoint ``name`` (the same object until it is deleted), or None."""
    found: SageMakerEndpoint | None = sagemaker_backends[account_id][region].endpoints.get(name)
    return found


@reads("5.2.5", _SM_BACKENDS, f"{_SM_BACKEND}.endpoints")
def forget_sagemaker_endpoint(account_id: str, region: str, endpoint: SageMakerEndpoint) -> None:
    """Remove ``endpoint`` from moto (a deletion completes), unless another endpoint took its name meanwhile."""
    endpoints = sagemaker_backends[account_id][region].endpoints
    if endpoints.get(endpoint.endpoint_name) is endpoint:
        del endpoints[endpoint.endpoint_name]


@reads(
    "5.2.5",
    _SM_BACKENDS,
    f"{_SM_BACKEND}.pipelines",
    "moto.sagemaker.utils.get_pipeline_execution_from_arn",
    "moto.sagemaker.models.FakePipeline.pipeline_executions",
)
def pipeline_execution(account_id: str, region: str, arn: str) -> PipelineExecution | None:
    """moto's pipeline execution ``arn``, or None when it (or its pipeline) is gone."""
    try:
        pipelines = sagemaker_backends[account_id][region].pipelines
        found: PipelineExecution = get_pipeline_execution_from_arn(pipelines, arn)
    except ValidationError:
        return None
    return found


@reads("5.2.5", _SM_BACKENDS, f"{_SM_BACKEND}.pipelines", f"{_SM}.FakePipeline.role_arn")
def pipeline_role_arn(account_id: str, region: str, pipeline_name: str) -> str | None:
    """The role of pipeline ``pipeline_name``, or None when the pipeline is gone."""
    pipeline = sagemaker_backends[account_id][region].pipelines.get(pipeline_name)
    return None if pipeline is None else str(pipeline.role_arn)


@reads("5.2.5", _SM_BACKENDS, f"{_SM_BACKEND}.reset")
def reset_sagemaker(account_id: str, region: str) -> None:
    """Empty moto's SageMaker of one account and Region (every other service and place kept)."""
    sagemaker_backends[account_id][region].reset()


@reads("5.2.5", f"{_SM}.FakePipelineExecution.pipeline_execution_status")
def put_pipeline_execution_status(execution: PipelineExecution, status: str) -> None:
    """Set the status moto describes ``execution`` with, and nothing else (no time, no reason, no event)."""
    cast(Any, execution).pipeline_execution_status = status


@reads(
    "5.2.5",
    f"{_SM}.FakePipelineExecution.pipeline_execution_status",
    f"{_SM}.FakePipelineExecution.last_modified_time",
    f"{_SM}.FakePipelineExecution.pipeline_execution_failure_reason",
)
def end_pipeline_execution(execution: PipelineExecution, status: str, at: datetime, failure_reason: str | None) -> None:
    """Put ``execution`` in ``status`` at ``at`` (DescribePipelineExecution shows it; no event is sent here)."""
    moto_execution = cast(Any, execution)
    moto_execution.pipeline_execution_status = status
    moto_execution.last_modified_time = to_moto_time(at)
    moto_execution.pipeline_execution_failure_reason = failure_reason


@dataclass(frozen=True)
class DeployedModel:
    """A model of an endpoint configuration, as SageMaker provisions it."""

    variant_name: str
    model_name: str
    model_arn: str
    role_arn: str
    containers: tuple[tuple[str, str | None], ...]  # (image, model data URL)


@reads(
    "5.2.5",
    _SM_BACKENDS,
    f"{_SM_BACKEND}.endpoint_configs",
    f"{_SM_BACKEND}.describe_model",
    f"{_SM_BACKEND}.describe_model_package",
    f"{_SM}.FakeEndpointConfig.production_variants",
    f"{_SM}.Model.model_name",
    f"{_SM}.Model.arn",
    f"{_SM}.Model.execution_role_arn",
    f"{_SM}.Model.primary_container",
    f"{_SM}.Model.containers",
    f"{_SM}.ModelPackage.inference_specification",
)
def configuration_models(account_id: str, region: str, config_name: str) -> list[DeployedModel]:
    """The models of an endpoint configuration's production variants, with their images and model data.

    Raises :class:`MotoRecordGoneError` when a model or its package was deleted after ``CreateEndpointConfig``.
    """
    backend = sagemaker_backends[account_id][region]
    out: list[DeployedModel] = []
    try:
        for variant in backend.endpoint_configs[config_name].production_variants:
            model = backend.describe_model(str(variant["ModelName"]))
            containers = [model.primary_container] if model.primary_container else list(model.containers)
            images: list[tuple[str, str | None]] = []
            for container in containers:
                package_name = container.get("ModelPackageName")
                if not package_name:
                    images.append((str(container["Image"]), container.get("ModelDataUrl")))
                    continue
                package = backend.describe_model_package(str(package_name))
                for inner in (package.inference_specification or {}).get("Containers") or []:
                    images.append((str(inner["Image"]), inner.get("ModelDataUrl")))
            arn, role = str(model.arn).lower(), str(model.execution_role_arn)
            out.append(DeployedModel(str(variant["VariantName"]), model.model_name, arn, role, tuple(images)))
    except ValidationError as exc:
        raise MotoRecordGoneError(exc.message) from None
    return out


@reads(
    "5.2.5",
    _SM_BACKENDS,
    f"{_SM_BACKEND}.processing_jobs",
    f"{_SM_BACKEND}.training_jobs",
    f"{_SM}.FakeProcessingJob.processing_job_status",
    f"{_SM}.FakeTrainingJob.training_job_status",
    f"{_SM}.FakeTrainingJob.secondary_status",
    f"{_SM}.FakeTrainingJob.algorithm_specification",
    f"{_SM}.FakeTrainingJob.final_metric_data_list",
)
def record_job_outcome(
    account_id: str,
    region: str,
    *,
    kind: str,
    name: str,
    failure_reason: str | None,
    algorithm_specification: Mapping[str, Any] | None = None,
    metrics: list[dict[str, Any]] | None = None,
) -> None:
    """Correct moto's record of job ``name`` (``kind`` ``processing`` or ``training``) after the real run."""
    backend = sagemaker_backends[account_id][region]
    status = "Failed" if failure_reason else "Completed"
    if kind == "processing":
        processing = backend.processing_jobs.get(name)
        if processing is None:
            return
        processing.processing_job_status = status
        if failure_reason:
            setattr(processing, "failure_reason", failure_reason)  # noqa: B010 - moto declares no such field
        return
    training = backend.training_jobs.get(name)
    if training is None:
        return
    training.training_job_status = training.secondary_status = status
    if algorithm_specification is not None:
        training.algorithm_specification = dict(algorithm_specification)
    training.final_metric_data_list = list(metrics or [])
    if failure_reason:
        setattr(training, "failure_reason", failure_reason)  # noqa: B010 - moto declares no such field
