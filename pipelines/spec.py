"""A model's ``model.json``: everything the pipeline needs to know about a model besides its step scripts.

Each folder of ``pipelines/models/`` is one model: its step scripts and a ``model.json`` read by :func:`load_spec`.
The definition (:mod:`pipelines.definition`) is built from the spec alone, so bringing your own model is a folder
and ``make pipeline MODEL=<folder>`` (README, "Bring your own model")::

    {
      "description": "Tabular CSV classifier (histogram gradient boosting)",
      "input_format": "csv",
      "image": {"framework": "sklearn"},            // or {"uri": "<account>.dkr.ecr.<region>.amazonaws.com/repo:tag"}
      "steps": {"preprocess": "preprocess.py", "train": "train.py", "evaluate": "evaluate.py",
                "inference": "inference.py"},
      "gate": {"metric": "roc_auc", "path": "binary_classification_metrics.auc.value", "threshold": 0.75},
      "hyperparameters": {"learning_rate": 0.1, "max_iter": 200},
      "feature_columns": "auto",
      "instance_types": {"processing": "ml.m5.large", "training": "ml.m5.large",
                         "inference": ["ml.m5.large"], "transform": ["ml.m5.large"]},
      "content_types": ["text/csv"], "response_types": ["application/json"],
      "metric_definitions": {"validation:roc_auc": "validation:roc_auc=([0-9.]+)"}
    }

Works in both virtual environments (pydantic only); a bad file is a :class:`SpecError` naming the file and field.

Examples
--------
>>> load_spec("text").gate.metric
'macro_f1'
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipelines.placeholders import SKLEARN_IMAGE_URI

MODELS_DIR = Path(__file__).resolve().parent / "models"
SPEC_FILE = "model.json"
_HYPERPARAMETER = r"^[a-z][a-z0-9_]{0,62}$"
_INSTANCE = r"^ml\.[a-z0-9.-]+$"
_SCRIPT = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\.py$"
_ECR_IMAGE = (
    r"^(\$\{AWS::AccountId\}|[0-9]{12})\.dkr\.ecr\.(\$\{AWS::Region\}|[a-z0-9-]+)\.(\$\{AWS::URLSuffix\}|amazonaws\.com)"
    r"/[a-z0-9][a-z0-9._/-]*(:[\w][\w.-]{0,127}|@sha256:[0-9a-f]{64})$"
)


class SpecError(ValueError):
    """A model's ``model.json`` is missing, not JSON, or does not describe a model the pipeline can build."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FrameworkImage(_Strict):
    """A SageMaker framework image, from the SDK's image table (only scikit-learn is wired in the template)."""

    framework: Literal["sklearn"]
    version: Literal["1.9-0"] = "1.9-0"
    """The one version the template's image-account table is generated for."""


class CustomImage(_Strict):
    """Your own image in ECR. ``${AWS::AccountId}``, ``${AWS::Region}`` and ``${AWS::URLSuffix}`` are filled by the
    template; the execution role can pull it once the stack's ``CustomImageRepositoryArn`` names its repository."""

    uri: Annotated[str, Field(pattern=_ECR_IMAGE)]


class Steps(_Strict):
    """The step scripts, files of the model's folder."""

    preprocess: Annotated[str, Field(pattern=_SCRIPT)] = "preprocess.py"
    train: Annotated[str, Field(pattern=_SCRIPT)] = "train.py"
    evaluate: Annotated[str, Field(pattern=_SCRIPT)] = "evaluate.py"
    inference: Annotated[str, Field(pattern=_SCRIPT)] = "inference.py"

    def files(self) -> tuple[str, ...]:
        """Every step file, sorted (the bundle uploads these)."""
        return tuple(sorted({self.preprocess, self.train, self.evaluate, self.inference}))


class Gate(_Strict):
    """The quality gate: ``metric`` (a name), at ``path`` in ``evaluation.json``, must be ≥ ``threshold``."""

    metric: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
    path: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")]
    threshold: float


