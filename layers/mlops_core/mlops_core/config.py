"""Settings read from the environment once per cold start.

``template.yaml`` passes names and ARNs to each function as environment variables. A function builds its settings
class at module scope with :meth:`Settings.from_env`; a missing or invalid variable fails at once with a message that
names it. Tests build settings objects directly (``DataArrivalSettings(ledger_table_name=...)``).

Examples
--------
>>> environment = {"LEDGER_TABLE_NAME": "mlops-dev-ledger", "STACK_NAME": "mlops-dev",
...                "NOTIFICATION_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:mlops-dev-notifications"}
>>> CoreSettings.from_env(environment).ledger_table_name
'mlops-dev-ledger'
>>> CoreSettings.from_env({**environment, "LEDGER_TABLE_NAME": "t"})
Traceback (most recent call last):
...
mlops_core.errors.ConfigurationError: CoreSettings: LEDGER_TABLE_NAME String should have at least 3 characters
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Annotated, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from mlops_core.domain.naming import MAX_STACK_NAME_LENGTH, STACK_NAME_PATTERN
from mlops_core.errors import ConfigurationError
from mlops_core.events.origin import Origin, partition_of


class Settings(BaseModel):
    """Base of every settings class: each field is read from the upper-case environment variable of its name."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    @classmethod
    def env_name(cls, field: str) -> str:
        """The environment variable a field is read from."""
        return field.upper()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Read and validate the settings; raise :class:`ConfigurationError` naming every bad variable."""
        env = os.environ if environ is None else environ
        values = {name: env[cls.env_name(name)] for name in cls.model_fields if cls.env_name(name) in env}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = []
            for err in exc.errors():
                field = str(err["loc"][0]) if err["loc"] else "?"
                reason = "is required but not set" if err["type"] == "missing" else err["msg"]
                problems.append(f"{cls.env_name(field)} {reason}")
            raise ConfigurationError(f"{cls.__name__}: " + "; ".join(problems)) from None


def _stack_name(value: object) -> object:
    """The stack name every derived name fits (see :mod:`mlops_core.domain.naming`), or a readable reason why not."""
    if not isinstance(value, str):
        return value
    if len(value) > MAX_STACK_NAME_LENGTH:
        raise ValueError(
            f"{value!r} has {len(value)} characters; it must have at most {MAX_STACK_NAME_LENGTH} characters, so that "
            "the names derived from it fit SageMaker's and Step Functions' limits (a labeling job is "
            "'<stack>-<20-character digest>', at most 63 characters): deploy the stack under a shorter name"
        )
    if not STACK_NAME_PATTERN.match(value):
        raise ValueError(
            f"{value!r} must start with a lower-case letter and contain only lower-case letters, digits and "
            "hyphens: SageMaker lower-cases names in its ARNs and IAM matches them case-sensitively, so policies "
            "scoped to '<stack>-*' would deny every call"
        )
    return value


class CoreSettings(Settings):
    """What every function needs: the stack's name (the prefix of what it creates), the ledger, notifications.

    ``stack_name`` is checked at cold start, with the reason when it is too long or not lower case (see
    :mod:`mlops_core.domain.naming`): CloudFormation cannot check it before the stack is created.
    """

    stack_name: Annotated[str, BeforeValidator(_stack_name)] = Field(min_length=1)
    ledger_table_name: str = Field(min_length=3)
    notification_topic_arn: str = Field(pattern=r"^arn:aws[a-z-]*:sns:")


class OriginSettings(Settings):
    """Where the function runs, to refuse events of other accounts and Regions (:mod:`mlops_core.events.origin`).

    ``ACCOUNT_ID`` is the template's ``${AWS::AccountId}`` (Globals); ``AWS_REGION`` is set by Lambda itself. Chosen
    over the account in ``context.invoked_function_arn``: ``sam local invoke`` fills that ARN with an account of its
    own (not the ``123456789012`` it resolves ``${AWS::AccountId}`` to, which the samples in ``events/`` use), while
    the template's value is the same on AWS, in ``sam local invoke`` and on the local stack.
    """

    account_id: str = Field(pattern=r"^\d{12}$")
    aws_region: str = Field(pattern=r"^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$")

    @field_validator("aws_region")
    @classmethod
    def _region_has_a_partition(cls, value: str) -> str:
        partition_of(value)
        return value

    def origin(self) -> Origin:
        """The function's account, Region and partition."""
        return Origin.of(self.account_id, self.aws_region)


