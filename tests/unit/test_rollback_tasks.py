"""The Rollback state machine's tasks as RollbackTasksFunction runs them, on in-memory AWS, with the typed state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mlops_core.deploy.deployment import LockWaitExceededError
from mlops_core.deploy.preflight import EndpointView
from mlops_core.deploy.store import DeploymentKey
from mlops_core.events import ModelPackageStateChangeEvent, parse_event
from mlops_core.rollback.contract.state import RollbackState
from mlops_core.rollback.decision import Facts, decide, history_of
from mlops_core.rollback.plan import plan_rollback
from mlops_core.rollback.settings import RollbackTasksSettings
from mlops_core.rollback.tasks import RollbackTaskPorts, RollbackTasks, UnknownRollbackStepError
from mlops_core.rollback.triggers import Trigger, alarm_trigger, rejection_trigger, rollback_id
from mlops_core.timefmt import stamp
from tests.support.deploy.builders import ENDPOINT, ROLE, STACK, TOPIC
from tests.support.deploy.events import package_event, parsed_alarm
from tests.support.fakes.deploy import (
    FakeNotifier,
    FakeSageMaker,
    FakeStore,
    FakeWorkflows,
    deployment_fields,
    package_arn,
)

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
NOW = datetime(2024, 5, 1, 12, 31, tzinfo=UTC)
MAX_ATTEMPTS = 3


class Rollback:
    """Versions 1 and 2 deployed (2 live), the plan the trigger's function made, and the tasks of its execution."""

    def __init__(self, trigger: Trigger | None = None, *, recreate: bool = False) -> None:
        self.sagemaker = FakeSageMaker()
        self.store = FakeStore()
        self.notifier = FakeNotifier()
        settings = RollbackTasksSettings(
            stack_name=STACK,
            ledger_table_name="mlops-test-ledger",
            notification_topic_arn=TOPIC,
            endpoint_name=ENDPOINT,
            sagemaker_execution_role_arn=ROLE,
            deploy_lock_retry_seconds=7,
            deploy_lock_max_attempts=MAX_ATTEMPTS,
        )
        ports = RollbackTaskPorts(self.sagemaker, self.store, FakeWorkflows(), self.notifier)
        self.tasks = RollbackTasks(settings, ports, clock=lambda: NOW)
        for version, minutes in ((1, 0), (2, 20)):
            self.sagemaker.add_package(version)
            self.deployed(version, T0 + timedelta(minutes=minutes))
        self.sagemaker.add_live_endpoint(ENDPOINT, "c2", "m2")
        self.sagemaker.configs["c1"] = self.sagemaker.configs["c2"]
        self.trigger = trigger or alarm_trigger(parsed_alarm(endpoint=ENDPOINT))
        self.id = rollback_id(STACK, self.trigger)
        decision = decide(Facts(self.trigger, ENDPOINT, history_of(self.store.deployments(ENDPOINT))))
        plan = plan_rollback(decision, self.trigger, rollback_id=self.id, endpoint_name=ENDPOINT, recreate=recreate)
        execution = {"id": f"arn:aws:states:::execution:{self.id}", "name": self.id, "start_time": stamp(NOW)}
        self.state: dict[str, Any] = {"plan": plan.as_json(), "execution": execution}

    def deployed(self, version: int, started: datetime) -> None:
        self.store.save_deployment(
            DeploymentKey(ENDPOINT, started, f"deploy-v{version}"), deployment_fields(version, started)
        )

    def run(self, step: str, result_path: str | None = None, **extra: Any) -> dict[str, Any]:
        """Run ``step`` on the whole state, and store its result under ``result_path`` as the ASL does."""
        result = self.tasks.run({"step": step, "state": self.state, **extra})
        if result_path is not None:
            self.state[result_path] = result
        RollbackState.model_validate(self.state)  # the state stays what the contract says
        return result

    def through_wait(self, *, taken: bool = True) -> None:
        """TakeLock, Restore; then the endpoint finishes the update (or SageMaker gives up on it)."""
        assert self.run("take_lock", "lock")["decision"] == "acquired"
        self.run("restore", "restore")
        if taken:
            self.sagemaker.complete_update(ENDPOINT)
        else:
            self.sagemaker.roll_back(ENDPOINT, "new fleet failed health checks")
        self.state["signal"] = {"source": "endpoint_events", "status": "InService"}
        self.run("verify", "wait")

    def record(self, deployment_id: str) -> dict[str, Any]:
        found = next(r for r in self.store.deployments(ENDPOINT) if r.deployment_id == deployment_id)
        return found.model_dump(exclude_unset=True)


