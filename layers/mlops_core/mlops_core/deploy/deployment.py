"""Deployment planning: resource names, the rollout policy and the ``DeploymentConfig`` sent to ``UpdateEndpoint``.

Pure: no boto3, no environment, no clock. The Deploy state machine's tasks call these functions with what the
adapters read, and with ``now`` passed in.

Names are deterministic, derived from the model package ARN (and, for an endpoint config, from the fleet it asks
for), and start with the stack name so IAM can scope permissions to ``${AWS::StackName}-*``; a retried or duplicated
step converges on the same resources. SageMaker lower-cases names in ARNs, so stack names should be lower case.

Examples
--------
>>> arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3"
>>> model_name("mlops-dev", arn, 3)
'mlops-dev-m3-83874adc89'
>>> policy = RolloutPolicy(strategy=Strategy.CANARY, step=Capacity(CapacityUnit.INSTANCE_COUNT, 1),
...                        wait_interval_seconds=300, termination_wait_seconds=300,
...                        max_execution_timeout_seconds=1800, alarm_names=("latency",))
>>> deployment_config(policy)["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["CanarySize"]
{'Type': 'INSTANCE_COUNT', 'Value': 1}
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from mlops_core.errors import MlopsError
from mlops_core.naming import MAX_SAGEMAKER_NAME
from mlops_core.timefmt import parse_stamp

#: Time SageMaker needs to provision a new fleet before any bake starts; budgets must leave room for it.
PROVISIONING_ALLOWANCE_SECONDS = 300
#: Endpoint statuses while a create/update is still running.
IN_PROGRESS_STATUSES = frozenset({"Creating", "Updating", "SystemUpdating", "RollingBack"})


class DeploymentError(MlopsError):
    """Base of the errors the Deploy state machine sees by class name (ASL ``Catch``)."""


class PreflightFailedError(DeploymentError):
    """A preflight check failed: nothing on the endpoint was changed; the message lists every reason."""


class LockWaitExceededError(DeploymentError):
    """The endpoint stayed locked by other deployments for longer than the configured bound."""


class DeploymentTimeoutError(DeploymentError):
    """The endpoint was still creating or updating after every fallback wait (:mod:`mlops_core.deploy.waits`)."""


class Strategy(StrEnum):
    """Traffic routing of a blue/green update (``TrafficRoutingConfiguration.Type``)."""

    CANARY = "CANARY"
    LINEAR = "LINEAR"
    ALL_AT_ONCE = "ALL_AT_ONCE"


class CapacityUnit(StrEnum):
    """How a canary or linear step is sized (``CapacitySize.Type``)."""

    INSTANCE_COUNT = "INSTANCE_COUNT"
    CAPACITY_PERCENT = "CAPACITY_PERCENT"


class Outcome(StrEnum):
    """What a deployment ended as, in the ledger and the notification."""

    IN_PROGRESS = "IN_PROGRESS"
    SUCCEEDED = "SUCCEEDED"
    ROLLED_BACK = "ROLLED_BACK"
    FAILED = "FAILED"
    SUPERSEDED = "SUPERSEDED"
    SKIPPED = "SKIPPED"


@dataclass(frozen=True)
class Capacity:
    """A canary or linear step size: ``value`` instances, or ``value`` percent of the fleet."""

    unit: CapacityUnit
    value: int

    def as_api(self) -> dict[str, Any]:
        """The ``CapacitySize`` structure."""
        return {"Type": self.unit.value, "Value": self.value}

    def fraction_of(self, instance_count: int) -> float:
        """The share of a fleet of ``instance_count`` instances that one step turns on (0..)."""
        if self.unit is CapacityUnit.CAPACITY_PERCENT:
            return self.value / 100
        return self.value / instance_count if instance_count > 0 else math.inf


@dataclass(frozen=True)
class Fleet:
    """The production variant every endpoint config of this system declares (one variant)."""

    variant_name: str
    instance_type: str
    instance_count: int


@dataclass(frozen=True)
class RolloutPolicy:
    """How an update shifts traffic, how long it bakes, and which alarms roll it back."""

    strategy: Strategy
    step: Capacity
    wait_interval_seconds: int
    termination_wait_seconds: int
    max_execution_timeout_seconds: int
    alarm_names: tuple[str, ...]

    def bakes(self, instance_count: int) -> int:
        """How many baking periods (``WaitIntervalInSeconds``) the update goes through.

        CANARY bakes once, on the canary; ALL_AT_ONCE once, after the shift; LINEAR once per step.
        """
        if self.strategy is not Strategy.LINEAR:
            return 1
        fraction = self.step.fraction_of(instance_count)
        return max(1, math.ceil(1 / fraction)) if fraction > 0 else 1

    def baking_seconds(self, instance_count: int) -> int:
        """The time the update spends waiting on purpose: every bake plus the termination wait."""
        return self.bakes(instance_count) * self.wait_interval_seconds + self.termination_wait_seconds


def _digest(*parts: str, length: int) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:length]


def _sagemaker_name(name: str) -> str:
    """``name`` if SageMaker accepts it as a model or endpoint config name, else a :class:`ValueError` saying why."""
    if len(name) > MAX_SAGEMAKER_NAME:
        raise ValueError(f"{name!r} is longer than SageMaker's {MAX_SAGEMAKER_NAME} characters (stack name too long?)")
    return name


def model_name(stack_name: str, package_arn: str, version: int) -> str:
    """The SageMaker model created from a package: ``<stack>-m<version>-<hash>`` (at most 63 characters).

    Raises
    ------
    ValueError
        Past 63 characters: with the longest stack name, for versions above ``MAX_MODEL_PACKAGE_VERSION``.
    """
    return _sagemaker_name(f"{stack_name}-m{version}-{_digest(package_arn, length=10)}")


def endpoint_config_name(stack_name: str, package_arn: str, version: int, fleet: Fleet) -> str:
    """The endpoint config for a package on a fleet: a new fleet shape gives a new name, a retry the same one.

    Raises
    ------
    ValueError
        Past 63 characters, as :func:`model_name`.
    """
    digest = _digest(package_arn, fleet.variant_name, fleet.instance_type, str(fleet.instance_count), length=10)
    return _sagemaker_name(f"{stack_name}-c{version}-{digest}")


def execution_name(stack_name: str, package_arn: str, version: int, change_marker: str) -> str:
    """The Deploy execution for one approval change: duplicates of one event map to one execution (≤ 80 chars)."""
    return f"{stack_name}-v{version}-{_digest(package_arn, change_marker, length=16)}"


def deployment_config(policy: RolloutPolicy) -> dict[str, Any]:
    """The ``DeploymentConfig`` of ``UpdateEndpoint``: blue/green routing plus auto-rollback on the alarms."""
    routing: dict[str, Any] = {"Type": policy.strategy.value, "WaitIntervalInSeconds": policy.wait_interval_seconds}
    if policy.strategy is Strategy.CANARY:
        routing["CanarySize"] = policy.step.as_api()
    elif policy.strategy is Strategy.LINEAR:
        routing["LinearStepSize"] = policy.step.as_api()
    config: dict[str, Any] = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": routing,
            "TerminationWaitInSeconds": policy.termination_wait_seconds,
            "MaximumExecutionTimeoutInSeconds": policy.max_execution_timeout_seconds,
        }
    }
    if policy.alarm_names:
        config["AutoRollbackConfiguration"] = {"Alarms": [{"AlarmName": name} for name in policy.alarm_names]}
    return config


def production_variant(fleet: Fleet, model: str) -> dict[str, Any]:
    """The one ``ProductionVariant`` of our endpoint configs."""
    return {
        "VariantName": fleet.variant_name,
        "ModelName": model,
        "InstanceType": fleet.instance_type,
        "InitialInstanceCount": fleet.instance_count,
        "InitialVariantWeight": 1.0,
    }


def seconds_between(start: str | None, end: datetime) -> float | None:
    """Seconds from an ISO ``start`` to ``end``, rounded to milliseconds; ``None`` when ``start`` is unknown."""
    if not start:
        return None
    return round((end - parse_stamp(start)).total_seconds(), 3)


def error_reason(error: Mapping[str, Any]) -> str:
    """A readable reason from a caught ASL error (``{"Error", "Cause"}``; a Lambda's cause is JSON)."""
    name, cause = str(error.get("Error", "Error")), str(error.get("Cause") or "")
    try:
        parsed = json.loads(cause)
    except ValueError:
        parsed = None
    message = parsed.get("errorMessage") if isinstance(parsed, dict) else None
    return f"{name}: {message or cause or 'no cause given'}"


@dataclass(frozen=True)
class Conclusion:
    """How an execution ended: its outcome, the reason, and the alarm that rolled it back (if any)."""

    outcome: str
    reason: str
    alarm: str | None = None


def conclusion(state: Mapping[str, Any]) -> Conclusion:
    """How an execution ended, from its state: a caught error, a skip at the lock, or the rollout's verdict."""
    if state.get("error"):
        return Conclusion(Outcome.FAILED.value, error_reason(state["error"]))
    lock, wait = state.get("lock") or {}, state.get("wait") or {}
    if lock.get("decision") == "skip":
        return Conclusion(str(lock["outcome"]), str(lock.get("reason", "")))
    if wait.get("outcome"):
        return Conclusion(str(wait["outcome"]), str(wait.get("reason", "")), wait.get("alarm"))
    return Conclusion(Outcome.FAILED.value, "the deployment ended without an outcome")


def is_duplicate(state: Mapping[str, Any]) -> bool:
    """Whether the run was skipped at the lock because its package was already live: another copy of the same
    approval deployed it (two Approval functions handling two copies at once each start a run). Such a run is
    recorded as ``SKIPPED`` but not notified: the run that deployed the package announces it."""
    lock = state.get("lock") or {}
    return not state.get("error") and lock.get("decision") == "skip" and lock.get("duplicate") is True


# --- The plan the state machine carries, the ledger record and the notification ---------------------------------


def plan_deployment(
    stack_name: str, package_arn: str, version: int, fleet: Fleet, policy: RolloutPolicy
) -> dict[str, Any]:
    """The ``plan`` the Deploy state machine carries from preflight to the last step (JSON)."""
    model = model_name(stack_name, package_arn, version)
    return {
        "model_name": model,
        "endpoint_config_name": endpoint_config_name(stack_name, package_arn, version, fleet),
        "variant": production_variant(fleet, model),
        "strategy": policy.strategy.value,
        "deployment_config": deployment_config(policy),
        "alarm_names": list(policy.alarm_names),
    }


def deployment_record(plan: Mapping[str, Any], request: Mapping[str, Any], execution_arn: str) -> dict[str, Any]:
    """The deployment record written at preflight (``IN_PROGRESS``), with the trigger chain behind it."""
    return {
        "execution_arn": execution_arn,
        "model_package_arn": request["model_package_arn"],
        "model_package_group_name": request["model_package_group_name"],
        "model_package_version": int(request["model_package_version"]),
        "model_name": plan["model_name"],
        "endpoint_config_name": plan["endpoint_config_name"],
        "strategy": plan["strategy"],
        "deployment_config": plan["deployment_config"],
        "outcome": Outcome.IN_PROGRESS.value,
        "trigger_chain": {
            "approval": dict(request.get("trigger") or {}),
            "model_package_arn": request["model_package_arn"],
        },
    }


def durations(started_at: str, state: Mapping[str, Any], now: datetime) -> dict[str, float | None]:
    """Seconds in all, waiting for the lock, and rolling out (``None`` for a phase never reached)."""
    lock, rollout = state.get("lock") or {}, state.get("rollout") or {}
    acquired = lock.get("acquired_at")
    return {
        "total_seconds": seconds_between(started_at, now),
        "lock_wait_seconds": seconds_between(started_at, parse_stamp(acquired)) if acquired else None,
        "rollout_seconds": seconds_between(rollout.get("started_at"), now),
    }


def notification(
    state: Mapping[str, Any], execution: Mapping[str, Any], end: Conclusion, timings: Mapping[str, float | None]
) -> tuple[str, dict[str, Any]]:
    """The subject and structured message that announce how a deployment ended."""
    request, plan = state["request"], state.get("plan") or {}
    message = {
        "kind": "deployment",
        "endpoint_name": request["endpoint_name"],
        "model_package_arn": request["model_package_arn"],
        "model_package_group_name": request["model_package_group_name"],
        "model_package_version": request["model_package_version"],
        "strategy": plan.get("strategy"),
        "endpoint_config_name": plan.get("endpoint_config_name"),
        "outcome": end.outcome,
        "reason": end.reason,
        "alarm": end.alarm,
        "durations": dict(timings),
        "deployment_id": execution["name"],
        "execution_arn": execution["id"],
    }
    return f"[{end.outcome}] {request['endpoint_name']} v{request['model_package_version']}", message
