"""The phases of an emulated endpoint deployment (pure).

Follows the developer guide's description of deployment guardrails: SageMaker provisions the new (green) fleet,
then shifts traffic to it in one step (``ALL_AT_ONCE``), a canary and the rest (``CANARY``), or equal steps
(``LINEAR``), baking ``WaitIntervalInSeconds`` after each shift and ``TerminationWaitInSeconds`` before the old
(blue) fleet is terminated; CloudWatch alarms are watched during every baking period. A rolling update provisions
and bakes batch by batch. An update without a ``DeploymentConfig`` is an all-at-once blue/green switch with no
baking and no alarm watch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mlopsctl.local.moto_patches.deployment_rules import capacity_instances, instance_count


@dataclass(frozen=True)
class Phase:
    """One stage of a deployment.

    Attributes
    ----------
    status
        The ``VariantStatus`` SageMaker reports meanwhile (``Creating``, ``Baking``).
    seconds
        How long the stage lasts.
    monitored
        Whether the auto-rollback alarms are watched during the stage (baking periods).
    active_instances
        How many instances of the new fleet take traffic during the stage.
    message
        The ``StatusMessage``.
    """

    status: str
    seconds: float
    monitored: bool
    active_instances: int
    message: str


def _bake(seconds: int, source: str, active: int, total: int, label: str) -> Phase:
    capacity = "full capacity" if active >= total else f"{label} capacity"
    message = f"Baking for {seconds} seconds ({source}) with traffic enabled on {capacity} of {active} instance(s)."
    return Phase("Baking", float(seconds), True, active, message)


def _blue_green(policy: Mapping[str, Any], total: int, provision: Phase) -> list[Phase]:
    routing = policy["TrafficRoutingConfiguration"]
    wait = int(routing.get("WaitIntervalInSeconds", 0))
    final = int(policy.get("TerminationWaitInSeconds", 0))
    phases = [provision]
    if routing["Type"] == "CANARY":
        canary = min(capacity_instances(routing["CanarySize"], total), total)
        phases.append(_bake(wait, "WaitIntervalInSeconds", canary, total, "canary"))
    elif routing["Type"] == "LINEAR":
        step = max(capacity_instances(routing["LinearStepSize"], total), 1)
        for index in range(1, math.ceil(total / step)):
            phases.append(_bake(wait, "WaitIntervalInSeconds", index * step, total, f"step {index}"))
        phases.append(_bake(wait, "WaitIntervalInSeconds", total, total, "final step"))
    else:
        phases.append(_bake(wait, "WaitIntervalInSeconds", total, total, "full"))
    phases.append(_bake(final, "TerminationWaitInSeconds", total, total, "full"))
    return phases


def _rolling(policy: Mapping[str, Any], total: int, provision_seconds: float) -> list[Phase]:
    wait = int(policy.get("WaitIntervalInSeconds", 0))
    batch = max(capacity_instances(policy["MaximumBatchSize"], total), 1)
    batches = math.ceil(total / batch)
    phases: list[Phase] = []
    for index in range(1, batches + 1):
        active = min(index * batch, total)
        size = active - (index - 1) * batch
        launching = f"Launching {size} instance(s) for batch {index} of {batches}."
        phases.append(Phase("Creating", provision_seconds, False, (index - 1) * batch, launching))
        phases.append(_bake(wait, "WaitIntervalInSeconds", active, total, f"batch {index}"))
    return phases


def plan_rollout(
    deployment_config: Mapping[str, Any] | None, variants: Sequence[Mapping[str, Any]], provision_seconds: float
) -> list[Phase]:
    """The phases of an update to ``variants`` (the new configuration's) under ``deployment_config``.

    Parameters
    ----------
    deployment_config
        ``DeploymentConfig`` of the ``UpdateEndpoint`` request, or None.
    variants
        The new production variants; the first one's instance count sizes canary and linear steps.
    provision_seconds
        How long provisioning a fleet (or a rolling batch) takes.
    """
    total = instance_count(variants[0]) if variants else 1
    provision = Phase("Creating", provision_seconds, False, 0, f"Launching {total} instance(s) for the new fleet.")
    config = deployment_config or {}
    if config.get("BlueGreenUpdatePolicy"):
        return _blue_green(config["BlueGreenUpdatePolicy"], total, provision)
    if config.get("RollingUpdatePolicy"):
        return _rolling(config["RollingUpdatePolicy"], total, provision_seconds)
    return [provision]


def timeout_seconds(deployment_config: Mapping[str, Any] | None) -> int | None:
    """``MaximumExecutionTimeoutInSeconds`` of the policy, if any."""
    config = deployment_config or {}
    policy = config.get("BlueGreenUpdatePolicy") or config.get("RollingUpdatePolicy") or {}
    value = policy.get("MaximumExecutionTimeoutInSeconds")
    return int(value) if value is not None else None
