"""Rollback end to end: deployments run ``statemachines/deploy.asl.json`` and rollbacks
``statemachines/rollback.asl.json``, in moto's interpreter.

The handlers are the real ones (RollbackFunction, ApprovalFunction, DeployTasksFunction, RollbackTasksFunction,
EndpointEventsFunction),
in process; the ledger, Step Functions and SNS are moto; SageMaker is the in-memory fake (moto lacks UpdateEndpoint
outside the local stack's emulator). Events are delivered to the handlers as EventBridge would, one by one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mlops_core.approval.rejection import ExecutionRollbackRequester
from mlops_core.approval.service import ApprovalConfig, ApprovalPorts
from mlops_core.aws.errors import RequestRejectedError
from mlops_core.aws.notifications import SnsNotifier
from mlops_core.config import EndpointEventsSettings
from mlops_core.rollback.hot_path import RollbackConfig, RollbackPorts
from tests.support.deploy.asl_runs import FAST
from tests.support.deploy.builders import ALARMS, ENDPOINT, STACK, deploy_settings, request
from tests.support.deploy.events import alarm_event, endpoint_event, package_event
from tests.support.deploy.handlers import context, load_handler
from tests.support.deploy.sfn import DeployMachine, deploy_machine
from tests.support.fakes.deploy import GROUP, FakeAlarms, FakeSageMaker, package_arn
from tests.support.ledger_records import items_of

pytestmark = pytest.mark.flow

ALARM = ALARMS[0]


class Stack:
    """The deployment and rollback feature on the Step Functions harness, and what a user does to it."""

    def __init__(self, machine: DeployMachine, sagemaker: FakeSageMaker) -> None:
        self.machine, self.sagemaker = machine, sagemaker
        notifier = machine.ports.notifier
        assert isinstance(notifier, SnsNotifier)
        self.rollback_app = load_handler("rollback")
        config = RollbackConfig(STACK, ENDPOINT, "churn-endpoint-", machine.rollback_arn, machine.arn, 1800)
        ports = RollbackPorts(machine.store, sagemaker, machine.workflows, notifier)
        self.rollback_app.dependencies = lambda: (config, ports)
        self.approval_app = load_handler("approval")
        approval = ApprovalConfig(STACK, GROUP, ENDPOINT, machine.arn, machine.rollback_arn)
        requester = ExecutionRollbackRequester(machine.workflows, approval, machine.store, sagemaker)
        approval_ports = ApprovalPorts(sagemaker, machine.workflows, machine.store, requester)
        self.approval_app.dependencies = lambda: (approval, approval_ports)
        self.events_app = load_handler("endpoint_events")
        settings = EndpointEventsSettings(
            stack_name=STACK,
            ledger_table_name=machine.settings.ledger_table_name,
            notification_topic_arn=machine.settings.notification_topic_arn,
            endpoint_name=ENDPOINT,
        )
        self.events_app.dependencies = lambda: (settings, machine.store, machine.workflows)
        self.executions_seen = 0

    # -- what happens in AWS ----------------------------------------------------------------------------------

    def endpoint_settles(self, *_: Any) -> None:
        """The endpoint update finishes and SageMaker's event reaches EndpointEventsFunction."""
        self.sagemaker.complete_update(ENDPOINT)
        self.events_app.lambda_handler(endpoint_event(ENDPOINT), context())

    def deploy(self, version: int) -> None:
        """Version ``version`` is approved and deployed (canary update when the endpoint exists)."""
        self.sagemaker.add_package(version)
        if ENDPOINT in self.sagemaker.endpoints:
            self.machine.after("register_wait", self.endpoint_settles)
        execution_input = {"request": request(version)}
        done = self.machine.run(execution_input, name=f"deploy-v{version}")
        assert done["status"] == "SUCCEEDED"
        self.executions_seen = len(self.executions())

    def alarm(self, state: str = "ALARM", **event: Any) -> dict[str, Any]:
        """An alarm of ours changes state now; CloudWatch's event reaches RollbackFunction."""
        moment = datetime.now(UTC) + timedelta(seconds=1)
        at = moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
        result: dict[str, Any] = self.rollback_app.lambda_handler(alarm_event(ALARM, state, at=at, **event), context())
        return result

    def reject(self, version: int) -> dict[str, Any]:
        """A reviewer rejects ``version`` in the registry; SageMaker's event reaches ApprovalFunction."""
        self.sagemaker.set_status(package_arn(version), "Rejected")
        event = package_event(version, "Rejected", last_modified=datetime.now(UTC).isoformat())
        result: dict[str, Any] = self.approval_app.lambda_handler(event, context())
        return result

    def new_executions(self) -> list[dict[str, Any]]:
        """Executions started since the last look, run to their end (the endpoint settles when one waits)."""
        started = self.executions()[: len(self.executions()) - self.executions_seen]
        self.executions_seen = len(self.executions())
        for thread in self.machine._threads[len(self.machine._threads) - len(started) :]:  # one per execution
            thread.join(20)
            assert not thread.is_alive(), "an execution was still running after 20 s"
        return [self.machine.sfn.describe_execution(executionArn=e["executionArn"]) for e in reversed(started)]

    def executions(self) -> list[dict[str, Any]]:
        """Every execution of both machines, newest first."""
        sfn = self.machine.sfn
        listed = [
            e
            for arn in (self.machine.arn, self.machine.rollback_arn)
            for e in sfn.list_executions(stateMachineArn=arn)["executions"]
        ]
        return sorted(listed, key=lambda e: e["startDate"], reverse=True)

    # -- what the ledger says ---------------------------------------------------------------------------------

    def record(self, deployment_id: str) -> dict[str, Any]:
        return next(
            r for r in items_of(self.machine.store.deployments(ENDPOINT)) if r["deployment_id"] == deployment_id
        )

    def serves(self) -> str | None:
        endpoint = self.sagemaker.endpoints[ENDPOINT]
        assert endpoint.status == "InService"
        return endpoint.config_name

    def config_of(self, deployment_id: str) -> str:
        return str(self.record(deployment_id)["endpoint_config_name"])


