"""SageMaker Ground Truth ``Labeling Job State Change`` events (the LabelingEvents trigger).

The detail carries only ``LabelingJobStatus``; the job's ARN is ``resources[0]`` and its name is the ARN's last part
(``arn:aws:sagemaker:us-east-1:111122223333:labeling-job/test-labeling-job`` -> ``test-labeling-job``): SageMaker
Developer Guide, "Ground Truth labeling job events" (https://docs.aws.amazon.com/sagemaker/latest/dg/sms-monitor-cloud-watch.html)
and the EventBridge reference for SageMaker (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-sagemaker.html).

SageMaker writes names in lower case inside ARNs, so a name derived from an ARN may differ in case from the name the
job was created with: create labeling jobs with lower-case names, or compare case-insensitively.

What is refused (``InvalidEventError``), from the SageMaker API Reference (``DescribeLabelingJob``): a job ARN that
is not ``arn:<partition>:sagemaker:<region>:<account>:labeling-job/<name>`` or is longer than 2,048 characters; a job
name outside SageMaker's name pattern (1-63 characters), or other than the ARN's (ignoring case); a status outside
the API's ``LabelingJobStatus``.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasPath, Field, field_validator, model_validator

from mlops_core.events.arns import check_name, labeling_job_arn, shown
from mlops_core.events.envelope import EventEnvelope, detail_of, first_resource
from mlops_core.events.values import LabelingJobStatus, arn_resource_id


class LabelingJobStateChangeEvent(EventEnvelope):
    """``SageMaker Ground Truth Labeling Job State Change`` from ``aws.sagemaker``.

    Attributes
    ----------
    labeling_job_arn, labeling_job_name
        From ``resources[0]`` (the name is derived from the ARN).
    status
        ``Initializing``, ``InProgress``, ``Completed``, ``Failed``, ``Stopping``, ``Stopped``.
    """

    DETAIL_TYPE = "SageMaker Ground Truth Labeling Job State Change"
    SOURCE = "aws.sagemaker"

    labeling_job_arn: str = Field(validation_alias=AliasPath("resources", 0))
    labeling_job_name: str = Field(min_length=1)
    status: LabelingJobStatus = Field(validation_alias=AliasPath("detail", "LabelingJobStatus"))

    @model_validator(mode="before")
    @classmethod
    def _name_from_arn(cls, data: Any) -> Any:
        detail = detail_of(data)
        if detail is None:
            return data
        arn = first_resource(data)
        if arn is None:
            raise ValueError("resources.0: the labeling job ARN is missing (Ground Truth puts it in resources)")
        name = arn_resource_id(arn, "labeling-job")
        if name is None:
            raise ValueError(f"resources.0: {shown(arn)} is not a labeling job ARN (arn:...:labeling-job/<name>)")
        return {**data, "labeling_job_name": name}

    @field_validator("labeling_job_arn")
    @classmethod
    def _is_a_labeling_job_arn(cls, value: str) -> str:
        labeling_job_arn(value)
        return value

    @field_validator("labeling_job_name")
    @classmethod
    def _is_a_job_name(cls, value: str) -> str:
        return check_name(value, "LabelingJobName")

    @model_validator(mode="after")
    def _arn_names_the_job(self) -> LabelingJobStateChangeEvent:
        _, named = labeling_job_arn(self.labeling_job_arn)
        if named.lower() != self.labeling_job_name.lower():
            raise ValueError(f"the job ARN names job {named!r}, the detail says {self.labeling_job_name!r}")
        return self

    def carried_arns(self) -> tuple[str, ...]:
        """``resources[]`` and the labeling job ARN."""
        return (*self.resources, self.labeling_job_arn)
