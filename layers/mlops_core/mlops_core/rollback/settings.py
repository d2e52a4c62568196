"""Settings of the rollback functions: RollbackFunction (an alarm or an operator's request → the Rollback machine)
and RollbackTasksFunction (the Rollback machine's tasks, on the deployment's fleet settings)."""

from __future__ import annotations

from pydantic import Field

from mlops_core.deploy.settings import STATE_MACHINE_ARN, FleetSettings
from mlops_core.settings import SAGEMAKER_NAME, CoreSettings


class RollbackSettings(CoreSettings):
    """``RollbackFunction``: the endpoint, which alarms are its (name prefix), the two state machines, the lock's life.

    ``endpoint_alarm_prefix`` is compared ignoring case (the local stack writes names in lower case). The Rollback
    machine is the one the function starts; a lock holder is an execution of either machine (its name tells which).
    """

    endpoint_name: str = Field(pattern=SAGEMAKER_NAME)
    endpoint_alarm_prefix: str = Field(min_length=1, max_length=255)
    deploy_state_machine_arn: str = Field(pattern=STATE_MACHINE_ARN)
    rollback_state_machine_arn: str = Field(pattern=STATE_MACHINE_ARN)
    deploy_lock_ttl_seconds: int = Field(default=1800, ge=60)
    #: Runs of one alarm event while a running execution holds the lock outside a rollout: 1 + the function's
    #: ``EventInvokeConfig.MaximumRetryAttempts`` (then Lambda sends the event to the dead-letter queue).
    rollback_alarm_attempts: int = Field(default=3, ge=1, le=3)


class RollbackTasksSettings(FleetSettings):
    """``RollbackTasksFunction``: the endpoint and its fleet (a recreated endpoint config is for today's fleet), the
    lock's lifetime, and the wait for the endpoint's turn (:class:`FleetSettings`; the TakeLock result carries it to
    ``WaitForTurn``'s ``SecondsPath``)."""