class InstanceTypes(_Strict):
    """Default instance types of the jobs (overridable per stack and per execution) and of the registered model."""

    processing: Annotated[str, Field(pattern=_INSTANCE)] = "ml.m5.large"
    training: Annotated[str, Field(pattern=_INSTANCE)] = "ml.m5.large"
    inference: tuple[Annotated[str, Field(pattern=_INSTANCE)], ...] = ("ml.m5.large",)
    transform: tuple[Annotated[str, Field(pattern=_INSTANCE)], ...] = ("ml.m5.large",)


class ModelSpec(_Strict):
    """One model of ``pipelines/models/``; see the module's docstring for the file."""

    name: str
    description: Annotated[str, Field(min_length=1, max_length=1000)]
    input_format: Literal["jsonl", "csv"]
    image: FrameworkImage | CustomImage
    steps: Steps = Steps()
    gate: Gate
    hyperparameters: dict[str, int | float | str] = Field(default_factory=dict)
    column_arguments: bool = True
    """Whether the preprocess script takes ``--label-column`` and ``--feature-columns`` (the stack's columns)."""
    feature_columns: Annotated[str, Field(min_length=1, max_length=4096)] = "auto"
    label_column: Annotated[str, Field(min_length=1, max_length=256)] = "label"
    instance_types: InstanceTypes = InstanceTypes()
    content_types: tuple[str, ...] = ("application/json",)
    response_types: tuple[str, ...] = ("application/json",)
    metric_definitions: dict[str, str] = Field(default_factory=dict)

    @field_validator("hyperparameters", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        bad = [name for name in value if not re.match(_HYPERPARAMETER, str(name))]
        if bad:
            raise ValueError(
                f"hyperparameter names must be lower-case snake_case (they are pipeline parameters): {bad}"
            )
        flags = [name for name, default in value.items() if isinstance(default, bool)]
        if flags:
            raise ValueError(f"hyperparameters must be numbers or strings, not booleans: {flags}")
        return value

    @field_validator("metric_definitions")
    @classmethod
    def _regexes(cls, value: dict[str, str]) -> dict[str, str]:
        for name, regex in value.items():
            try:
                groups = re.compile(regex).groups
            except re.error as exc:
                raise ValueError(f"metric {name}: not a regular expression ({exc})") from None
            if groups != 1:
                raise ValueError(f"metric {name}: the regex needs exactly one group (the value)")
        return value

    @property
    def image_uri(self) -> str:
        """The image of every job and of the model, with template placeholders."""
        if isinstance(self.image, CustomImage):
            return self.image.uri
        return SKLEARN_IMAGE_URI


def model_dir(model: str, models_dir: Path = MODELS_DIR) -> Path:
    """The folder of ``model``'s step scripts and ``model.json``."""
    return models_dir / model


def load_spec(model: str, models_dir: Path = MODELS_DIR) -> ModelSpec:
    """Read and check ``<models_dir>/<model>/model.json``; its step files must exist.

    Raises
    ------
    SpecError
        Naming the file and what is wrong with it.
    """
    path = model_dir(model, models_dir) / SPEC_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file (every model folder needs a {SPEC_FILE})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read it ({exc})") from None
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(raw, dict):
        raise SpecError(f"{path}: expected a JSON object")
    if raw.setdefault("name", model) != model:
        raise SpecError(f"{path}: name {raw['name']!r} differs from its folder {model!r}")
    try:
        spec = ModelSpec.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(file)'}: {e['msg']}" for e in exc.errors())
        raise SpecError(f"{path}: {problems}") from None
    missing = [name for name in spec.steps.files() if not (path.parent / name).is_file()]
    if missing:
        raise SpecError(f"{path}: step files not in {path.parent}: {', '.join(missing)}")
    return spec


def model_names(models_dir: Path = MODELS_DIR) -> list[str]:
    """Every model of ``models_dir``: the folders holding a ``model.json``."""
    return sorted(d.name for d in models_dir.iterdir() if (d / SPEC_FILE).is_file())
