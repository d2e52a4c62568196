"""The Deploy state machine's Lambda tasks, step by step, against in-memory SageMaker, ledger, SNS and SFN: verify,
finish, tags and skipped runs (the earlier steps: test_deploy_tasks.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mlops_core.deploy.tasks import UnknownStepError
from mlops_core.timefmt import stamp
from tests.support.deploy.builders import ALARMS, ENDPOINT, payload
from tests.support.deploy.deployment_tasks import Deployment
from tests.support.fakes.deploy import (
    package_arn,
)


@pytest.fixture
def deployment() -> Deployment:
    return Deployment()


def test_an_update_that_serves_the_new_config_succeeds(deployment: Deployment) -> None:
    deployment.live_on(3)
    deployment.sagemaker.add_package(4)
    state = deployment.through_deploy(4)
    deployment.sagemaker.complete_update(ENDPOINT)
    result = deployment.run("verify", 4, **state, wait={"rounds": 0}, signal={})
    assert (result["next"], result["outcome"]) == ("finish", "SUCCEEDED")


def test_a_silent_rollback_is_detected_the_alarm_named_and_the_package_rejected(deployment: Deployment) -> None:
    deployment.live_on(3)
    deployment.sagemaker.add_package(4)
    state = deployment.through_deploy(4)
    new_fleet_p99 = state["rollout"]["new_fleet_alarms"][1]
    deployment.fleet_alarms.fire(new_fleet_p99, deployment.now + timedelta(minutes=4), "p99 latency 900 ms > 250 ms")
    deployment.sagemaker.roll_back(ENDPOINT)
    deployment.now += timedelta(minutes=5)
    result = deployment.run("verify", 4, **state, wait={"rounds": 0}, signal={})
    assert result["outcome"] == "ROLLED_BACK"
    assert result["alarm"] == ALARMS[1]
    assert "p99 latency 900 ms > 250 ms" in result["reason"]
    assert deployment.sagemaker.packages[package_arn(4)].approval_status == "Rejected"
    rejection = next(args for op, args in deployment.sagemaker.calls if op == "UpdateModelPackage")
    assert rejection["reason"] == result["reason"]


def test_annotate_mode_keeps_the_rolled_back_package_approved_and_notes_why() -> None:
    deployment = Deployment(rolled_back_package_action="annotate")
    deployment.live_on(3)
    deployment.sagemaker.add_package(4)
    state = deployment.through_deploy(4)
    deployment.fleet_alarms.fire(state["rollout"]["new_fleet_alarms"][0], deployment.now + timedelta(minutes=4))
    deployment.sagemaker.roll_back(ENDPOINT, "errors")
    deployment.now += timedelta(minutes=5)
    deployment.run("verify", 4, **state, wait={"rounds": 0}, signal={})
    package = deployment.sagemaker.packages[package_arn(4)]
    assert package.approval_status == "Approved"
    assert dict(package.customer_metadata)["mlops-last-deployment-outcome"] == "ROLLED_BACK"


def test_a_rollback_without_a_new_fleet_alarm_is_recorded_with_sagemakers_reason_and_leaves_the_approval(
    deployment: Deployment,
) -> None:
    deployment.live_on(3)
    deployment.sagemaker.add_package(4)
    state = deployment.through_deploy(4)
    deployment.alarms.fire(ALARMS[0], deployment.now + timedelta(minutes=4))  # both fleets: the old fleet errs
    deployment.sagemaker.roll_back(ENDPOINT, "health check failed")
    result = deployment.run("verify", 4, **state, wait={"rounds": 0}, signal={})
    assert (result["outcome"], result.get("alarm")) == ("ROLLED_BACK", None)
    assert "health check failed" in result["reason"]
    assert "no rollback alarm on the new fleet" in result["reason"]
    assert deployment.sagemaker.packages[package_arn(4)].approval_status == "Approved"
    assert "UpdateModelPackage" not in deployment.sagemaker.operations()


def test_finish_records_outcome_and_timings_releases_the_lock_and_notifies(deployment: Deployment) -> None:
    deployment.live_on(3)
    deployment.sagemaker.add_package(4)
    state = deployment.through_deploy(4)
    deployment.now += timedelta(minutes=12)
    deployment.sagemaker.complete_update(ENDPOINT)
    state["wait"] = deployment.run("verify", 4, **state, wait={"rounds": 0}, signal={})
    full = payload("finish", 4, **state)
    assert deployment.tasks.run(full)["outcome"] == "SUCCEEDED"
    record = deployment.record(4)
    assert (record["outcome"], record["finished_at"]) == ("SUCCEEDED", stamp(deployment.now))
    assert record["durations"]["total_seconds"] == 720.0
    assert deployment.store.read_lock(ENDPOINT) is None
    subject, message = deployment.notifier.sent[-1]
    assert subject == f"[SUCCEEDED] {ENDPOINT} v4"
    assert {k: message[k] for k in ("kind", "endpoint_name", "model_package_version", "strategy", "outcome")} == {
        "kind": "deployment",
        "endpoint_name": ENDPOINT,
        "model_package_version": 4,
        "strategy": "CANARY",
        "outcome": "SUCCEEDED",
    }


def test_finish_after_a_caught_error_records_failed_with_the_reason_and_frees_the_lock(deployment: Deployment) -> None:
    deployment.sagemaker.add_package(3)
    plan = deployment.run("preflight", 3)
    deployment.run("acquire_lock", 3, plan=plan, lock={"attempt": 0})
    error = {"Error": "RequestRejectedError", "Cause": '{"errorMessage": "CreateModel was refused: AccessDenied"}'}
    result = deployment.tasks.run(payload("finish", 3, plan=plan, error=error))
    assert result["outcome"] == "FAILED"
    assert deployment.record(3)["reason"] == "RequestRejectedError: CreateModel was refused: AccessDenied"
    assert deployment.store.read_lock(ENDPOINT) is None
    assert deployment.notifier.sent[-1][1]["outcome"] == "FAILED"


def test_an_unknown_step_is_refused_by_name(deployment: Deployment) -> None:
    with pytest.raises(UnknownStepError, match="unknown step 'launch'"):
        deployment.tasks.run({"step": "launch"})


def test_a_verified_update_tags_the_endpoint_with_the_package_it_serves(deployment: Deployment) -> None:
    deployment.live_on(3)
    deployment.sagemaker.add_package(4)
    state = deployment.through_deploy(4)
    deployment.sagemaker.complete_update(ENDPOINT)

    deployment.run("verify", 4, **state, wait={"rounds": 0}, signal={})

    (tagged,) = deployment.sagemaker.tags.values()
    assert tagged["mlops:model-package-arn"] == package_arn(4)


def test_an_update_sagemaker_rolled_back_leaves_the_tag_of_the_package_that_serves(deployment: Deployment) -> None:
    deployment.live_on(3)
    tags_before = {arn: dict(tags) for arn, tags in deployment.sagemaker.tags.items()}
    deployment.sagemaker.add_package(4)
    state = deployment.through_deploy(4)
    deployment.sagemaker.roll_back(ENDPOINT)

    deployment.run("verify", 4, **state, wait={"rounds": 0}, signal={})

    assert deployment.sagemaker.tags == tags_before
    assert "AddTags" not in deployment.sagemaker.operations()


def test_a_run_finding_its_package_already_live_is_recorded_skipped_and_not_announced(deployment: Deployment) -> None:
    deployment.live_on(3)
    plan = deployment.run("preflight", 3)
    lock = deployment.run("acquire_lock", 3, plan=plan, lock={"attempt": 0})
    sent = len(deployment.notifier.sent)

    result = deployment.tasks.run(payload("finish", 3, plan=plan, lock=lock))

    assert (result["outcome"], result["reason"]) == ("SKIPPED", "already live")
    assert deployment.record(3)["outcome"] == "SKIPPED"
    assert len(deployment.notifier.sent) == sent


def test_a_run_skipped_because_its_package_was_rejected_meanwhile_is_announced(deployment: Deployment) -> None:
    deployment.sagemaker.add_package(3)
    plan = deployment.run("preflight", 3)
    deployment.sagemaker.set_status(package_arn(3), "Rejected")
    lock = deployment.run("acquire_lock", 3, plan=plan, lock={"attempt": 0})

    deployment.tasks.run(payload("finish", 3, plan=plan, lock=lock))

    assert deployment.notifier.sent[-1][1]["reason"] == "model package is now Rejected"
