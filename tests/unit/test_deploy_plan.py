"""Deployment planning: names, the DeploymentConfig sent to UpdateEndpoint, and how an execution's end is read."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlops_core.deploy.deployment import (
    Capacity,
    CapacityUnit,
    Fleet,
    RolloutPolicy,
    Strategy,
    conclusion,
    deployment_config,
    durations,
    endpoint_config_name,
    error_reason,
    execution_name,
    model_name,
    plan_deployment,
)
from mlops_core.timefmt import stamp

SAGEMAKER_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
EXECUTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/7"
FLEET = Fleet("AllTraffic", "ml.m5.large", 4)

stack_names = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,38}[A-Za-z0-9]", fullmatch=True)
versions = st.integers(min_value=1, max_value=999_999)


def policy(strategy: Strategy, unit: CapacityUnit = CapacityUnit.INSTANCE_COUNT, value: int = 1) -> RolloutPolicy:
    return RolloutPolicy(strategy, Capacity(unit, value), 300, 120, 1800, ("p99", "5xx"))


@given(stack=stack_names, version=versions)
def test_resource_names_are_valid_sagemaker_names_that_start_with_the_stack_name(stack: str, version: int) -> None:
    for name in (model_name(stack, ARN, version), endpoint_config_name(stack, ARN, version, FLEET)):
        assert SAGEMAKER_NAME.match(name), name
        assert name.startswith(f"{stack}-")


@given(stack=stack_names, version=versions, marker=st.text(max_size=40))
def test_execution_names_are_valid_step_functions_names(stack: str, version: int, marker: str) -> None:
    assert EXECUTION_NAME.match(execution_name(stack, ARN, version, marker))


def test_a_retry_converges_on_the_same_names() -> None:
    assert model_name("mlops", ARN, 7) == model_name("mlops", ARN, 7)
    assert endpoint_config_name("mlops", ARN, 7, FLEET) == endpoint_config_name("mlops", ARN, 7, FLEET)


def test_another_package_or_fleet_shape_gets_another_endpoint_config() -> None:
    other_arn = ARN.replace("/7", "/8")
    bigger = Fleet("AllTraffic", "ml.m5.large", 6)
    names = {
        endpoint_config_name("mlops", ARN, 7, FLEET),
        endpoint_config_name("mlops", other_arn, 7, FLEET),
        endpoint_config_name("mlops", ARN, 7, bigger),
    }
    assert len(names) == 3


def test_duplicate_events_of_one_approval_map_to_one_execution_and_a_new_approval_to_another() -> None:
    first = execution_name("mlops", ARN, 7, "2024-05-01T12:00:00.000Z")
    assert first == execution_name("mlops", ARN, 7, "2024-05-01T12:00:00.000Z")
    assert first != execution_name("mlops", ARN, 7, "2024-05-02T09:30:00.000Z")


def test_canary_update_sends_canary_size_bake_termination_timeout_and_the_rollback_alarms() -> None:
    config = deployment_config(policy(Strategy.CANARY))
    assert config == {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "WaitIntervalInSeconds": 300,
                "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
            },
            "TerminationWaitInSeconds": 120,
            "MaximumExecutionTimeoutInSeconds": 1800,
        },
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "p99"}, {"AlarmName": "5xx"}]},
    }


def test_linear_update_sends_a_linear_step_size() -> None:
    routing = deployment_config(policy(Strategy.LINEAR, CapacityUnit.CAPACITY_PERCENT, 25))["BlueGreenUpdatePolicy"][
        "TrafficRoutingConfiguration"
    ]
    assert routing == {
        "Type": "LINEAR",
        "WaitIntervalInSeconds": 300,
        "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 25},
    }


def test_all_at_once_update_sends_no_step_size() -> None:
    routing = deployment_config(policy(Strategy.ALL_AT_ONCE))["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]
    assert routing == {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 300}


@pytest.mark.parametrize(
    ("strategy", "unit", "value", "bakes"),
    [
        (Strategy.CANARY, CapacityUnit.INSTANCE_COUNT, 1, 1),
        (Strategy.ALL_AT_ONCE, CapacityUnit.INSTANCE_COUNT, 1, 1),
        (Strategy.LINEAR, CapacityUnit.INSTANCE_COUNT, 1, 4),
        (Strategy.LINEAR, CapacityUnit.CAPACITY_PERCENT, 50, 2),
        (Strategy.LINEAR, CapacityUnit.CAPACITY_PERCENT, 30, 4),
    ],
)
def test_baking_time_counts_one_bake_per_traffic_step_plus_the_termination_wait(
    strategy: Strategy, unit: CapacityUnit, value: int, bakes: int
) -> None:
    assert policy(strategy, unit, value).baking_seconds(instance_count=4) == bakes * 300 + 120


def test_plan_is_json_and_names_the_model_in_the_variant() -> None:
    plan = plan_deployment("mlops", ARN, 7, FLEET, policy(Strategy.CANARY))
    assert json.loads(json.dumps(plan)) == plan
    assert plan["variant"] == {
        "VariantName": "AllTraffic",
        "ModelName": plan["model_name"],
        "InstanceType": "ml.m5.large",
        "InitialInstanceCount": 4,
        "InitialVariantWeight": 1.0,
    }


def test_a_caught_lambda_error_reads_as_its_message() -> None:
    cause = json.dumps({"errorMessage": "model package is Rejected, not Approved", "errorType": "PreflightFailedError"})
    assert error_reason({"Error": "PreflightFailedError", "Cause": cause}) == (
        "PreflightFailedError: model package is Rejected, not Approved"
    )
    assert error_reason({"Error": "States.Timeout", "Cause": "task timed out"}) == "States.Timeout: task timed out"


@pytest.mark.parametrize(
    ("state", "outcome", "reason"),
    [
        ({"error": {"Error": "LockLostError", "Cause": "gone"}, "wait": {"outcome": "SUCCEEDED"}}, "FAILED", "gone"),
        ({"lock": {"decision": "skip", "outcome": "SUPERSEDED", "reason": "v9 is newer"}}, "SUPERSEDED", "v9 is newer"),
        ({"lock": {"decision": "acquired"}, "wait": {"outcome": "ROLLED_BACK", "reason": "p99"}}, "ROLLED_BACK", "p99"),
        ({"lock": {"decision": "acquired"}, "wait": {"rounds": 0}}, "FAILED", "without an outcome"),
    ],
)
def test_an_executions_end_is_read_from_its_error_skip_or_verdict(state: dict, outcome: str, reason: str) -> None:
    end = conclusion(state)
    assert end.outcome == outcome
    assert reason in end.reason


def test_durations_cover_lock_wait_and_rollout_and_are_none_for_phases_never_reached() -> None:
    start = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    state = {
        "lock": {"acquired_at": stamp(start + timedelta(seconds=90))},
        "rollout": {"started_at": stamp(start + timedelta(seconds=100))},
    }
    assert durations(stamp(start), state, start + timedelta(seconds=700)) == {
        "total_seconds": 700.0,
        "lock_wait_seconds": 90.0,
        "rollout_seconds": 600.0,
    }
    assert durations(stamp(start), {}, start + timedelta(seconds=5))["rollout_seconds"] is None
