"""Phases of an emulated endpoint deployment (pure planning)."""

from __future__ import annotations

from typing import Any

import pytest

from mlopsctl.local.emulators.sagemaker.rollout import plan_rollout, timeout_seconds
from mlopsctl.local.moto_patches.deployment_rules import DeploymentConfigError, validate_deployment_config

FLEET = [{"VariantName": "AllTraffic", "DesiredInstanceCount": 4}]


def blue_green(routing: dict[str, Any], final: int = 600, timeout: int | None = None) -> dict[str, Any]:
    policy: dict[str, Any] = {"TrafficRoutingConfiguration": routing, "TerminationWaitInSeconds": final}
    if timeout is not None:
        policy["MaximumExecutionTimeoutInSeconds"] = timeout
    return {"BlueGreenUpdatePolicy": policy}


def test_canary_provisions_bakes_the_canary_then_bakes_the_full_fleet():
    config = blue_green(
        {"Type": "CANARY", "WaitIntervalInSeconds": 300, "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 25}}
    )

    phases = plan_rollout(config, FLEET, provision_seconds=60)

    assert [(p.status, p.seconds, p.monitored, p.active_instances) for p in phases] == [
        ("Creating", 60, False, 0),
        ("Baking", 300, True, 1),
        ("Baking", 600, True, 4),
    ]
    assert phases[1].message == (
        "Baking for 300 seconds (WaitIntervalInSeconds) with traffic enabled on canary capacity of 1 instance(s)."
    )
    assert "TerminationWaitInSeconds" in phases[2].message


def test_linear_bakes_after_every_step():
    config = blue_green(
        {"Type": "LINEAR", "WaitIntervalInSeconds": 60, "LinearStepSize": {"Type": "INSTANCE_COUNT", "Value": 1}},
        final=0,
    )

    phases = plan_rollout(config, FLEET, provision_seconds=10)

    assert [p.active_instances for p in phases] == [0, 1, 2, 3, 4, 4]
    assert all(p.monitored for p in phases[1:])


def test_rolling_update_provisions_and_bakes_batch_by_batch():
    config = {
        "RollingUpdatePolicy": {
            "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
            "WaitIntervalInSeconds": 30,
        }
    }

    phases = plan_rollout(config, FLEET, provision_seconds=10)

    assert [(p.status, p.monitored, p.active_instances) for p in phases] == [
        ("Creating", False, 0),
        ("Baking", True, 2),
        ("Creating", False, 2),
        ("Baking", True, 4),
    ]


def test_update_without_deployment_config_only_provisions_and_watches_nothing():
    phases = plan_rollout(None, FLEET, provision_seconds=45)

    assert [(p.status, p.seconds, p.monitored) for p in phases] == [("Creating", 45, False)]
    assert timeout_seconds(None) is None


@pytest.mark.parametrize(
    ("config", "current", "fragment"),
    [
        (blue_green({"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0}), [{"VariantName": "Old"}], "variant names"),
        (
            blue_green(
                {"Type": "CANARY", "WaitIntervalInSeconds": 0, "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 3}}
            ),
            FLEET,
            "between 0% and 50%",
        ),
        (
            blue_green({"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 600}, final=600, timeout=1200),
            FLEET,
            "MaximumExecutionTimeoutInSeconds",
        ),
        (
            {
                "RollingUpdatePolicy": {
                    "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 80},
                    "WaitIntervalInSeconds": 0,
                }
            },
            FLEET,
            "MaximumBatchSize",
        ),
    ],
)
def test_invalid_deployment_configs_are_refused_with_the_rule_they_break(config, current, fragment):
    with pytest.raises(DeploymentConfigError, match=fragment):
        validate_deployment_config(config, current, FLEET)


def test_a_canary_of_half_the_fleet_and_a_timeout_above_the_waits_are_accepted():
    config = blue_green(
        {"Type": "CANARY", "WaitIntervalInSeconds": 300, "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 2}},
        final=300,
        timeout=601,
    )

    validate_deployment_config(config, FLEET, FLEET)

    assert timeout_seconds(config) == 601
