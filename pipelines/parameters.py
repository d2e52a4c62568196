"""The training pipeline's parameters, from a model's spec (build time, SageMaker SDK).

Every execution may pass (``StartPipelineExecution``'s ``PipelineParameters``) the names of :data:`COMMON_NAMES`,
then one parameter per hyperparameter of the model, named as in its ``model.json`` (and as its train script receives
it). Only ``InputManifestUri`` is required; the defaults are the model's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sagemaker.core.workflow.parameters import ParameterFloat, ParameterInteger, ParameterString

if TYPE_CHECKING:
    from pipelines.spec import ModelSpec

COMMON_NAMES = (
    "InputManifestUri",
    "LabelAttributeName",
    "LabelingJobName",
    "DataBatchId",
    "LabelColumn",
    "FeatureColumns",
    "QualityGateThreshold",
    "ProcessingInstanceType",
    "TrainingInstanceType",
)
"""The parameters every model's pipeline has, in the definition's order (hyperparameters follow)."""


class Parameters:
    """The pipeline parameters of one model, created once per definition."""

    def __init__(self, spec: ModelSpec) -> None:
        self.input_manifest = ParameterString("InputManifestUri")
        self.label_attribute = ParameterString("LabelAttributeName", default_value="auto")
        self.labeling_job = ParameterString("LabelingJobName", default_value="none")
        self.data_batch = ParameterString("DataBatchId", default_value="none")
        # Labeled CSV / JSON lines: which column is the label, which are the features (comma-separated, or auto).
        self.label_column = ParameterString("LabelColumn", default_value=spec.label_column)
        self.feature_columns = ParameterString("FeatureColumns", default_value=spec.feature_columns)
        self.gate_threshold = ParameterFloat("QualityGateThreshold", default_value=spec.gate.threshold)
        self.processing_instance = ParameterString(
            "ProcessingInstanceType", default_value=spec.instance_types.processing
        )
        self.training_instance = ParameterString("TrainingInstanceType", default_value=spec.instance_types.training)
        self.hyperparameters: dict[str, Any] = {
            name: _parameter(name, default) for name, default in spec.hyperparameters.items()
        }

    def all(self) -> list[Any]:
        """Every parameter, in the definition's order."""
        common = [
            self.input_manifest,
            self.label_attribute,
            self.labeling_job,
            self.data_batch,
            self.label_column,
            self.feature_columns,
            self.gate_threshold,
            self.processing_instance,
            self.training_instance,
        ]
        if tuple(p.name for p in common) != COMMON_NAMES:
            raise ValueError("COMMON_NAMES is out of date with the pipeline parameters")
        return [*common, *self.hyperparameters.values()]

    def training_hyperparameters(self) -> dict[str, Any]:
        """The train script's hyperparameters, each the execution's parameter of that name (as a string)."""
        return {
            name: parameter if isinstance(parameter, ParameterString) else parameter.to_string()
            for name, parameter in self.hyperparameters.items()
        }


def _parameter(name: str, default: int | float | str) -> Any:
    if isinstance(default, int):
        return ParameterInteger(name, default_value=default)
    if isinstance(default, float):
        return ParameterFloat(name, default_value=default)
    return ParameterString(name, default_value=default)
