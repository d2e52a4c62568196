"""SageMaker ``Model Building Pipeline Execution Status Change`` events (the PipelineEvents trigger).

Pipeline events use camelCase detail keys (``currentPipelineExecutionStatus``, ``pipelineExecutionArn``) where every
other SageMaker event uses PascalCase. ``resources`` holds the pipeline ARN, then the execution ARN; the detail's
``pipelineArn`` wins when present. The pipeline name and execution id are read from the ARNs (SageMaker may write the
name in lower case there).
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, AliasPath, Field, field_validator, model_validator

from mlops_core.events.envelope import EventEnvelope, detail_of, first_resource
from mlops_core.events.timestamps import UtcDateTime
from mlops_core.events.values import PipelineExecutionStatus, arn_resource_id

_EXECUTION = "/execution/"


class PipelineExecutionStatusChangeEvent(EventEnvelope):
    """``SageMaker Model Building Pipeline Execution Status Change`` from ``aws.sagemaker``.

    Attributes
    ----------
    pipeline_arn, pipeline_name
        The pipeline (name as written in the ARN).
    execution_arn, execution_id
        The execution (``.../pipeline/<name>/execution/<id>``).
    status, previous_status
        ``Executing``, ``Stopping``, ``Stopped``, ``Failed``, ``Succeeded``.
    execution_display_name, execution_description, start_time, end_time
        As in the event, when present.
    """

    DETAIL_TYPE = "SageMaker Model Building Pipeline Execution Status Change"
    SOURCE = "aws.sagemaker"

    pipeline_arn: str = Field(
        validation_alias=AliasChoices(AliasPath("detail", "pipelineArn"), AliasPath("resources", 0)),
    )
    pipeline_name: str = Field(min_length=1)
    execution_arn: str = Field(validation_alias=AliasPath("detail", "pipelineExecutionArn"))
    execution_id: str = Field(min_length=1)
    status: PipelineExecutionStatus = Field(validation_alias=AliasPath("detail", "currentPipelineExecutionStatus"))
    previous_status: PipelineExecutionStatus | None = Field(
        default=None, validation_alias=AliasPath("detail", "previousPipelineExecutionStatus")
    )
    execution_display_name: str | None = Field(
        default=None, validation_alias=AliasPath("detail", "pipelineExecutionDisplayName")
    )
    execution_description: str | None = Field(
        default=None, validation_alias=AliasPath("detail", "pipelineExecutionDescription")
    )
    start_time: UtcDateTime | None = Field(default=None, validation_alias=AliasPath("detail", "executionStartTime"))
    end_time: UtcDateTime | None = Field(default=None, validation_alias=AliasPath("detail", "executionEndTime"))

    @model_validator(mode="before")
    @classmethod
    def _names_from_arns(cls, data: Any) -> Any:
        detail = detail_of(data)
        if detail is None:
            return data
        derived: dict[str, str] = {}
        pipeline_arn = detail.get("pipelineArn", first_resource(data))
        if isinstance(pipeline_arn, str) and (name := arn_resource_id(pipeline_arn, "pipeline")):
            derived["pipeline_name"] = name
        execution_arn = detail.get("pipelineExecutionArn")
        if isinstance(execution_arn, str) and _EXECUTION in execution_arn:
            derived["execution_id"] = execution_arn.rsplit(_EXECUTION, 1)[1]
        return {**data, **derived}

    @field_validator("pipeline_arn")
    @classmethod
    def _is_a_pipeline_arn(cls, value: str) -> str:
        if arn_resource_id(value, "pipeline") is None:
            raise ValueError(f"{value!r} is not a pipeline ARN (arn:...:pipeline/<name>)")
        return value

    @field_validator("execution_arn")
    @classmethod
    def _is_an_execution_arn(cls, value: str) -> str:
        if _EXECUTION not in value:
            raise ValueError(f"{value!r} is not a pipeline execution ARN (...:pipeline/<name>/execution/<id>)")
        return value
