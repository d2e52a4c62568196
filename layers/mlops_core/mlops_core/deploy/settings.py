"""Settings of the deployment functions: the Deploy state machine's tasks (DeployTasksFunction), the endpoint and
execution events, and the fleet and lock settings a restore shares (:class:`FleetSettings`, which
:class:`~mlops_core.rollback.settings.RollbackTasksSettings` extends). ApprovalFunction's settings are in
:mod:`mlops_core.approval.settings`, the rollback functions' in :mod:`mlops_core.rollback.settings`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from mlops_core.settings import SAGEMAKER_NAME, CoreSettings, comma_separated

STATE_MACHINE_ARN = r"^arn:aws[a-z-]*:states:"


class FleetSettings(CoreSettings):
    """The endpoint, the fleet every endpoint config declares, the role its models run as, the lock's lifetime and
    the wait for the endpoint's turn: what both the Deploy tasks and the Rollback tasks create endpoint configs and
    take the lock with.

    The wait for the lock: ``deploy_lock_retry_seconds`` between attempts (the lock task's result carries it to its
    machine's Wait state: ``$.lock.retry_after_seconds``, read by ``WaitForLock`` and ``WaitForTurn``'s
    ``SecondsPath``), at most ``deploy_lock_max_attempts`` attempts (the lock task counts them). Both are the
    function's own environment, so no execution input relays them.
    """

    endpoint_name: str = Field(pattern=SAGEMAKER_NAME)
    sagemaker_execution_role_arn: str = Field(pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/")
    deploy_instance_type: str = Field(default="ml.m5.large", pattern=r"^ml\.[a-z0-9.-]+$")
    deploy_instance_count: int = Field(default=2, ge=1, le=100)
    deploy_variant_name: str = Field(default="AllTraffic", pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
    deploy_lock_ttl_seconds: int = Field(default=1800, ge=60)
    deploy_lock_retry_seconds: int = Field(default=60, ge=0, le=3600)
    deploy_lock_max_attempts: int = Field(default=120, ge=1, le=10_000)


class DeploySettings(FleetSettings):
    """``DeployTasksFunction``: the endpoint, its fleet, the blue/green rollout policy and the lock's lifetime.

    ``deploy_step_size_*`` sizes the canary (CANARY) or each step (LINEAR); ALL_AT_ONCE ignores it.
    ``rolled_back_package_action`` is what happens to a package whose update SageMaker rolled back: ``reject``
    (default: set it ``Rejected`` with the reason) or ``annotate`` (add the reason to its metadata only).

    Every wait of a deployment is here or derived from here: the lock's (:class:`FleetSettings`), and SageMaker's
    ``deploy_max_execution_timeout_seconds``, from which the fallback wait for the endpoint
    (:func:`~mlops_core.deploy.waits.fallback_wait_seconds`) and the lock's lifetime during it
    (:func:`~mlops_core.deploy.waits.lock_ttl_for_wait`) are derived, so they cover it by construction. That the
    timeout covers the bakes stays a preflight reason (:func:`~mlops_core.deploy.preflight.timing_reasons`): the
    deployment is then refused with the reason in its own record and notification. The Deploy machine has no
    timeout of its own.
    """

    endpoint_alarm_names: Annotated[tuple[str, ...], BeforeValidator(comma_separated)]
    deploy_strategy: Literal["CANARY", "LINEAR", "ALL_AT_ONCE"] = "CANARY"
    deploy_step_size_type: Literal["INSTANCE_COUNT", "CAPACITY_PERCENT"] = "INSTANCE_COUNT"
    deploy_step_size_value: int = Field(default=1, ge=1)
    deploy_wait_interval_seconds: int = Field(default=300, ge=0, le=3600)
    deploy_termination_wait_seconds: int = Field(default=300, ge=0, le=3600)
    deploy_max_execution_timeout_seconds: int = Field(default=1800, ge=600, le=28_800)
    rolled_back_package_action: Literal["reject", "annotate"] = "reject"


class EndpointEventsSettings(CoreSettings):
    """``EndpointEventsFunction``: the endpoint whose state changes resume a waiting deployment."""

    endpoint_name: str = Field(pattern=SAGEMAKER_NAME)


class ExecutionEventsSettings(CoreSettings):
    """``ExecutionEventsFunction``: the endpoint and the two state machines (Deploy, Rollback) whose failed
    executions it closes."""

    endpoint_name: str = Field(pattern=SAGEMAKER_NAME)
    deploy_state_machine_arn: str = Field(pattern=STATE_MACHINE_ARN)
    rollback_state_machine_arn: str = Field(pattern=STATE_MACHINE_ARN)