# --- Deployment (Approval → Deploy state machine → endpoint events) ------------------------------------------------

_SAGEMAKER_NAME = r"^[a-z0-9](-*[a-z0-9]){0,62}$"
"""A group or endpoint name: SageMaker's name pattern in lower case only (SageMaker lower-cases names in its ARNs and
IAM matches them case-sensitively; the template's ``AllowedPattern`` is the same)."""


def _comma_separated(value: object) -> object:
    """``"a, b,,c"`` → ``("a", "b", "c")``; anything else is left to validation."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


class ApprovalSettings(CoreSettings):
    """``ApprovalFunction``: which group and endpoint are ours, the Deploy state machine, and its waits.

    The ``deploy_*`` waits go into every execution's input (``timing``), so a local stack can shorten them.
    """

    model_package_group_name: str = Field(pattern=_SAGEMAKER_NAME)
    endpoint_name: str = Field(pattern=_SAGEMAKER_NAME)
    deploy_state_machine_arn: str = Field(pattern=r"^arn:aws[a-z-]*:states:")
    deploy_lock_retry_seconds: int = Field(default=60, ge=0, le=3600)
    deploy_lock_max_attempts: int = Field(default=120, ge=1, le=10_000)


class DeploySettings(CoreSettings):
    """``DeployTasksFunction``: the endpoint, its fleet, the blue/green rollout policy and the lock's lifetime.

    ``deploy_step_size_*`` sizes the canary (CANARY) or each step (LINEAR); ALL_AT_ONCE ignores it.
    ``rolled_back_package_action`` is what happens to a package whose update SageMaker rolled back: ``reject``
    (default: set it ``Rejected`` with the reason) or ``annotate`` (add the reason to its metadata only).
    """

    endpoint_name: str = Field(pattern=_SAGEMAKER_NAME)
    sagemaker_execution_role_arn: str = Field(pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/")
    endpoint_alarm_names: Annotated[tuple[str, ...], BeforeValidator(_comma_separated)]
    deploy_instance_type: str = Field(default="ml.m5.large", pattern=r"^ml\.[a-z0-9.-]+$")
    deploy_instance_count: int = Field(default=2, ge=1, le=100)
    deploy_variant_name: str = Field(default="AllTraffic", pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
    deploy_strategy: Literal["CANARY", "LINEAR", "ALL_AT_ONCE"] = "CANARY"
    deploy_step_size_type: Literal["INSTANCE_COUNT", "CAPACITY_PERCENT"] = "INSTANCE_COUNT"
    deploy_step_size_value: int = Field(default=1, ge=1)
    deploy_wait_interval_seconds: int = Field(default=300, ge=0, le=3600)
    deploy_termination_wait_seconds: int = Field(default=300, ge=0, le=3600)
    deploy_max_execution_timeout_seconds: int = Field(default=1800, ge=600, le=28_800)
    deploy_lock_ttl_seconds: int = Field(default=1800, ge=60)
    rolled_back_package_action: Literal["reject", "annotate"] = "reject"


class EndpointEventsSettings(CoreSettings):
    """``EndpointEventsFunction``: the endpoint whose state changes resume a waiting deployment."""

    endpoint_name: str = Field(pattern=_SAGEMAKER_NAME)


class ExecutionEventsSettings(CoreSettings):
    """``ExecutionEventsFunction``: the endpoint and the Deploy state machine whose failed executions it closes."""

    endpoint_name: str = Field(pattern=_SAGEMAKER_NAME)
    deploy_state_machine_arn: str = Field(pattern=r"^arn:aws[a-z-]*:states:")


_PIPELINE_NAME = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$"
_PIPELINE_NAME_OR_EMPTY = r"^([a-zA-Z0-9](-*[a-zA-Z0-9]){0,255})?$"


# --- Data arrival (S3 → EventBridge → SQS → DataArrivalFunction → Ground Truth) ------------------------------------

_PREFIX = r"^[A-Za-z0-9][A-Za-z0-9!_.*'()-]*(/[A-Za-z0-9!_.*'()-]+)*/$"
_DEFAULT_EXTENSIONS = frozenset({".txt", ".csv", ".json", ".jsonl", ".jpg", ".jpeg", ".png"})


def _extensions(value: object) -> object:
    """``".txt, .JPG"`` → ``frozenset({".txt", ".jpg"})``; each must start with a dot."""
    if isinstance(value, str):
        items = {part.strip().lower() for part in value.split(",") if part.strip()}
        bad = sorted(item for item in items if not item.startswith(".") or len(item) < 2 or "/" in item)
        if bad:
            raise ValueError(f"extensions need a leading dot and a name (e.g. .jpg): {', '.join(bad)}")
        return frozenset(items)
    return value


def _overlaps(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


class DataArrivalSettings(CoreSettings):
    """``DataArrivalFunction``: what data is accepted, where manifests go, and how labeling jobs are made.

    With ``labeling_backend == "groundtruth"`` (the default) the work team, the labeling role and at least one label
    are required. ``labeling_input_mode`` (``LABELING_INPUT_MODE``) says how manifests give objects to Ground Truth:
    ``source-ref`` (default, an S3 reference) or ``source`` (the text inline, text classification only).
    ``debounce_max_objects == 0`` turns debouncing off.
    """

    data_bucket_name: str = Field(min_length=3, max_length=63)
    idempotency_table_name: str = Field(min_length=3)
    incoming_prefix: str = Field(default="incoming/", pattern=_PREFIX)
    labeled_prefix: str = Field(default="labeled/", pattern=_PREFIX)
    manifest_prefix: str = Field(default="manifests/", pattern=_PREFIX)
    labeling_output_prefix: str = Field(default="labeling-output/", pattern=_PREFIX)
    allowed_extensions: Annotated[frozenset[str], BeforeValidator(_extensions)] = Field(
        default=_DEFAULT_EXTENSIONS, min_length=1
    )
    max_object_bytes: int = Field(default=50 * 1024 * 1024, ge=1, le=5 * 1024**3)
    labeling_backend: Literal["groundtruth", "none"] = "groundtruth"
    labeling_task_type: Literal["text-classification", "image-classification", "bounding-box"] = "text-classification"
    labeling_labels: Annotated[tuple[str, ...], BeforeValidator(_comma_separated)] = Field(
        default=(), validate_default=True
    )
    labeling_workteam_arn: str = Field(default="", validate_default=True)
    labeling_role_arn: str = Field(default="", validate_default=True)
    labeling_ui_template_s3_uri: str = Field(default="", pattern=r"^(s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+)?$")
    labeling_task_time_limit_seconds: int = Field(default=300, ge=30, le=28_800)
    labeling_workers_per_object: int = Field(default=1, ge=1, le=9)
    labeling_automated: bool = False
    labeling_input_mode: Literal["source-ref", "source"] = "source-ref"
    debounce_max_objects: int = Field(default=0, ge=0, le=100_000)
    debounce_max_seconds: int = Field(default=900, ge=0, le=86_400)
    training_pipeline_name: str = Field(default="", pattern=_PIPELINE_NAME_OR_EMPTY)
    """The pipeline ready batches start (``TRAINING_PIPELINE_NAME``); empty: they are only recorded."""
    label_column: str = Field(default="label", min_length=1, max_length=256, pattern=r"^[^,\s]([^,]*[^,\s])?$")
    """The column (CSV header name, JSON field) holding the label of labeled data (``LABEL_COLUMN``)."""
    feature_columns: Annotated[tuple[str, ...], BeforeValidator(_comma_separated)] = Field(
        default=("text",), min_length=1, max_length=100, validate_default=True
    )
    """The columns the model reads, comma-separated (``FEATURE_COLUMNS``); they must differ from the label column."""

    @field_validator("labeled_prefix", "manifest_prefix", "labeling_output_prefix")
    @classmethod
    def _prefixes_do_not_overlap(cls, value: str, info: ValidationInfo) -> str:
        for other in ("incoming_prefix", "labeled_prefix", "manifest_prefix"):
            earlier = info.data.get(other)
            if other != info.field_name and isinstance(earlier, str) and _overlaps(value, earlier):
                raise ValueError(f"{value!r} overlaps {cls.env_name(other)} {earlier!r}")
        return value

    @field_validator("labeling_labels")
    @classmethod
    def _labels_for_ground_truth(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("labels must be unique")
        if any(len(label) > 127 for label in value) or len(value) > 50:
            raise ValueError("at most 50 labels of at most 127 characters")
        if info.data.get("labeling_backend") == "groundtruth" and not value:
            raise ValueError("is required when LABELING_BACKEND is groundtruth")
        return value

    @field_validator("labeling_workteam_arn", "labeling_role_arn")
    @classmethod
    def _arns_for_ground_truth(cls, value: str, info: ValidationInfo) -> str:
        pattern = {
            "labeling_workteam_arn": r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:workteam/.+$",
            "labeling_role_arn": r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$",
        }[str(info.field_name)]
        if info.data.get("labeling_backend") == "groundtruth" and not re.match(pattern, value):
            shown = repr(value) if value else "not set"
            raise ValueError(f"must be an ARN matching {pattern} when LABELING_BACKEND is groundtruth ({shown})")
        return value

    @field_validator("feature_columns")
    @classmethod
    def _distinct_columns(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        names = (info.data.get("label_column"), *value)
        if len(set(names)) != len(names):
            raise ValueError(f"label and feature columns must be distinct: {', '.join(map(str, names))}")
        return value

    @field_validator("labeling_input_mode")
    @classmethod
    def _inline_text_only(cls, value: str, info: ValidationInfo) -> str:
        if value == "source" and info.data.get("labeling_task_type") != "text-classification":
            raise ValueError("'source' (inline text) only works with LABELING_TASK_TYPE text-classification")
        return value


# --- Training (labeling job / ready batch → SageMaker pipeline → PipelineEvents) ------------------------------------


class TrainingSettings(CoreSettings):
    """``LabelingEventsFunction`` and ``PipelineEventsFunction``: the training pipeline they start and watch."""

    training_pipeline_name: str = Field(pattern=_PIPELINE_NAME)


class RollbackSettings(CoreSettings):
    """``RollbackFunction``: the endpoint, which alarms are its (name prefix), the Deploy machine and its waits.

    ``endpoint_alarm_prefix`` is compared ignoring case (the local stack writes names in lower case). The lock's
    lifetime and the waits are the Deploy state machine's (same variables as ApprovalFunction and DeployTasks).
    """

    endpoint_name: str = Field(pattern=_SAGEMAKER_NAME)
    endpoint_alarm_prefix: str = Field(min_length=1, max_length=255)
    deploy_state_machine_arn: str = Field(pattern=r"^arn:aws[a-z-]*:states:")
    deploy_lock_ttl_seconds: int = Field(default=1800, ge=60)
    deploy_lock_retry_seconds: int = Field(default=60, ge=0, le=3600)
    deploy_lock_max_attempts: int = Field(default=120, ge=1, le=10_000)
    #: Runs of one alarm event while a running execution holds the lock outside a rollout: 1 + the function's
    #: ``EventInvokeConfig.MaximumRetryAttempts`` (then Lambda sends the event to the dead-letter queue).
    rollback_alarm_attempts: int = Field(default=3, ge=1, le=3)
