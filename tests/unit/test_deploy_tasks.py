"""The Deploy state machine's Lambda tasks, step by step, against in-memory SageMaker, ledger, SNS and SFN: preflight,
the lock, prepare, deploy and the wait (verify and finish: test_deploy_tasks_outcomes.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mlops_core.deploy.deployment import DeploymentTimeoutError, LockWaitExceededError, PreflightFailedError
from mlops_core.deploy.preflight import EndpointView
from mlops_core.deploy.store import LockLostError
from mlops_core.timefmt import stamp
from tests.support.deploy.builders import ALARMS, ENDPOINT, ROLE, execution, payload
from tests.support.deploy.deployment_tasks import Deployment
from tests.support.fakes.deploy import (
    package_arn,
)


@pytest.fixture
def deployment() -> Deployment:
    return Deployment()


def test_preflight_plans_and_records_the_deployment_with_its_trigger_chain(deployment: Deployment) -> None:
    deployment.sagemaker.add_package(3)
    plan = deployment.run("preflight", 3)
    record = deployment.record(3)
    assert record["outcome"] == "IN_PROGRESS"
    assert record["endpoint_config_name"] == plan["endpoint_config_name"]
    assert record["strategy"] == "CANARY"
    assert record["trigger_chain"]["pipeline_execution_arn"].endswith("pipeline/train/execution/3")
    assert record["trigger_chain"]["lineage"] == {"data_batch": "batch-3"}
    assert record["trigger_chain"]["approval"]["event_id"] == "event-3"


def test_failed_preflight_changes_nothing_on_the_endpoint_and_gives_every_reason(deployment: Deployment) -> None:
    deployment.sagemaker.add_package(3, status="Rejected")
    deployment.alarms.alarms.pop(ALARMS[1])
    with pytest.raises(PreflightFailedError) as failure:
        deployment.run("preflight", 3)
    assert "model package is Rejected, not Approved" in str(failure.value)
    assert f"rollback alarm(s) not found: {ALARMS[1]}" in str(failure.value)
    assert set(deployment.sagemaker.operations()) <= {
        "DescribeModelPackage",
        "DescribeEndpoint",
        "DescribeEndpointConfig",
    }


def test_preflight_refuses_an_endpoint_this_stack_does_not_own(deployment: Deployment) -> None:
    deployment.sagemaker.add_package(3)
    foreign = payload("preflight", 3)
    foreign["state"]["request"]["endpoint_name"] = "someone-elses-endpoint"
    with pytest.raises(PreflightFailedError, match="this stack deploys to churn-endpoint, not someone-elses-endpoint"):
        deployment.tasks.run(foreign)


def test_unreadable_alarms_fail_preflight_with_the_reason(deployment: Deployment) -> None:
    deployment.sagemaker.add_package(3)
    deployment.alarms.unreadable = True
    with pytest.raises(PreflightFailedError, match=r"rollback alarms cannot be read: .*AccessDenied"):
        deployment.run("preflight", 3)


def test_the_lock_is_taken_and_the_wait_for_it_recorded(deployment: Deployment) -> None:
    deployment.sagemaker.add_package(3)
    plan = deployment.run("preflight", 3)
    deployment.now += timedelta(seconds=2)
    lock = deployment.run("acquire_lock", 3, plan=plan, lock={"attempt": 0})
    assert lock == {"decision": "acquired", "attempt": 1, "acquired_at": stamp(deployment.now)}
    assert deployment.store.read_lock(ENDPOINT).deployment_id == execution(3)["name"]


def test_a_second_deployment_waits_while_the_endpoint_is_locked_and_proceeds_once_released(
    deployment: Deployment,
) -> None:
    deployment.sagemaker.add_package(3)
    deployment.store.acquire_lock(ENDPOINT, "other-deployment", deployment.now, 1800)
    plan = deployment.run("preflight", 3)
    busy = deployment.run("acquire_lock", 3, plan=plan, lock={"attempt": 0})
    assert busy == {
        "decision": "busy",
        "attempt": 1,
        "reason": "endpoint locked by deployment other-deployment",
        "retry_after_seconds": 60,
    }
    deployment.store.release_lock(ENDPOINT, "other-deployment")
    assert deployment.run("acquire_lock", 3, plan=plan, lock=busy)["decision"] == "acquired"


def test_an_expired_lock_is_taken_over(deployment: Deployment) -> None:
    deployment.sagemaker.add_package(3)
    deployment.store.acquire_lock(ENDPOINT, "crashed-deployment", deployment.now - timedelta(hours=3), 1800)
    plan = deployment.run("preflight", 3)
    assert deployment.run("acquire_lock", 3, plan=plan, lock={"attempt": 0})["decision"] == "acquired"


def test_waiting_for_the_lock_is_bounded(deployment: Deployment) -> None:
    deployment.sagemaker.add_package(3)
    deployment.store.acquire_lock(ENDPOINT, "stuck-deployment", deployment.now, 1800)
    plan = deployment.run("preflight", 3)
    with pytest.raises(LockWaitExceededError, match="stuck-deployment; gave up after 120 attempts"):
        deployment.run("acquire_lock", 3, plan=plan, lock={"attempt": 119})


def test_an_older_version_waiting_for_the_lock_is_superseded_by_a_newer_approval(deployment: Deployment) -> None:
    deployment.sagemaker.add_package(3)
    plan = deployment.run("preflight", 3)
    deployment.sagemaker.add_package(4)
    result = deployment.run("acquire_lock", 3, plan=plan, lock={"attempt": 0})
    assert result["decision"] == "skip"
    assert result["outcome"] == "SUPERSEDED"
    assert "version 4 of churn is approved and newer than 3" in result["reason"]
    assert deployment.store.read_lock(ENDPOINT) is None


def test_a_package_rejected_while_waiting_is_not_deployed(deployment: Deployment) -> None:
    deployment.sagemaker.add_package(3)
    plan = deployment.run("preflight", 3)
    deployment.sagemaker.set_status(package_arn(3), "Rejected")
    result = deployment.run("acquire_lock", 3, plan=plan, lock={"attempt": 0})
    assert (result["decision"], result["outcome"], result["reason"]) == (
        "skip",
        "SKIPPED",
        "model package is now Rejected",
    )


def test_a_package_live_already_when_its_turn_comes_is_skipped_and_the_lock_freed(deployment: Deployment) -> None:
    deployment.live_on(3)
    plan = deployment.run("preflight", 3)
    result = deployment.run("acquire_lock", 3, plan=plan, lock={"attempt": 0})
    assert (result["decision"], result["outcome"], result["reason"]) == ("skip", "SKIPPED", "already live")
    assert deployment.store.read_lock(ENDPOINT) is None


def test_an_endpoint_updated_by_someone_else_is_waited_for(deployment: Deployment) -> None:
    deployment.live_on(3)
    deployment.sagemaker.add_package(4)
    plan = deployment.run("preflight", 4)
    deployment.sagemaker.endpoints[ENDPOINT] = EndpointView(ENDPOINT, "Updating", "console-config")
    result = deployment.run("acquire_lock", 4, plan=plan, lock={"attempt": 0})
    assert result["decision"] == "busy"
    assert "endpoint is Updating" in result["reason"]
    assert deployment.store.read_lock(ENDPOINT) is None


def test_prepare_creates_the_model_from_the_package_and_the_config_once(deployment: Deployment) -> None:
    deployment.sagemaker.add_package(3)
    plan = deployment.run("preflight", 3)
    first = deployment.run("prepare", 3, plan=plan)
    again = deployment.run("prepare", 3, plan=plan)
    assert first == {"model_created": True, "endpoint_config_created": True}
    assert again == {"model_created": False, "endpoint_config_created": False}
    create = next(args for op, args in deployment.sagemaker.calls if op == "CreateModel")
    assert (create["package"], create["role"]) == (package_arn(3), ROLE)
    assert create["tags"]["mlops:stack"] == "mlops-test"


def test_the_first_deployment_creates_the_endpoint(deployment: Deployment) -> None:
    deployment.sagemaker.add_package(3)
    state = deployment.through_deploy(3)
    assert state["rollout"]["mode"] == "create"
    assert deployment.sagemaker.endpoints[ENDPOINT].config_name == state["plan"]["endpoint_config_name"]


def test_a_later_deployment_is_a_canary_update_with_auto_rollback(deployment: Deployment) -> None:
    deployment.live_on(3)
    deployment.sagemaker.add_package(4)
    state = deployment.through_deploy(4)
    assert state["rollout"]["mode"] == "update"
    update = next(args for op, args in deployment.sagemaker.calls if op == "UpdateEndpoint")
    routing = update["deployment"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]
    assert routing["Type"] == "CANARY"
    # the guardrails watch copies of the rollback alarms restricted to the new fleet (EndpointConfigName)
    copies = state["rollout"]["new_fleet_alarms"]
    assert [deployment.fleet_alarms.copies[c] for c in copies] == list(ALARMS)
    assert all(c.startswith(state["plan"]["endpoint_config_name"] + "-newfleet-") for c in copies)
    assert update["deployment"]["AutoRollbackConfiguration"] == {"Alarms": [{"AlarmName": a} for a in copies]}
    assert "CreateEndpoint" not in deployment.sagemaker.operations()


def test_a_retried_deploy_step_does_not_start_a_second_update(deployment: Deployment) -> None:
    deployment.live_on(3)
    deployment.sagemaker.add_package(4)
    state = deployment.through_deploy(4)
    again = deployment.run("deploy", 4, plan=state["plan"])
    assert again["mode"] == "already_requested"
    assert deployment.sagemaker.operations().count("UpdateEndpoint") == 1


def test_the_wait_stores_its_token_and_the_update_keeps_the_endpoint_busy(deployment: Deployment) -> None:
    deployment.live_on(3)
    deployment.sagemaker.add_package(4)
    state = deployment.through_deploy(4)
    result = deployment.run("register_wait", 4, plan=state["plan"], task_token="token-1")
    assert result == {"resumed": False}
    assert deployment.store.read_lock(ENDPOINT).task_token == "token-1"


def test_the_wait_resumes_itself_when_the_endpoint_has_already_settled(deployment: Deployment) -> None:
    deployment.sagemaker.add_package(3)
    state = deployment.through_deploy(3)
    deployment.workflows.live_tokens.add("token-1")
    result = deployment.run("register_wait", 3, plan=state["plan"], task_token="token-1")
    assert result == {"resumed": True}
    assert deployment.workflows.resumed == [("token-1", {"source": "register_wait", "status": "InService"})]
    assert deployment.store.read_lock(ENDPOINT).task_token is None


def test_a_wait_whose_lock_was_taken_over_fails(deployment: Deployment) -> None:
    deployment.sagemaker.add_package(3)
    state = deployment.through_deploy(3)
    deployment.store.locks[ENDPOINT]["owner"] = "another-deployment"
    with pytest.raises(LockLostError):
        deployment.run("register_wait", 3, plan=state["plan"], task_token="token-1")


def test_verify_waits_again_while_the_endpoint_updates_and_counts_only_timeouts(deployment: Deployment) -> None:
    deployment.live_on(3)
    deployment.sagemaker.add_package(4)
    state = deployment.through_deploy(4)
    resumed = deployment.run("verify", 4, **state, wait={"rounds": 0}, signal={"source": "event"})
    timed_out = deployment.run("verify", 4, **state, wait={"rounds": 0}, signal={"Error": "States.Timeout"})
    assert (resumed["next"], resumed["rounds"]) == ("wait", 0)
    assert (timed_out["next"], timed_out["rounds"]) == ("wait", 1)


def test_verify_gives_up_after_the_second_fallback_wait(deployment: Deployment) -> None:
    deployment.live_on(3)
    deployment.sagemaker.add_package(4)
    state = deployment.through_deploy(4)
    with pytest.raises(DeploymentTimeoutError, match=r"endpoint is Updating after 2 fallback waits \(4800 s\)"):
        deployment.run("verify", 4, **state, wait={"rounds": 1}, signal={"Error": "States.Timeout"})


def test_the_fallback_wait_is_the_updates_own_maximum_and_the_lock_outlives_it(deployment: Deployment) -> None:
    deployment.live_on(3)
    deployment.sagemaker.add_package(4)
    state = deployment.through_deploy(4)
    # MaximumExecutionTimeoutInSeconds 1800 + TerminationWaitInSeconds 300 + 300 s for SageMaker's own rollback
    assert state["rollout"]["wait_timeout_seconds"] == 2400
    deployment.run("register_wait", 4, **state, task_token="token-4")
    lock = deployment.store.read_lock(ENDPOINT)
    assert lock is not None
    assert lock.expires_at >= (deployment.now + timedelta(seconds=2400)).timestamp()
