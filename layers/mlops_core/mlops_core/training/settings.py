"""Settings of the training functions: labeling job / ready batch → SageMaker pipeline → PipelineEvents."""

from __future__ import annotations

from pydantic import Field

from mlops_core.settings import CoreSettings

PIPELINE_NAME = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$"
PIPELINE_NAME_OR_EMPTY = r"^([a-zA-Z0-9](-*[a-zA-Z0-9]){0,255})?$"


class TrainingSettings(CoreSettings):
    """``LabelingEventsFunction`` and ``PipelineEventsFunction``: the training pipeline they start and watch."""

    training_pipeline_name: str = Field(pattern=PIPELINE_NAME)
