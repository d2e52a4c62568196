"""Settings, execution inputs and step payloads as the Deploy state machine builds them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mlops_core.config import ApprovalSettings, DeploySettings
from mlops_core.timefmt import stamp
from tests.support.fakes.deploy import GROUP, package_arn

STACK = "mlops-test"
ENDPOINT = "churn-endpoint"
ALARMS = ("churn-endpoint-5xx", "churn-endpoint-p99")
ROLE = "arn:aws:iam::123456789012:role/mlops-test-sagemaker-execution"
TOPIC = "arn:aws:sns:us-east-1:123456789012:mlops-test-notifications"
STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:mlops-test-deploy"
ROLLBACK_STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:mlops-test-rollback"
START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def deploy_settings(**overrides: Any) -> DeploySettings:
    """Settings of DeployTasksFunction, as the template would give them (CANARY of 1 of 2 instances)."""
    values: dict[str, Any] = {
        "stack_name": STACK,
        "ledger_table_name": "mlops-test-ledger",
        "notification_topic_arn": TOPIC,
        "endpoint_name": ENDPOINT,
        "sagemaker_execution_role_arn": ROLE,
        "endpoint_alarm_names": ALARMS,
        "deploy_instance_count": 2,
    }
    return DeploySettings(**(values | overrides))


def approval_settings(**overrides: Any) -> ApprovalSettings:
    """Settings of ApprovalFunction."""
    values: dict[str, Any] = {
        "stack_name": STACK,
        "ledger_table_name": "mlops-test-ledger",
        "notification_topic_arn": TOPIC,
        "model_package_group_name": GROUP,
        "endpoint_name": ENDPOINT,
        "deploy_state_machine_arn": STATE_MACHINE,
        "rollback_state_machine_arn": ROLLBACK_STATE_MACHINE,
    }
    return ApprovalSettings(**(values | overrides))


def legacy_timing(**overrides: int) -> dict[str, int]:
    """The ``timing`` an ApprovalFunction of the previous version put in every execution input (the lock's waits,
    production defaults): an execution started with it must still run."""
    return {
        "lock_retry_seconds": 60,
        "lock_max_attempts": 120,
    } | overrides


def request(version: int, endpoint: str = ENDPOINT) -> dict[str, Any]:
    """The execution input's ``request`` for version ``version`` of the group."""
    return {
        "endpoint_name": endpoint,
        "model_package_arn": package_arn(version),
        "model_package_group_name": GROUP,
        "model_package_version": version,
        "trigger": {"event_id": f"event-{version}", "event_time": stamp(START)},
    }


def execution(version: int, start: datetime = START) -> dict[str, str]:
    """The ``execution`` object every task gets (``$$.Execution``)."""
    name = f"{STACK}-v{version}-0123456789abcdef"
    return {
        "id": f"{STATE_MACHINE.replace(':stateMachine:', ':execution:')}:{name}",
        "name": name,
        "start_time": stamp(start),
    }


def state(version: int, **parts: Any) -> dict[str, Any]:
    """The Deploy state of the deployment of ``version`` after ``Initialise``, with the ``parts`` results."""
    base = {
        "request": request(version),
        "execution": execution(version),
        "lock": {"attempt": 0},
        "wait": {"rounds": 0},
    }
    return base | parts


def payload(step: str, version: int, task_token: str | None = None, **parts: Any) -> dict[str, Any]:
    """A task payload for ``step`` of the deployment of ``version``: the whole state (and the task token)."""
    task = {"step": step, "state": state(version, **parts)}
    return task | ({"task_token": task_token} if task_token is not None else {})
