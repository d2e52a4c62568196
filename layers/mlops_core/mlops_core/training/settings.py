"""Settings of the training functions: labeling job / ready batch → SageMaker pipeline → PipelineEvents."""

from __future__ import annotations

from pydantic import Field

from mlops_core.naming import PIPELINE_NAME
from mlops_core.settings import CoreSettings


class TrainingSettings(CoreSettings):
    """``LabelingEventsFunction`` and ``PipelineEventsFunction``: the training pipeline they start and watch."""

    training_pipeline_name: str = Field(pattern=PIPELINE_NAME)
