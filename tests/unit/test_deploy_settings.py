"""Deployment settings are read from the template's environment variables and fail fast, naming what is wrong."""

from __future__ import annotations

import pytest

from mlops_core.config import ApprovalSettings, DeploySettings, EndpointEventsSettings
from mlops_core.deploy.deployment import Capacity, CapacityUnit, Fleet, Strategy
from mlops_core.deploy.tasks import fleet_of, policy_of
from mlops_core.errors import ConfigurationError

CORE = {
    "STACK_NAME": "mlops-dev",
    "LEDGER_TABLE_NAME": "mlops-dev-ledger",
    "NOTIFICATION_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:mlops-dev",
}
DEPLOY = CORE | {
    "ENDPOINT_NAME": "churn-endpoint",
    "SAGEMAKER_EXECUTION_ROLE_ARN": "arn:aws:iam::123456789012:role/mlops-dev-EndpointModelRole-1",
    "ENDPOINT_ALARM_NAMES": "mlops-dev-5xx, mlops-dev-p99,,",
}


def test_deploy_settings_default_to_a_canary_of_one_instance_on_two() -> None:
    settings = DeploySettings.from_env(DEPLOY)
    assert settings.endpoint_alarm_names == ("mlops-dev-5xx", "mlops-dev-p99")
    assert fleet_of(settings) == Fleet("AllTraffic", "ml.m5.large", 2)
    policy = policy_of(settings)
    assert (policy.strategy, policy.step) == (Strategy.CANARY, Capacity(CapacityUnit.INSTANCE_COUNT, 1))
    assert policy.alarm_names == settings.endpoint_alarm_names
    assert settings.rolled_back_package_action == "reject"


def test_a_linear_policy_in_percent_is_selectable() -> None:
    env = DEPLOY | {
        "DEPLOY_STRATEGY": "LINEAR",
        "DEPLOY_STEP_SIZE_TYPE": "CAPACITY_PERCENT",
        "DEPLOY_STEP_SIZE_VALUE": "25",
    }
    policy = policy_of(DeploySettings.from_env(env))
    assert (policy.strategy, policy.step) == (Strategy.LINEAR, Capacity(CapacityUnit.CAPACITY_PERCENT, 25))


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEPLOY_MAX_EXECUTION_TIMEOUT_SECONDS", "300"),
        ("DEPLOY_LOCK_MAX_ATTEMPTS", "0"),
        ("DEPLOY_LOCK_RETRY_SECONDS", "-1"),
        ("DEPLOY_WAIT_INTERVAL_SECONDS", "7200"),
        ("DEPLOY_STRATEGY", "BIG_BANG"),
        ("ROLLED_BACK_PACKAGE_ACTION", "delete"),
        ("SAGEMAKER_EXECUTION_ROLE_ARN", "my-role"),
        ("ENDPOINT_NAME", "bad_name"),
    ],
)
def test_an_invalid_deploy_setting_is_named(variable: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=variable):
        DeploySettings.from_env(DEPLOY | {variable: value})


def test_the_deploy_tasks_own_the_lock_waits_with_production_defaults() -> None:
    settings = DeploySettings.from_env(DEPLOY)
    assert (settings.deploy_lock_retry_seconds, settings.deploy_lock_max_attempts) == (60, 120)
    waits = {"DEPLOY_LOCK_RETRY_SECONDS": "5", "DEPLOY_LOCK_MAX_ATTEMPTS": "3"}
    settings = DeploySettings.from_env(DEPLOY | waits)
    assert (settings.deploy_lock_retry_seconds, settings.deploy_lock_max_attempts) == (5, 3)


def test_approval_settings_need_the_state_machine_and_relay_no_waits() -> None:
    env = CORE | {"MODEL_PACKAGE_GROUP_NAME": "churn", "ENDPOINT_NAME": "churn-endpoint"}
    with pytest.raises(ConfigurationError, match="DEPLOY_STATE_MACHINE_ARN is required"):
        ApprovalSettings.from_env(env)
    with pytest.raises(ConfigurationError, match="ROLLBACK_STATE_MACHINE_ARN is required"):
        ApprovalSettings.from_env(env)
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:mlops-dev-deploy"
    rollback = "arn:aws:states:us-east-1:123456789012:stateMachine:mlops-dev-rollback"
    settings = ApprovalSettings.from_env(
        env | {"DEPLOY_STATE_MACHINE_ARN": arn, "ROLLBACK_STATE_MACHINE_ARN": rollback}
    )
    assert not {"deploy_lock_retry_seconds", "deploy_lock_max_attempts"} & set(type(settings).model_fields)


def test_endpoint_events_settings_need_the_endpoint() -> None:
    with pytest.raises(ConfigurationError, match="ENDPOINT_NAME is required"):
        EndpointEventsSettings.from_env(CORE)


@pytest.mark.parametrize(
    ("settings", "variable"),
    [
        (EndpointEventsSettings, "ENDPOINT_NAME"),
        (DeploySettings, "ENDPOINT_NAME"),
        (ApprovalSettings, "MODEL_PACKAGE_GROUP_NAME"),
    ],
)
def test_an_upper_case_endpoint_or_group_name_is_refused_at_cold_start(settings: type, variable: str) -> None:
    env = DEPLOY | {
        "MODEL_PACKAGE_GROUP_NAME": "churn-models",
        "DEPLOY_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:mlops-dev-deploy",
        variable: "Churn-Name",
    }

    with pytest.raises(ConfigurationError, match=variable):
        settings.from_env(env)
