"""The stack's training settings, passed to every pipeline execution the system starts.

``template.yaml``'s parameters ``QualityGateThreshold``, ``TrainingHyperparameters``, ``ProcessingInstanceType``,
``TrainingInstanceType``, ``LabelColumn`` and ``FeatureColumns`` reach the functions that start the training
pipeline (``DataArrivalFunction``, ``LabelingEventsFunction``) as environment variables. :class:`PipelineStartSettings`
reads them once per cold start and fails at once, naming the variable, on a bad value; :meth:`~PipelineStartSettings.
parameters` turns them into pipeline parameters, and :class:`StackParameters` adds those to every
``StartPipelineExecution`` (what a trigger sets itself, such as ``InputManifestUri``, wins).

An empty value, or ``auto`` for the feature columns, passes nothing: the execution runs with the pipeline's default,
which is the model's (its ``model.json``). Hyperparameters are a JSON object whose keys are the model's
hyperparameter names, which are also its pipeline parameters' names.

Examples
--------
>>> s = PipelineStartSettings.from_env({"QUALITY_GATE_THRESHOLD": "0.9", "TRAINING_HYPERPARAMETERS": '{"c": 2}'})
>>> s.parameters()
{'QualityGateThreshold': '0.9', 'LabelColumn': 'label', 'c': '2'}
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator

from mlops_core.settings import Settings
from mlops_core.training.pipelines import ExecutionRequest, ExecutionState, ExecutionStep, PipelineExecutions

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from mlops_core.training.pipelines import StartedExecution

AUTO = "auto"
HYPERPARAMETER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
"""The names ``pipelines/spec.py`` allows (lower-case snake case: never one of the pipeline's own parameters)."""
MAX_VALUE_LENGTH = 1024
MAX_FEATURE_COLUMNS = 100
_COLUMN = r"[^,\s]([^,]{0,254}[^,\s])?"


def _hyperparameters(value: object) -> object:
    """A JSON object of name → number or string, as the ``TRAINING_HYPERPARAMETERS`` string."""
    if not isinstance(value, str):
        return value
    try:
        parsed = json.loads(value or "{}")
    except json.JSONDecodeError as exc:
        raise ValueError(f'must be a JSON object of hyperparameters, e.g. {{"max_iter": 100}} ({exc.msg})') from None
    if not isinstance(parsed, dict):
        raise ValueError('must be a JSON object of hyperparameters, e.g. {"max_iter": 100}')
    out: dict[str, str] = {}
    for name, item in parsed.items():
        if not HYPERPARAMETER_NAME.match(name):
            raise ValueError(f"hyperparameter {name!r}: names are lower-case snake_case, as in the model's model.json")
        if isinstance(item, bool) or not isinstance(item, int | float | str):
            raise ValueError(f"hyperparameter {name!r}: the value must be a number or a string, not {item!r}")
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"hyperparameter {name!r}: {item!r} is not a finite number")
        text = item if isinstance(item, str) else json.dumps(item)
        if not text or len(text) > MAX_VALUE_LENGTH:
            raise ValueError(f"hyperparameter {name!r}: 1-{MAX_VALUE_LENGTH} characters")
        out[name] = text
    return out


class PipelineStartSettings(Settings):
    """The stack's training settings (see the module's docstring); tests build it directly."""

    quality_gate_threshold: str = Field(default="", pattern=r"^$|^[0-9]{1,9}(\.[0-9]{1,9})?$")
    training_hyperparameters: Annotated[dict[str, str], BeforeValidator(_hyperparameters)] = Field(default_factory=dict)
    processing_instance_type: str = Field(default="", pattern=r"^$|^ml\.[a-z0-9.-]{1,40}$")
    training_instance_type: str = Field(default="", pattern=r"^$|^ml\.[a-z0-9.-]{1,40}$")
    label_column: str = Field(default="label", pattern=f"^{_COLUMN}$")
    feature_columns: str = Field(default=AUTO, min_length=1, max_length=100 * 257)

    @field_validator("feature_columns")
    @classmethod
    def _columns(cls, value: str, info: ValidationInfo) -> str:
        if value == AUTO:
            return value
        names = [name.removeprefix(" ") for name in value.split(",")]
        if len(names) > MAX_FEATURE_COLUMNS or not all(re.fullmatch(_COLUMN, name) for name in names):
            raise ValueError(
                f"must be auto or 1-{MAX_FEATURE_COLUMNS} comma-separated column names of 1-256 characters "
                f"without surrounding spaces: {value!r}"
            )
        label = info.data.get("label_column")
        if label in names or len(set(names)) != len(names):
            raise ValueError(f"must be distinct columns other than the label column {label!r}: {value!r}")
        return value

    def parameters(self) -> dict[str, str]:
        """The pipeline parameters these settings set (empty and ``auto`` ones are left to the pipeline)."""
        chosen = {
            "QualityGateThreshold": self.quality_gate_threshold,
            "ProcessingInstanceType": self.processing_instance_type,
            "TrainingInstanceType": self.training_instance_type,
            "LabelColumn": self.label_column,
            "FeatureColumns": "" if self.feature_columns == AUTO else self.feature_columns,
        }
        return {**{k: v for k, v in chosen.items() if v}, **self.training_hyperparameters}


class StackParameters(PipelineExecutions):
    """:class:`PipelineExecutions` that adds the stack's parameters to every start (the request's own win).

    Parameters
    ----------
    executions
        The executions adapter it wraps.
    parameters
        :meth:`PipelineStartSettings.parameters`.
    """

    def __init__(self, executions: PipelineExecutions, parameters: Mapping[str, str]) -> None:
        self.executions = executions
        self.stack_parameters = dict(parameters)

    def start(self, request: ExecutionRequest, since: datetime) -> StartedExecution:
        """Start with the stack's parameters under the request's."""
        merged = {**self.stack_parameters, **request.parameters}
        return self.executions.start(replace(request, parameters=merged), since)

    def describe(self, execution_arn: str) -> ExecutionState | None:
        """As the wrapped adapter."""
        return self.executions.describe(execution_arn)

    def parameters(self, execution_arn: str) -> dict[str, str]:
        """As the wrapped adapter."""
        return self.executions.parameters(execution_arn)

    def steps(self, execution_arn: str) -> list[ExecutionStep]:
        """As the wrapped adapter."""
        return self.executions.steps(execution_arn)
