"""SageMaker ``Model Building Pipeline Execution Status Change`` events (the PipelineEvents trigger).

Pipeline events use camelCase detail keys (``currentPipelineExecutionStatus``, ``pipelineExecutionArn``) where every
other SageMaker event uses PascalCase. ``resources`` holds the pipeline ARN, then the execution ARN; the detail's
``pipelineArn`` wins when present. The pipeline name and execution id are read from the ARNs (SageMaker may write the
name in lower case there).

Shape: SageMaker Developer Guide, "Events that Amazon SageMaker AI sends to Amazon EventBridge", section "SageMaker
pipeline execution status change" (https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html).

What is refused (``InvalidEventError``), from the SageMaker API Reference (``DescribePipelineExecution``): a pipeline
ARN that is not ``arn:<partition>:sagemaker:<region>:<account or aws>:pipeline/<name>``, an execution ARN that is not
``...:pipeline/<name>/execution/<id>``, either longer than 2,048 characters; a pipeline name outside SageMaker's
pipeline name pattern (1-256 characters); an execution of another pipeline than the pipeline ARN's (ignoring case);
a status outside ``PipelineExecutionStatus``; a display name over 82 or a description over 3,072 characters.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, AliasPath, Field, field_validator, model_validator

from mlops_core.events.arns import pipeline_arn, pipeline_execution_arn
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
        default=None, max_length=82, validation_alias=AliasPath("detail", "pipelineExecutionDisplayName")
    )
    execution_description: str | None = Field(
        default=None, max_length=3072, validation_alias=AliasPath("detail", "pipelineExecutionDescription")
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
        named = detail.get("pipelineArn", first_resource(data))
        if isinstance(named, str) and (name := arn_resource_id(named, "pipeline")):
            derived["pipeline_name"] = name
        execution_arn = detail.get("pipelineExecutionArn")
        if isinstance(execution_arn, str) and _EXECUTION in execution_arn:
            derived["execution_id"] = execution_arn.rsplit(_EXECUTION, 1)[1]
        return {**data, **derived}

    @field_validator("pipeline_arn")
    @classmethod
    def _is_a_pipeline_arn(cls, value: str) -> str:
        pipeline_arn(value)
        return value

    @field_validator("execution_arn")
    @classmethod
    def _is_an_execution_arn(cls, value: str) -> str:
        pipeline_execution_arn(value)
        return value

    @model_validator(mode="after")
    def _execution_of_the_pipeline(self) -> PipelineExecutionStatusChangeEvent:
        _, name, _ = pipeline_execution_arn(self.execution_arn)
        if name.lower() != self.pipeline_name.lower():
            raise ValueError(f"the execution ARN is of pipeline {name!r}, not of {self.pipeline_name!r}")
        return self

    def carried_arns(self) -> tuple[str, ...]:
        """``resources[]``, the pipeline ARN and the execution ARN."""
        return (*self.resources, self.pipeline_arn, self.execution_arn)
