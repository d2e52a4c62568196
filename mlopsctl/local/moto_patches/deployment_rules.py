"""Validation of ``UpdateEndpoint``'s ``DeploymentConfig`` against the endpoint's fleet (pure).

Rules from the SageMaker API reference and developer guide ("Deployment guardrails"): a blue/green or rolling
deployment keeps the variant names; a canary is at most 50% of a variant's instance count; a linear step is 10-50%;
a rolling batch is 5-50%; ``MaximumExecutionTimeoutInSeconds`` should exceed the total waiting time. The rules are
real; the wording of the messages is the emulator's own (the service's exact text is not published).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any


class DeploymentConfigError(ValueError):
    """The deployment configuration is invalid for this endpoint; the message says why."""


def instance_count(variant: Mapping[str, Any]) -> int:
    """A variant's instance count (``InitialInstanceCount`` of a config, or the desired count of an endpoint)."""
    for key in ("InitialInstanceCount", "DesiredInstanceCount", "CurrentInstanceCount"):
        value = variant.get(key)
        if isinstance(value, int):
            return value
    return 1


def capacity_instances(size: Mapping[str, Any], total: int) -> int:
    """How many instances a ``CapacitySize`` ({Type, Value}) stands for in a fleet of ``total``."""
    value = int(size["Value"])
    if size["Type"] == "INSTANCE_COUNT":
        return value
    return max(1, math.ceil(total * value / 100))


def capacity_fraction(size: Mapping[str, Any], total: int) -> float:
    """The fraction of a fleet of ``total`` instances a ``CapacitySize`` stands for."""
    if size["Type"] == "CAPACITY_PERCENT":
        return int(size["Value"]) / 100
    return int(size["Value"]) / max(total, 1)


def _check_size(size: Mapping[str, Any] | None, name: str, low: float, high: float, variants: Sequence[Any]) -> None:
    if size is None:
        raise DeploymentConfigError(f"{name} is required for this traffic routing type.")
    for variant in variants:
        total = instance_count(variant)
        fraction = capacity_fraction(size, total)
        if not low - 1e-9 <= fraction <= high + 1e-9:
            raise DeploymentConfigError(
                f"{name} {size['Type']}={size['Value']} is {fraction:.0%} of the {total} instance(s) of variant "
                f"'{variant['VariantName']}'; it must be between {low:.0%} and {high:.0%}."
            )


def total_wait_seconds(config: Mapping[str, Any], variants: Sequence[Any]) -> int:
    """The sum of the baking periods a deployment configuration asks for."""
    blue_green = config.get("BlueGreenUpdatePolicy")
    if blue_green:
        routing = blue_green["TrafficRoutingConfiguration"]
        wait = int(routing.get("WaitIntervalInSeconds", 0))
        steps = 1
        if routing["Type"] == "LINEAR" and routing.get("LinearStepSize"):
            steps = max(math.ceil(1 / capacity_fraction(routing["LinearStepSize"], instance_count(variants[0]))), 1)
        return wait * steps + int(blue_green.get("TerminationWaitInSeconds", 0))
    rolling = config.get("RollingUpdatePolicy")
    if rolling:
        total = instance_count(variants[0])
        batches = math.ceil(total / capacity_instances(rolling["MaximumBatchSize"], total))
        return int(rolling.get("WaitIntervalInSeconds", 0)) * max(batches, 1)
    return 0


def validate_deployment_config(
    config: Mapping[str, Any], current_variants: Sequence[Any], new_variants: Sequence[Any]
) -> None:
    """Raise :class:`DeploymentConfigError` when ``config`` cannot drive an update from the current variants.

    Parameters
    ----------
    config
        ``DeploymentConfig`` as given to ``UpdateEndpoint``.
    current_variants
        The endpoint's production variants (``VariantName`` and instance counts).
    new_variants
        The production variants of the new endpoint configuration.
    """
    blue_green = config.get("BlueGreenUpdatePolicy")
    rolling = config.get("RollingUpdatePolicy")
    if blue_green and rolling:
        raise DeploymentConfigError("Specify either BlueGreenUpdatePolicy or RollingUpdatePolicy, not both.")
    if not (blue_green or rolling):
        return
    current_names = sorted(str(v["VariantName"]) for v in current_variants)
    new_names = sorted(str(v["VariantName"]) for v in new_variants)
    if current_names != new_names:
        raise DeploymentConfigError(
            f"The variant names {new_names} of the new endpoint configuration must match the variant names "
            f"{current_names} of the endpoint for a blue/green or rolling deployment."
        )
    if blue_green:
        routing = blue_green["TrafficRoutingConfiguration"]
        if routing["Type"] == "CANARY":
            _check_size(routing.get("CanarySize"), "CanarySize", 0.0, 0.5, new_variants)
        elif routing["Type"] == "LINEAR":
            _check_size(routing.get("LinearStepSize"), "LinearStepSize", 0.1, 0.5, new_variants)
        timeout = blue_green.get("MaximumExecutionTimeoutInSeconds")
    else:
        _check_size(rolling.get("MaximumBatchSize") if rolling else None, "MaximumBatchSize", 0.05, 0.5, new_variants)
        timeout = rolling.get("MaximumExecutionTimeoutInSeconds") if rolling else None
    waits = total_wait_seconds(config, new_variants)
    if timeout is not None and int(timeout) <= waits:
        raise DeploymentConfigError(
            f"MaximumExecutionTimeoutInSeconds ({timeout}) must be larger than the total waiting time of the "
            f"deployment ({waits} seconds)."
        )