def rejected(version: int) -> Trigger:
    event = parse_event(package_event(version, "Rejected"))
    assert isinstance(event, ModelPackageStateChangeEvent)
    return rejection_trigger(event, "2024-05-01T12:30:00.000Z")


def test_take_lock_records_the_planned_restore_of_the_known_good_config() -> None:
    rollback = Rollback()
    assert rollback.run("take_lock", "lock")["decision"] == "acquired"
    record = rollback.record(rollback.id)
    assert (record["outcome"], record["rollback_of"], record["restores"]) == ("IN_PROGRESS", "deploy-v2", "deploy-v1")
    assert (record["endpoint_config_name"], record["strategy"]) == ("c1", "ALL_AT_ONCE")


def test_a_restore_verified_on_the_endpoint_rolls_the_bad_deployment_back_and_rejects_its_package() -> None:
    rollback = Rollback()
    rollback.through_wait()
    result = rollback.run("finish", "result")
    assert result["outcome"] == "SUCCEEDED"
    assert rollback.sagemaker.endpoints[ENDPOINT].config_name == "c1"
    bad = rollback.record("deploy-v2")
    assert (bad["outcome"], bad["rolled_back_by"], bad["alarm"]) == (
        "ROLLED_BACK",
        rollback.id,
        parsed_alarm().alarm_name,
    )
    assert rollback.sagemaker.packages[package_arn(2)].approval_status == "Rejected"
    reject = next(args for op, args in rollback.sagemaker.calls if op == "UpdateModelPackage")
    assert "went to ALARM (Invocation5XXErrors, threshold 1)" in reject["reason"]
    assert rollback.record(rollback.id)["outcome"] == "SUCCEEDED"
    assert rollback.store.read_lock(ENDPOINT) is None
    ((subject, message),) = rollback.notifier.sent
    assert subject == "[ROLLED_BACK] churn-endpoint v2 -> v1"
    assert message["durations"]["total_seconds"] == 0.0


def test_a_rejection_rolls_back_without_rejecting_the_package_again() -> None:
    rollback = Rollback(rejected(2))
    rollback.sagemaker.set_status(package_arn(2), "Rejected")
    rollback.through_wait()
    rollback.run("finish", "result")
    assert (
        rollback.record("deploy-v2")["reason"] == "rolled back after the rollout: model package version 2 was rejected"
    )
    assert "UpdateModelPackage" not in rollback.sagemaker.operations()


def test_a_plan_to_record_only_is_recorded_by_finish_and_changes_nothing() -> None:
    rollback = Rollback(rejected(1))  # RestoreOrRecord goes straight to RecordAndNotify
    assert rollback.state["plan"]["decision"] == "RECORD"
    assert rollback.run("finish", "result")["outcome"] == "SKIPPED"
    assert "is not live (v2 is)" in rollback.record(rollback.id)["reason"]
    assert rollback.record(rollback.id)["decision"] == "RECORD"
    assert rollback.record("deploy-v2")["outcome"] == "SUCCEEDED"
    assert rollback.notifier.sent == []
    assert "UpdateEndpoint" not in rollback.sagemaker.operations()


