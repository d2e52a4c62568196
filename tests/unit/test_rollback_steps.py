"""A rollback's steps as DeployTasksFunction runs them (``request.mode == "rollback"``), on in-memory AWS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mlops_core.adapters.deployments import DeploymentKey
from mlops_core.domain.deployment import LockWaitExceededError, Timing, iso
from mlops_core.domain.preflight import EndpointView
from mlops_core.domain.rollback_plan import rollback_input
from mlops_core.domain.rollback_triggers import Trigger, alarm_trigger, rejection_trigger, rollback_id
from mlops_core.events import ModelPackageStateChangeEvent, parse_event
from mlops_core.services.deploy import DeployPorts, DeployTasks
from tests.deploy_support.builders import ALARMS, ENDPOINT, STACK, deploy_settings
from tests.deploy_support.events import package_event
from tests.deploy_support.fakes import (
    FakeAlarms,
    FakeArtifacts,
    FakeFleetAlarms,
    FakeNotifier,
    FakeSageMaker,
    FakeWorkflows,
    package_arn,
)
from tests.unit.test_rollback_plan import parsed_alarm
from tests.unit.test_rollback_service import LedgerLikeStore

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
NOW = datetime(2024, 5, 1, 12, 31, tzinfo=UTC)
TIMING = Timing(0, 3)


class Rollback:
    """Versions 1 and 2 deployed (2 live) and the tasks of one rollback execution, on in-memory AWS."""

    def __init__(self, trigger: Trigger | None = None) -> None:
        self.sagemaker = FakeSageMaker()
        self.store = LedgerLikeStore()
        self.notifier = FakeNotifier()
        alarms, fleet = FakeAlarms(*ALARMS), FakeFleetAlarms()
        ports = DeployPorts(self.sagemaker, alarms, self.store, FakeWorkflows(), self.notifier, fleet, FakeArtifacts())
        self.tasks = DeployTasks(deploy_settings(), ports, clock=lambda: NOW)
        for version, minutes in ((1, 0), (2, 20)):
            self.sagemaker.add_package(version)
            self.deployed(version, T0 + timedelta(minutes=minutes))
        self.sagemaker.add_live_endpoint(ENDPOINT, "c2", "m2")
        self.sagemaker.configs["c1"] = self.sagemaker.configs["c2"]
        self.trigger = trigger or alarm_trigger(parsed_alarm(endpoint=ENDPOINT))
        self.id = rollback_id(STACK, self.trigger)
        self.request = rollback_input(ENDPOINT, self.trigger, TIMING)["request"]
        self.execution = {"id": f"arn:aws:states:::execution:{self.id}", "name": self.id, "start_time": iso(NOW)}

    def deployed(self, version: int, started: datetime) -> None:
        fields = {
            "model_package_arn": package_arn(version),
            "model_package_version": version,
            "model_name": f"m{version}",
            "endpoint_config_name": f"c{version}",
            "outcome": "SUCCEEDED",
            "rollout_started_at": iso(started + timedelta(minutes=1)),
            "finished_at": iso(started + timedelta(minutes=10)),
        }
        self.store.save_deployment(DeploymentKey(ENDPOINT, started, f"deploy-v{version}"), fields)

    def run(self, step: str, **extra: Any) -> dict[str, Any]:
        base = {"step": step, "execution": self.execution, "request": self.request, "timing": TIMING.as_dict()}
        return self.tasks.run(base | extra)

    def through_wait(self, *, taken: bool = True) -> dict[str, Any]:
        """Preflight, lock, prepare, deploy; then the endpoint finishes the update (or SageMaker gives up on it and
        keeps the old config). The state so far."""
        plan = self.run("preflight")
        lock = self.run("acquire_lock", plan=plan, lock={"attempt": 0})
        assert lock["decision"] == "acquired"
        self.run("prepare", plan=plan)
        rollout = self.run("deploy", plan=plan)
        if taken:
            self.sagemaker.complete_update(ENDPOINT)
        else:
            self.sagemaker.roll_back(ENDPOINT, "new fleet failed health checks")
        wait = self.run("verify", plan=plan, rollout=rollout, wait={"rounds": 0}, signal={"status": "InService"})
        return {"request": self.request, "timing": TIMING.as_dict(), "plan": plan, "lock": lock, "rollout": rollout,
                "wait": wait}  # fmt: skip

    def finish(self, state: dict[str, Any]) -> dict[str, Any]:
        return self.tasks.run({"step": "finish", "execution": self.execution, "state": state})

    def record(self, deployment_id: str) -> dict[str, Any]:
        return next(r for r in self.store.deployments(ENDPOINT) if r["deployment_id"] == deployment_id)


def rejected(version: int) -> Trigger:
    event = parse_event(package_event(version, "Rejected"))
    assert isinstance(event, ModelPackageStateChangeEvent)
    return rejection_trigger(event, "2024-05-01T12:30:00.000Z")


def test_preflight_plans_the_known_good_config_and_records_the_rollback() -> None:
    rollback = Rollback()
    plan = rollback.run("preflight")
    assert (plan["decision"], plan["endpoint_config_name"], plan["strategy"]) == ("RESTORE", "c1", "ALL_AT_ONCE")
    record = rollback.record(rollback.id)
    assert (record["outcome"], record["rollback_of"], record["restores"]) == ("IN_PROGRESS", "deploy-v2", "deploy-v1")
    assert rollback.run("preflight") == plan  # a retried preflight ignores its own record


def test_a_restore_verified_on_the_endpoint_rolls_the_bad_deployment_back_and_rejects_its_package() -> None:
    rollback = Rollback()
    result = rollback.finish(rollback.through_wait())
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
    rollback.finish(rollback.through_wait())
    assert (
        rollback.record("deploy-v2")["reason"] == "rolled back after the rollout: model package version 2 was rejected"
    )
    assert "UpdateModelPackage" not in rollback.sagemaker.operations()


def test_rejecting_a_package_that_is_not_live_is_recorded_and_changes_nothing() -> None:
    rollback = Rollback(rejected(1))
    plan = rollback.run("preflight")
    lock = rollback.run("acquire_lock", plan=plan, lock={"attempt": 0})
    assert (lock["decision"], lock["outcome"]) == ("skip", "SKIPPED")
    result = rollback.finish({"request": rollback.request, "plan": plan, "lock": lock})
    assert result["outcome"] == "SKIPPED"
    assert "is not live (v2 is)" in rollback.record(rollback.id)["reason"]
    assert rollback.record("deploy-v2")["outcome"] == "SUCCEEDED"
    assert rollback.notifier.sent == []
    assert "UpdateEndpoint" not in rollback.sagemaker.operations()


def test_a_deleted_config_is_recreated_from_the_known_good_package() -> None:
    rollback = Rollback()
    del rollback.sagemaker.configs["c1"]
    plan = rollback.run("preflight")
    assert plan["endpoint_config_name"].startswith(f"{STACK}-c1-")
    rollback.run("acquire_lock", plan=plan, lock={"attempt": 0})
    rollback.run("prepare", plan=plan)
    model = next(args for op, args in rollback.sagemaker.calls if op == "CreateModel")
    assert (model["package"], model["tags"]["mlops:model-package-arn"]) == (package_arn(1), package_arn(1))
    rollback.run("deploy", plan=plan)
    assert rollback.sagemaker.endpoints[ENDPOINT].pending_config_name == plan["endpoint_config_name"]


def test_the_update_the_fast_path_requested_is_taken_over_not_requested_again() -> None:
    rollback = Rollback()
    rollback.sagemaker.update_endpoint(ENDPOINT, "c1", {})
    rollback.store.acquire_lock(ENDPOINT, rollback.id, NOW, 1800)
    plan = rollback.run("preflight")
    assert rollback.run("acquire_lock", plan=plan, lock={"attempt": 0})["decision"] == "acquired"
    assert rollback.run("deploy", plan=plan)["mode"] == "already_requested"
    assert rollback.sagemaker.operations().count("UpdateEndpoint") == 1


def test_another_rollout_holding_the_endpoint_makes_the_rollback_skip() -> None:
    rollback = Rollback()
    plan = rollback.run("preflight")
    rollback.store.acquire_lock(ENDPOINT, "deploy-v3", NOW, 1800)
    lock = rollback.run("acquire_lock", plan=plan, lock={"attempt": 0})
    assert (lock["decision"], lock["outcome"]) == ("skip", "SKIPPED")
    assert "deploy-v3 holds churn-endpoint" in lock["reason"]


def test_an_endpoint_changed_outside_the_system_is_waited_for_within_bounds() -> None:
    rollback = Rollback()
    plan = rollback.run("preflight")
    rollback.sagemaker.endpoints[ENDPOINT] = EndpointView(ENDPOINT, "Updating", "c2", pending_config_name="c9")
    busy = rollback.run("acquire_lock", plan=plan, lock={"attempt": 0})
    assert (busy["decision"], busy["reason"]) == ("busy", "endpoint is Updating (not by this system)")
    assert rollback.store.read_lock(ENDPOINT) is None
    with pytest.raises(LockWaitExceededError):
        rollback.run("acquire_lock", plan=plan, lock={"attempt": TIMING.lock_max_attempts - 1})


def test_a_restore_the_endpoint_did_not_take_fails_without_blaming_any_package() -> None:
    rollback = Rollback()
    result = rollback.finish(rollback.through_wait(taken=False))
    assert result["outcome"] == "FAILED"
    assert rollback.record("deploy-v2")["outcome"] == "SUCCEEDED"
    assert "UpdateModelPackage" not in rollback.sagemaker.operations()
    ((subject, message),) = rollback.notifier.sent
    assert subject == "[ROLLBACK FAILED] churn-endpoint v2 -> v1"
    assert "the restore did not take" in message["reason"]
    assert rollback.store.read_lock(ENDPOINT) is None
