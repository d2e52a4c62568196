"""RollbackFunction: an alarm of ours → the hot path (ledger, lock, UpdateEndpoint) and the rollback execution.

In-memory SageMaker, ledger, Step Functions and SNS; every call any of them receives is logged in one list, in order,
so the hot path's AWS calls can be counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mlops_core.aws.errors import RequestRejectedError
from mlops_core.aws.workflows import StartedExecution
from mlops_core.config import RollbackSettings
from mlops_core.deploy.ledger_items import DeploymentFields, DeploymentRecord, LockItem
from mlops_core.deploy.store import DeploymentKey
from mlops_core.errors import TransientError
from mlops_core.rollback.contract.input import RollbackInput
from mlops_core.rollback.hot_path import RollbackConfig, RollbackPorts, handle_alarm
from mlops_core.rollback.triggers import alarm_trigger, rollback_id
from tests.support.deploy.events import alarm_event, package_event, parsed_alarm
from tests.support.deploy.handlers import context, load_handler
from tests.support.fakes import deploy as fakes
from tests.support.fakes.deploy import FakeNotifier, FakeSageMaker, FakeStore, FakeWorkflows, deployment_fields

STACK = "mlops-test"
ENDPOINT = "churn-endpoint"
STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:mlops-test-deploy"
ROLLBACK_STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:mlops-test-rollback"
CONFIG = RollbackConfig(STACK, ENDPOINT, "mlops-test-Endpoint", ROLLBACK_STATE_MACHINE, STATE_MACHINE, 1800)
T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
ALARM_AT = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)  # alarm_event's default transition time


class LoggedStore(FakeStore):
    """The ledger, logging each call under the DynamoDB operation the real adapter makes."""

    def __init__(self, calls: list[tuple[str, dict[str, Any]]]) -> None:
        super().__init__()
        self.calls = calls

    def deployments(self, endpoint_name: str) -> list[DeploymentRecord]:
        self.calls.append(("Query", {"endpoint": endpoint_name}))
        return super().deployments(endpoint_name)

    def acquire_lock(self, endpoint_name: str, deployment_id: str, now: datetime, ttl_seconds: int) -> bool:
        self.calls.append(("PutItem", {"lock": deployment_id}))
        return super().acquire_lock(endpoint_name, deployment_id, now, ttl_seconds)

    def read_lock(self, endpoint_name: str) -> LockItem | None:
        self.calls.append(("GetItem", {"lock": endpoint_name}))
        return super().read_lock(endpoint_name)

    def save_deployment(self, key: DeploymentKey, fields: DeploymentFields) -> None:
        self.calls.append(("UpdateItem", {"deployment": key.deployment_id}))
        super().save_deployment(key, fields)


class LoggedWorkflows(FakeWorkflows):
    """Step Functions, logging StartExecution."""

    def __init__(self, calls: list[tuple[str, dict[str, Any]]]) -> None:
        super().__init__()
        self.calls = calls

    def start(self, state_machine_arn: str, name: str, payload: Mapping[str, Any]) -> StartedExecution:
        self.calls.append(("StartExecution", {"name": name}))
        return super().start(state_machine_arn, name, payload)


class World:
    """v1 then v2 deployed by this system (v2 live); an alarm handler on in-memory AWS."""

    def __init__(self, *versions: int) -> None:
        self.sagemaker = FakeSageMaker()
        self.calls = self.sagemaker.calls
        self.store = LoggedStore(self.calls)
        self.workflows = LoggedWorkflows(self.calls)
        self.notifier = FakeNotifier()
        self.ports = RollbackPorts(self.store, self.sagemaker, self.workflows, self.notifier)
        for index, version in enumerate(versions):
            self.deployed(version, T0 + timedelta(minutes=20 * index))
        if versions:
            live = versions[-1]
            self.sagemaker.add_live_endpoint(ENDPOINT, f"c{live}", f"m{live}")
            for version in versions[:-1]:
                self.sagemaker.configs[f"c{version}"] = self.sagemaker.configs[f"c{live}"]
        self.calls.clear()

    def deployed(self, version: int, started: datetime, outcome: str = "SUCCEEDED") -> None:
        """A deployment record as the Deploy machine writes it."""
        self.store.save_deployment(
            DeploymentKey(ENDPOINT, started, f"deploy-v{version}"), deployment_fields(version, started, outcome)
        )

    def alarm(self, **event: Any) -> dict[str, Any]:
        return handle_alarm(parsed_alarm(**event), CONFIG, self.ports, ALARM_AT + timedelta(seconds=5)).as_dict()

    def operations(self) -> list[str]:
        return [name for name, _ in self.calls]


def test_an_alarm_after_the_rollout_asks_for_the_known_good_config_in_three_aws_calls() -> None:
    world = World(1, 2)
    result = world.alarm()
    assert world.operations() == ["Query", "PutItem", "UpdateEndpoint", "StartExecution"]
    assert (result["outcome"], result["action"], result["from_version"], result["to_version"]) == (
        "ok",
        "RESTORE",
        2,
        1,
    )
    endpoint = world.sagemaker.endpoints[ENDPOINT]
    assert (endpoint.status, endpoint.pending_config_name) == ("Updating", "c1")
    update = next(args for name, args in world.calls if name == "UpdateEndpoint")
    policy = update["deployment"]["BlueGreenUpdatePolicy"]
    assert policy["TrafficRoutingConfiguration"]["Type"] == "ALL_AT_ONCE"
    assert "AutoRollbackConfiguration" not in update["deployment"]
    lock = world.store.read_lock(ENDPOINT)
    assert lock is not None
    assert lock.deployment_id == result["rollback_id"]
    ((name, execution_input),) = world.workflows.executions.items()
    assert name == result["rollback_id"]
    plan = RollbackInput.model_validate(execution_input).plan
    assert (plan.decision, plan.recreate, plan.target and plan.target.endpoint_config_name) == ("RESTORE", False, "c1")
    assert execution_input["plan"]["trigger"]["metric_name"] == "Invocation5XXErrors"
    assert execution_input["plan"]["fast_path"] == "UpdateEndpoint to c1 requested"
    assert world.notifier.sent == []


def test_duplicated_events_of_one_transition_start_one_rollback() -> None:
    world = World(1, 2)
    first = world.alarm(event_id="first")
    second = world.alarm(event_id="second")
    assert len(world.workflows.executions) == 1
    assert (first["already_started"], second["already_started"]) == (False, True)
    assert second["rollback_id"] == first["rollback_id"]
    assert world.operations().count("UpdateEndpoint") == 2
    assert second["fast_path"].startswith("UpdateEndpoint refused (ValidationException")


def test_an_alarm_while_another_rollout_holds_the_endpoint_is_only_recorded() -> None:
    world = World(1, 2)
    fakes.rollout_in_progress(
        world.store, world.workflows, world.sagemaker, endpoint=ENDPOINT, holder="deploy-v3", now=ALARM_AT
    )
    world.calls.clear()
    result = world.alarm()
    assert (result["outcome"], result["action"]) == ("ok", "RECORD")
    assert "deploy-v3 holds churn-endpoint" in result["reason"]
    assert "UpdateEndpoint" not in world.operations()
    assert world.workflows.executions == {}
    record = world.store.deployments(ENDPOINT)[0]
    assert (record.deployment_id, record.outcome, record.decision) == (
        result["rollback_id"],
        "SKIPPED",
        "RECORD",
    )
    assert record.rollback_trigger is not None
    assert record.rollback_trigger.kind == "ALARM"
    assert world.notifier.sent == []


def test_with_only_one_version_ever_deployed_the_endpoint_is_unchanged_and_operators_are_told() -> None:
    world = World(1)
    result = world.alarm()
    assert result["action"] == "NO_TARGET"
    assert world.operations() == ["Query", "UpdateItem"]
    assert world.sagemaker.endpoints[ENDPOINT].status == "InService"
    ((subject, message),) = world.notifier.sent
    assert subject == "[ROLLBACK IMPOSSIBLE] churn-endpoint v1: no known-good version"
    assert (message["alarm"], message["metric"], message["threshold"]) == (
        "mlops-test-EndpointAlarm5xx-1A2B3C",
        "Invocation5XXErrors",
        1.0,
    )
    assert world.store.deployments(ENDPOINT)[0].decision == "NO_TARGET"


def test_a_deleted_config_leaves_the_restore_to_the_rollback_execution() -> None:
    world = World(1, 2)

    def refuse(name: str, config_name: str, deployment_config: Mapping[str, Any]) -> None:
        world.calls.append(("UpdateEndpoint", {"config": config_name}))
        raise RequestRejectedError(
            "UpdateEndpoint", "ValidationException", 'Could not find endpoint configuration "c1"'
        )

    world.sagemaker.update_endpoint = refuse  # type: ignore[method-assign]
    result = world.alarm()
    assert result["action"] == "RESTORE"
    assert result["fast_path"].startswith("UpdateEndpoint refused (ValidationException")
    ((_, execution_input),) = world.workflows.executions.items()
    assert execution_input["plan"]["fast_path"] == result["fast_path"]
    assert execution_input["plan"]["recreate"] is False  # c1 exists: SageMaker refused for another reason
    del world.sagemaker.configs["c1"]
    world.workflows.executions.clear()
    world.store.release_lock(ENDPOINT, result["rollback_id"])
    world.alarm()
    ((_, execution_input),) = world.workflows.executions.items()
    assert execution_input["plan"]["recreate"] is True  # the machine recreates the model and config


def test_a_transient_failure_propagates_and_the_retry_converges_on_one_rollback() -> None:
    world = World(1, 2)
    real_update = world.sagemaker.update_endpoint
    failures = [TransientError("UpdateEndpoint failed and may succeed later: ThrottlingException")]

    def flaky(name: str, config_name: str, deployment_config: Mapping[str, Any]) -> None:
        if failures:
            raise failures.pop()
        real_update(name, config_name, deployment_config)

    world.sagemaker.update_endpoint = flaky  # type: ignore[method-assign]
    with pytest.raises(TransientError):
        world.alarm()
    retried = world.alarm()
    assert retried["fast_path"] == "UpdateEndpoint to c1 requested"
    assert list(world.workflows.executions) == [retried["rollback_id"]]


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"name": "other-stack-EndpointAlarm5xx-X"}, "not one of this stack's endpoint alarms"),
        ({"state": "OK"}, "only a change to ALARM triggers a rollback"),
        ({"endpoint": "another-endpoint"}, "watches endpoint another-endpoint"),
    ],
)
def test_foreign_alarms_and_recoveries_are_ignored_without_any_call(event: dict[str, Any], reason: str) -> None:
    world = World(1, 2)
    result = world.alarm(**event)
    assert result["outcome"] == "ignored"
    assert reason in result["reason"]
    assert world.calls == []


# --- The handler ------------------------------------------------------------------------------------------------


def test_settings_name_every_missing_variable() -> None:
    with pytest.raises(Exception, match="ENDPOINT_ALARM_PREFIX is required but not set"):
        RollbackSettings.from_env({"STACK_NAME": STACK, "LEDGER_TABLE_NAME": "t"})
    settings = RollbackSettings.from_env(
        {
            "STACK_NAME": STACK,
            "LEDGER_TABLE_NAME": "ledger",
            "NOTIFICATION_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:t",
            "ENDPOINT_NAME": ENDPOINT,
            "ENDPOINT_ALARM_PREFIX": "mlops-test-Endpoint",
            "DEPLOY_STATE_MACHINE_ARN": STATE_MACHINE,
            "ROLLBACK_STATE_MACHINE_ARN": ROLLBACK_STATE_MACHINE,
        }
    )
    config = RollbackConfig.from_settings(settings)
    assert (config.rollback_state_machine_arn, config.lock_ttl_seconds) == (ROLLBACK_STATE_MACHINE, 1800)
    assert config.machine_of(rollback_id(STACK, alarm_trigger(parsed_alarm()))) == ROLLBACK_STATE_MACHINE
    assert config.machine_of("mlops-test-v3-0123456789abcdef") == STATE_MACHINE


@pytest.fixture
def app() -> Any:
    module = load_handler("rollback")
    world = World(1, 2)
    module.dependencies = lambda: (CONFIG, world.ports)
    module.world = world
    return module


def test_the_handler_restores_on_our_alarm_and_reports_what_it_did(app: Any) -> None:
    result = app.lambda_handler(alarm_event(), context())
    assert (result["outcome"], result["action"], result["to_version"]) == ("ok", "RESTORE", 1)
    assert app.world.sagemaker.endpoints[ENDPOINT].pending_config_name == "c1"


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (package_event(2, "Rejected"), "is not a CloudWatch alarm state change"),
        ({"detail-type": "CloudWatch Alarm State Change", "source": "aws.cloudwatch", "detail": {}}, ""),
        (alarm_event(state="OK"), "only a change to ALARM"),
    ],
)
def test_the_handler_acknowledges_other_events_as_ignored(app: Any, event: dict[str, Any], reason: str) -> None:
    result = app.lambda_handler(event, context())
    assert result["outcome"] == "ignored"
    assert reason in result["reason"]
    assert app.world.calls == []