@pytest.fixture
def stack() -> Iterator[Stack]:
    sagemaker = FakeSageMaker()
    with deploy_machine(deploy_settings(**FAST), sagemaker, FakeAlarms(*ALARMS)) as machine:
        yield Stack(machine, sagemaker)


def test_an_alarm_after_the_rollout_restores_v1_rejects_v2_and_says_why(stack: Stack) -> None:
    stack.deploy(1)
    stack.deploy(2)
    assert stack.serves() == stack.config_of("deploy-v2")
    stack.machine.notifications()
    stack.machine.after("register_wait", stack.endpoint_settles)
    result = stack.alarm()
    assert (result["action"], result["from_version"], result["to_version"]) == ("RESTORE", 2, 1)
    (execution,) = stack.new_executions()
    assert execution["status"] == "SUCCEEDED"
    assert stack.serves() == stack.config_of("deploy-v1")
    assert stack.sagemaker.packages[package_arn(2)].approval_status == "Rejected"
    bad = stack.record("deploy-v2")
    assert (bad["outcome"], bad["alarm"], bad["rolled_back_by"]) == ("ROLLED_BACK", ALARM, result["rollback_id"])
    assert "went to ALARM (Invocation5XXErrors, threshold 1)" in bad["reason"]
    restore = stack.record(result["rollback_id"])
    assert (restore["outcome"], restore["restores"], restore["strategy"]) == ("SUCCEEDED", "deploy-v1", "ALL_AT_ONCE")
    (message,) = stack.machine.notifications()
    assert (message["kind"], message["outcome"], message["alarm"], message["metric"]) == (
        "rollback",
        "ROLLED_BACK",
        ALARM,
        "Invocation5XXErrors",
    )
    assert (message["threshold"], message["from_version"], message["to_version"]) == (1.0, 2, 1)
    updates = [args for op, args in stack.sagemaker.calls if op == "UpdateEndpoint"]
    assert updates[-1]["deployment"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["Type"] == "ALL_AT_ONCE"
    assert execution["stateMachineArn"] == stack.machine.rollback_arn
    (restore,) = [result for step, result in stack.machine.steps if step == "restore"]
    assert restore["mode"] == "already_requested"  # the rollback's took over the fast path's
    assert stack.machine.store.read_lock(ENDPOINT) is None


def test_alarm_ok_alarm_again_rolls_back_once(stack: Stack) -> None:
    stack.deploy(1)
    stack.deploy(2)
    stack.machine.after("register_wait", stack.endpoint_settles)
    first = stack.alarm()
    assert [e["status"] for e in stack.new_executions()] == ["SUCCEEDED"]
    assert stack.alarm("OK")["outcome"] == "ignored"
    again = stack.alarm()
    assert (again["outcome"], again["action"]) == ("ok", "RECORD")
    assert f"restored by rollback {first['rollback_id']}" in again["reason"]
    assert stack.new_executions() == []
    assert stack.serves() == stack.config_of("deploy-v1")
    assert stack.record(again["rollback_id"])["outcome"] == "SKIPPED"


def test_our_own_rejection_of_the_rolled_back_package_does_not_loop(stack: Stack) -> None:
    stack.deploy(1)
    stack.deploy(2)
    stack.machine.after("register_wait", stack.endpoint_settles)
    stack.alarm()
    stack.new_executions()
    echo = package_event(2, "Rejected", last_modified=datetime.now(UTC).isoformat())
    result = stack.approval_app.lambda_handler(echo, context())
    assert (result["action"], result["reason"]) == ("RECORD", "rejected before going live")
    assert stack.new_executions() == []


def test_rejecting_the_live_v2_restores_v1(stack: Stack) -> None:
    stack.deploy(1)
    stack.deploy(2)
    stack.machine.notifications()
    stack.machine.after("register_wait", stack.endpoint_settles)
    result = stack.reject(2)
    assert result["action"] == "ROLLBACK"
    (execution,) = stack.new_executions()
    assert execution["status"] == "SUCCEEDED"
    assert stack.serves() == stack.config_of("deploy-v1")
    bad = stack.record("deploy-v2")
    assert (bad["outcome"], bad["reason"]) == (
        "ROLLED_BACK",
        "rolled back after the rollout: model package version 2 was rejected",
    )
    (message,) = stack.machine.notifications()
    assert (message["outcome"], message["trigger"], message["rejected_model_package_arn"]) == (
        "ROLLED_BACK",
        "REJECTION",
        package_arn(2),
    )


def test_rejecting_a_package_that_is_not_live_changes_nothing(stack: Stack) -> None:
    stack.deploy(1)
    stack.deploy(2)
    result = stack.reject(1)
    assert result["action"] == "RECORD"
    assert stack.new_executions() == []
    assert stack.serves() == stack.config_of("deploy-v2")
    assert stack.record("deploy-v2")["outcome"] == "SUCCEEDED"


def test_with_only_v1_ever_deployed_an_alarm_changes_nothing_and_operators_are_told(stack: Stack) -> None:
    stack.deploy(1)
    stack.machine.notifications()
    result = stack.alarm()
    assert result["action"] == "NO_TARGET"
    assert stack.new_executions() == []
    assert stack.serves() == stack.config_of("deploy-v1")
    (message,) = stack.machine.notifications()
    assert (message["outcome"], message["from_version"], message["to"]) == ("NO_TARGET", 1, None)
    assert "approve a good version" in message["action_needed"]


def test_a_deleted_known_good_config_is_recreated_from_its_package(stack: Stack) -> None:
    stack.deploy(1)
    stack.deploy(2)
    gone = stack.config_of("deploy-v1")
    del stack.sagemaker.configs[gone]
    original = stack.sagemaker.update_endpoint

    def update(name: str, config_name: str, deployment_config: Any) -> None:
        if config_name not in stack.sagemaker.configs:
            raise RequestRejectedError("UpdateEndpoint", "ValidationException", "Could not find endpoint configuration")
        original(name, config_name, deployment_config)

    stack.sagemaker.update_endpoint = update  # type: ignore[method-assign]
    stack.machine.after("register_wait", stack.endpoint_settles)
    result = stack.alarm()
    assert result["fast_path"].startswith("UpdateEndpoint refused (ValidationException")
    (execution,) = stack.new_executions()
    assert execution["status"] == "SUCCEEDED"
    prepared = [result for step, result in stack.machine.steps if step == "recreate"][-1]
    assert (prepared["model_created"], prepared["endpoint_config_created"]) == (False, True)
    assert stack.serves() == gone  # recreated under its deterministic name, for the same fleet
    assert stack.sagemaker.configs[gone][0].model_name == stack.record("deploy-v1")["model_name"]