def test_a_deleted_config_is_recreated_from_the_known_good_package() -> None:
    rollback = Rollback(recreate=True)
    del rollback.sagemaker.configs["c1"]
    rollback.run("take_lock", "lock")
    recreated = rollback.run("recreate", "recreated")
    assert recreated["endpoint_config_name"].startswith(f"{STACK}-c1-")
    assert (recreated["model_created"], recreated["endpoint_config_created"]) == (True, True)
    model = next(args for op, args in rollback.sagemaker.calls if op == "CreateModel")
    assert (model["package"], model["tags"]["mlops:model-package-arn"]) == (package_arn(1), package_arn(1))
    rollback.run("restore", "restore")
    assert rollback.sagemaker.endpoints[ENDPOINT].pending_config_name == recreated["endpoint_config_name"]
    assert rollback.record(rollback.id)["endpoint_config_name"] == recreated["endpoint_config_name"]


def test_the_update_the_fast_path_requested_is_taken_over_not_requested_again() -> None:
    rollback = Rollback()
    rollback.sagemaker.update_endpoint(ENDPOINT, "c1", {})
    rollback.store.acquire_lock(ENDPOINT, rollback.id, NOW, 1800)
    assert rollback.run("take_lock", "lock")["decision"] == "acquired"
    assert rollback.run("restore", "restore")["mode"] == "already_requested"
    assert rollback.sagemaker.operations().count("UpdateEndpoint") == 1


def test_another_rollout_holding_the_endpoint_makes_the_rollback_skip() -> None:
    rollback = Rollback()
    rollback.store.acquire_lock(ENDPOINT, "deploy-v3", NOW, 1800)
    lock = rollback.run("take_lock", "lock")
    assert (lock["decision"], lock["outcome"]) == ("skip", "SKIPPED")
    assert "deploy-v3 holds churn-endpoint" in lock["reason"]
    assert rollback.run("finish", "result")["outcome"] == "SKIPPED"


def test_an_endpoint_changed_outside_the_system_is_waited_for_within_bounds_set_by_the_tasks_settings() -> None:
    rollback = Rollback()
    rollback.sagemaker.endpoints[ENDPOINT] = EndpointView(ENDPOINT, "Updating", "c2", pending_config_name="c9")
    busy = rollback.run("take_lock", "lock")
    assert (busy["decision"], busy["reason"]) == ("busy", "endpoint is Updating (not by this system)")
    assert (busy["attempt"], busy["retry_after_seconds"]) == (1, 7)  # WaitForTurn's SecondsPath
    assert rollback.store.read_lock(ENDPOINT) is None
    rollback.run("take_lock", "lock")
    with pytest.raises(LockWaitExceededError, match=f"after {MAX_ATTEMPTS} attempts"):
        rollback.run("take_lock", "lock")


def test_a_restore_the_endpoint_did_not_take_fails_without_blaming_any_package() -> None:
    rollback = Rollback()
    rollback.through_wait(taken=False)
    assert rollback.run("finish", "result")["outcome"] == "FAILED"
    assert rollback.record("deploy-v2")["outcome"] == "SUCCEEDED"
    assert "UpdateModelPackage" not in rollback.sagemaker.operations()
    ((subject, message),) = rollback.notifier.sent
    assert subject == "[ROLLBACK FAILED] churn-endpoint v2 -> v1"
    assert "the restore did not take" in message["reason"]
    assert rollback.store.read_lock(ENDPOINT) is None


def test_a_caught_error_fails_the_rollback_with_its_reason_and_releases_the_lock() -> None:
    rollback = Rollback()
    rollback.run("take_lock", "lock")
    rollback.state["error"] = {"Error": "TransientError", "Cause": '{"errorMessage": "UpdateEndpoint throttled"}'}
    assert rollback.run("finish", "result")["outcome"] == "FAILED"
    assert rollback.record(rollback.id)["reason"] == "TransientError: UpdateEndpoint throttled"
    assert rollback.store.read_lock(ENDPOINT) is None


def test_an_unknown_step_or_a_state_off_the_contract_is_refused() -> None:
    rollback = Rollback()
    with pytest.raises(UnknownRollbackStepError, match="expected one of"):
        rollback.run("deploy")
    with pytest.raises(ValueError, match="plan"):
        rollback.tasks.run({"step": "take_lock", "state": {"execution": rollback.state["execution"]}})
