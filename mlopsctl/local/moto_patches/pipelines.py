"""Pipeline executions: ``ListPipelineExecutionSteps`` and ``StopPipelineExecution`` (missing from moto), and an
emulated ``Executing`` phase.

An execution that does not exist is ``ResourceNotFound`` ("Resource being access is not found."), the one error the
API reference lists for ``DescribePipelineExecution``, ``ListPipelineExecutionSteps`` and
``ListPipelineParametersForExecution``
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribePipelineExecution.html, and botocore's
service model); moto answers ``ValidationException``.

moto marks an execution ``Succeeded`` the moment it starts and never runs it. When emulated, a started execution is
``Executing`` until the emulator finishes it (through a pluggable pipeline runner) or a stop request makes it
``Stopping`` and then ``Stopped``. ``DescribePipelineExecution`` reports the execution's ``FailureReason``.
"""

from __future__ import annotations

from typing import Any

from moto.sagemaker.exceptions import ResourceNotFound, ValidationError
from moto.sagemaker.models import FakePipelineExecution, SageMakerModelBackend
from moto.sagemaker.utils import get_pipeline_execution_from_arn

from mlopsctl.local.moto_patches.state import NotificationKind, as_utc, extension_state, to_moto_time


def find_execution(backend: SageMakerModelBackend, pipeline_execution_arn: str) -> FakePipelineExecution:
    """The execution, or ``ResourceNotFound`` as SageMaker answers for one that does not exist."""
    try:
        return get_pipeline_execution_from_arn(backend.pipelines, pipeline_execution_arn)
    except ValidationError:
        raise ResourceNotFound(message="Resource being access is not found.") from None


def start_pipeline_execution(backend: SageMakerModelBackend, original: Any, *args: Any, **kwargs: Any) -> Any:
    """``StartPipelineExecution``: as moto, but (when emulated) the execution is ``Executing`` in virtual time."""
    response = original(backend, *args, **kwargs)
    state = extension_state(backend.account_id, backend.region_name)
    if state.active:
        arn = response["PipelineExecutionArn"]
        execution = get_pipeline_execution_from_arn(backend.pipelines, arn)
        now = to_moto_time(state.now())
        with state.lock:
            execution.pipeline_execution_status = "Executing"
            execution.creation_time = execution.start_time = execution.last_modified_time = now
            state.pipeline_steps[arn] = []
        pipeline_name = arn.split(":pipeline/")[1].split("/execution/")[0]
        backend.pipelines[pipeline_name].last_execution_time = now
        state.notify(NotificationKind.PIPELINE_STARTED, execution_arn=arn, pipeline_name=pipeline_name)
    return response


def describe_pipeline_execution(backend: SageMakerModelBackend, original: Any, pipeline_execution_arn: str) -> Any:
    """``DescribePipelineExecution``: as moto, with the execution's real ``FailureReason`` instead of ``""``, and
    ``ResourceNotFound`` for an execution that does not exist."""
    if not extension_state(backend.account_id, backend.region_name).active:
        return original(backend, pipeline_execution_arn)
    execution = find_execution(backend, pipeline_execution_arn)
    response: dict[str, Any] = original(backend, pipeline_execution_arn)
    response["FailureReason"] = execution.pipeline_execution_failure_reason or ""
    if not response["FailureReason"]:
        response.pop("FailureReason")
    return response


def list_pipeline_parameters_for_execution(
    backend: SageMakerModelBackend, original: Any, pipeline_execution_arn: str
) -> Any:
    """``ListPipelineParametersForExecution``: as moto, with ``ResourceNotFound`` for an unknown execution."""
    if extension_state(backend.account_id, backend.region_name).active:
        find_execution(backend, pipeline_execution_arn)
    return original(backend, pipeline_execution_arn)


def list_pipeline_execution_steps(backend: SageMakerModelBackend, params: dict[str, Any]) -> dict[str, Any]:
    """``ListPipelineExecutionSteps``: the steps the emulated run reported, newest first unless ``Ascending``."""
    arn = str(params.get("PipelineExecutionArn") or "")
    find_execution(backend, arn)
    state = extension_state(backend.account_id, backend.region_name)
    with state.lock:
        steps = [dict(step) for step in state.pipeline_steps.get(arn, [])]
    steps.sort(key=lambda s: as_utc(s["StartTime"]), reverse=params.get("SortOrder") != "Ascending")
    token = params.get("NextToken")
    start = int(token) if token and str(token).isdigit() else 0
    size = int(params.get("MaxResults") or 100)
    out: dict[str, Any] = {"PipelineExecutionSteps": steps[start : start + size]}
    if start + size < len(steps):
        out["NextToken"] = str(start + size)
    return out


def stop_pipeline_execution(backend: SageMakerModelBackend, pipeline_execution_arn: str) -> str:
    """``StopPipelineExecution``: an ``Executing`` execution becomes ``Stopping``; the emulator makes it ``Stopped``.

    Stopping an execution that is already ``Stopping`` is accepted again (the call is idempotent); stopping a
    finished one is a ``ValidationException``.
    """
    execution = find_execution(backend, pipeline_execution_arn)
    state = extension_state(backend.account_id, backend.region_name)
    with state.lock:
        status = execution.pipeline_execution_status
        if status == "Stopping":
            return pipeline_execution_arn
        if status != "Executing":
            raise ValidationError(
                message=f"Pipeline execution {pipeline_execution_arn} is in status {status} and cannot be stopped."
            )
        execution.pipeline_execution_status = "Stopping"
        execution.last_modified_time = to_moto_time(state.now())
    state.notify(NotificationKind.PIPELINE_STOPPING, execution_arn=pipeline_execution_arn)
    return pipeline_execution_arn
