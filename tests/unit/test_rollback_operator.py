"""RollbackFunction: an operator's request (``mlopsctl rollback``) → decided once, like an alarm, on in-memory AWS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mlops_core.deploy.ledger_items import DeploymentFields
from mlops_core.deploy.store import DeploymentKey
from mlops_core.rollback.contract.input import RollbackInput
from mlops_core.rollback.decision import Facts, decide, history_of
from mlops_core.rollback.hot_path import RollbackConfig, RollbackPorts
from mlops_core.rollback.operator import OPERATOR_KEY, OperatorRollbackRequest, Refusal, choose_version
from mlops_core.rollback.operator_requests import handle_operator
from mlops_core.rollback.triggers import Trigger, TriggerKind
from tests.support.deploy.builders import ENDPOINT, ROLLBACK_STATE_MACHINE, STACK, STATE_MACHINE
from tests.support.deploy.handlers import context, load_handler
from tests.support.fakes.deploy import (
    FakeNotifier,
    FakeSageMaker,
    FakeStore,
    FakeWorkflows,
    deployment_fields,
    rollout_in_progress,
)

CONFIG = RollbackConfig(STACK, ENDPOINT, "mlops-test-Endpoint", ROLLBACK_STATE_MACHINE, STATE_MACHINE, 1800)
T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
NOW = datetime(2024, 5, 1, 14, 0, tzinfo=UTC)
ANA = "arn:aws:iam::123456789012:user/ana"


class World:
    """Versions deployed in order by this system (the last one live), each registered and Approved."""

    def __init__(self, *versions: int) -> None:
        self.sagemaker = FakeSageMaker()
        self.store = FakeStore()
        self.workflows = FakeWorkflows()
        self.notifier = FakeNotifier()
        self.ports = RollbackPorts(self.store, self.sagemaker, self.workflows, self.notifier)
        for index, version in enumerate(versions):
            started = T0 + timedelta(minutes=20 * index)
            key = DeploymentKey(ENDPOINT, started, f"deploy-v{version}")
            self.store.save_deployment(key, deployment_fields(version, started))
            self.sagemaker.add_package(version)
        if versions:
            live = versions[-1]
            self.sagemaker.add_live_endpoint(ENDPOINT, f"c{live}", f"m{live}")
            for version in versions[:-1]:
                self.sagemaker.configs[f"c{version}"] = self.sagemaker.configs[f"c{live}"]
        self.sagemaker.calls.clear()

    def ask(self, to: int | None = None, *, request_id: str = "req-0001-aaaa", **changes: Any) -> dict[str, Any]:
        fields = {"request_id": request_id, "endpoint_name": ENDPOINT, "to_version": to, "reason": "bad answers"}
        request = OperatorRollbackRequest(**{**fields, "requested_by": ANA, **changes})
        return handle_operator(request, CONFIG, self.ports, NOW).as_dict()

    def plan(self) -> Any:
        ((_, execution_input),) = self.workflows.executions.items()
        return RollbackInput.model_validate(execution_input).plan


def test_an_operator_restores_the_last_known_good_model_through_the_alarms_path() -> None:
    world = World(1, 2)
    result = world.ask()
    assert (result["action"], result["from_version"], result["to_version"]) == ("RESTORE", 2, 1)
    assert "the last known-good" in result["reason"]
    assert world.sagemaker.endpoints[ENDPOINT].pending_config_name == "c1"
    plan = world.plan()
    assert (plan.decision, plan.target and plan.target.model_package_version) == ("RESTORE", 1)
    trigger = plan.trigger.model_dump(mode="json")
    assert (trigger["kind"], trigger["reason"], trigger["requested_by"]) == ("OPERATOR", "operator: bad answers", ANA)
    assert result["execution_arn"].endswith(f":{result['rollback_id']}")


def test_an_operator_names_an_earlier_version_that_served_and_is_approved() -> None:
    world = World(1, 2, 3)
    result = world.ask(1)
    assert (result["action"], result["from_version"], result["to_version"]) == ("RESTORE", 3, 1)
    assert "the operator's choice" in result["reason"]
    assert world.sagemaker.endpoints[ENDPOINT].pending_config_name == "c1"
    assert world.plan().target.endpoint_config_name == "c1"


@pytest.mark.parametrize(
    ("version", "set_up", "refusal"),
    [
        (7, lambda world: None, "there is no model package version 7 in the registry"),
        (1, lambda world: world.sagemaker.set_status(world.sagemaker.add_package(1), "Rejected"), "is Rejected"),
        (4, lambda world: world.sagemaker.add_package(4), "v4 never served churn-endpoint"),
        (3, lambda world: None, "v3 is what churn-endpoint serves now"),
    ],
)
def test_a_version_that_is_unknown_not_approved_live_or_never_served_is_refused_without_a_change(
    version: int, set_up: Any, refusal: str
) -> None:
    world = World(1, 2, 3)
    set_up(world)
    before = world.store.deployments(ENDPOINT)
    result = world.ask(version)
    assert result["action"] == "REFUSED"
    assert refusal in result["reason"]
    assert world.store.deployments(ENDPOINT) == before
    assert world.workflows.executions == {}
    assert world.store.read_lock(ENDPOINT) is None
    assert "UpdateEndpoint" not in world.sagemaker.operations()


def test_another_endpoint_is_refused() -> None:
    result = World(1, 2).ask(endpoint_name="other-endpoint")
    assert (result["action"], result["rollback_id"]) == ("REFUSED", None)


def test_nothing_to_restore_is_recorded_and_told_as_an_alarms_would_be() -> None:
    world = World(1)
    result = world.ask()
    assert result["action"] == "NO_TARGET"
    ((subject, message),) = world.notifier.sent
    assert subject == "[ROLLBACK IMPOSSIBLE] churn-endpoint v1: no known-good version"
    assert (message["trigger"], message["requested_by"]) == ("OPERATOR", ANA)
    record = world.store.deployments(ENDPOINT)[0]
    assert (record.deployment_id, record.outcome) == (result["rollback_id"], "SKIPPED")
    assert record.rollback_trigger is not None
    assert record.rollback_trigger.reason == "operator: bad answers"


def test_the_same_request_twice_converges_on_one_restore() -> None:
    world = World(1, 2)
    first = world.ask()
    second = world.ask()
    assert second["rollback_id"] == first["rollback_id"]
    assert (first["already_started"], second["already_started"]) == (False, True)
    assert len(world.workflows.executions) == 1
    other = world.ask(request_id="req-0002-bbbb")
    assert other["action"] == "RECORD"  # a new request finds the first one's lock
    assert first["rollback_id"] in other["reason"]


def test_a_request_answered_already_is_answered_from_its_record() -> None:
    world = World(1)
    first = world.ask()
    again = world.ask()
    assert (again["action"], again["rollback_id"], again["recorded_outcome"]) == (
        "NO_TARGET",
        first["rollback_id"],
        "SKIPPED",
    )
    assert "request received already" in again["reason"]
    assert len(world.notifier.sent) == 1


def test_a_deployment_in_progress_keeps_the_endpoint_and_the_request_is_recorded_not_retried() -> None:
    world = World(1, 2)
    live = rollout_in_progress(
        world.store, world.workflows, world.sagemaker, endpoint=ENDPOINT, holder="deploy-v3", now=NOW
    )
    result = world.ask()
    assert result["action"] == "RECORD"
    assert "deploy-v3 holds churn-endpoint" in result["reason"]
    world.sagemaker.endpoints[ENDPOINT] = live  # running, not updating: an alarm would be retried; this is answered
    waiting = world.ask(request_id="req-0003-cccc")
    assert (waiting["action"], "runs while the endpoint is InService" in waiting["reason"]) == ("RECORD", True)
    assert world.workflows.executions == {}


def test_a_named_version_is_chosen_even_when_the_live_model_was_restored_by_a_rollback() -> None:
    world = World(1, 2, 3)
    restored_at = T0 + timedelta(hours=2)
    fields = deployment_fields(2, restored_at).merged(DeploymentFields(rollback_of="deploy-v3"))
    world.store.save_deployment(DeploymentKey(ENDPOINT, restored_at, "mlops-test-rb-1"), fields)
    history = history_of(world.store.deployments(ENDPOINT))
    trigger = Trigger(TriggerKind.OPERATOR, "m", NOW, "operator: why")
    assert decide(Facts(trigger, ENDPOINT, history)).action == "RECORD"  # never past a restore, by itself
    package = world.sagemaker.describe_package(world.sagemaker.add_package(1))
    decision = choose_version(Facts(trigger, ENDPOINT, history), 1, package)
    assert not isinstance(decision, Refusal)
    assert (decision.action, decision.target and decision.target.deployment_id) == ("RESTORE", "deploy-v1")


def test_the_handler_answers_an_operator_request_and_ignores_a_malformed_one() -> None:
    module = load_handler("rollback")
    world = World(1, 2)
    module.dependencies = lambda: (CONFIG, world.ports)
    request = {"request_id": "req-0004-dddd", "endpoint_name": ENDPOINT, "reason": "why", "requested_by": ANA}
    result = module.lambda_handler({OPERATOR_KEY: request}, context())
    assert (result["outcome"], result["action"], result["to_version"]) == ("ok", "RESTORE", 1)
    bad = module.lambda_handler({OPERATOR_KEY: {**request, "to_version": 0}}, context())
    assert bad["outcome"] == "ignored"
    assert "to_version" in bad["reason"]
