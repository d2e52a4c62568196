"""The Deploy state machine, executed by moto's Step Functions interpreter with the real handlers in process.

SageMaker is the in-memory fake here (moto lacks UpdateEndpoint outside the local stack's emulator); the ledger,
Step Functions and SNS are moto. Each test names the states and outcomes it drives, so every Choice literal and
every Catch of the ASL is exercised (:data:`EXERCISED_BY`, checked by the last test).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from mlops_core.aws.errors import RequestRejectedError
from mlops_core.deploy.fleet_alarm_rules import fleet_alarm_name
from mlops_core.errors import TransientError
from tests.support.deploy.asl_runs import endpoint_reports, execution_input, live_on
from tests.support.deploy.builders import ALARMS, ENDPOINT
from tests.support.deploy.sfn import DeployMachine
from tests.support.fakes.deploy import FakeAlarms, FakeSageMaker, package_arn
from tests.support.files import ROOT

ASL_PATH = ROOT / "statemachines" / "deploy.asl.json"

#: Each Choice literal (state, value) and each Catch (state, error) → the test of this module driving it.
EXERCISED_BY = {
    ("LockDecision", "acquired"): "test_first_deployment_creates_the_endpoint_and_succeeds",
    ("LockDecision", "busy"): "test_a_deployment_waits_its_turn_while_another_holds_the_endpoint",
    ("LockDecision", "Default"): "test_an_older_approval_is_superseded_by_a_newer_one",
    ("RolloutSettled", "wait"): "test_without_an_event_the_timeout_fallback_checks_the_endpoint_and_waits_again",
    ("RolloutSettled", "Default"): "test_canary_update_waits_for_the_endpoint_event_and_succeeds",
    ("Outcome", "SUCCEEDED"): "test_canary_update_waits_for_the_endpoint_event_and_succeeds",
    (
        "Outcome",
        "ROLLED_BACK",
    ): "test_a_rollback_during_the_canary_fails_the_deployment_names_the_alarm_and_rejects_the_package",
    ("Outcome", "FAILED"): "test_a_failed_preflight_changes_nothing_and_reports_why",
    ("Outcome", "Default"): "test_an_older_approval_is_superseded_by_a_newer_one",
    ("Preflight", "States.ALL"): "test_a_failed_preflight_changes_nothing_and_reports_why",
    ("AcquireLock", "States.ALL"): "test_a_deployment_is_failed_when_it_waits_too_long_for_the_lock",
    ("Prepare", "States.ALL"): "test_a_refused_request_fails_the_deployment_with_the_aws_reason",
    ("Deploy", "States.ALL"): "test_a_refused_update_fails_the_deployment_and_frees_the_endpoint",
    (
        "WaitForEndpoint",
        "States.Timeout",
    ): "test_without_an_event_the_timeout_fallback_checks_the_endpoint_and_waits_again",
    ("WaitForEndpoint", "States.ALL"): "test_losing_the_lock_while_waiting_fails_the_deployment_through_the_catch",
    ("Verify", "States.ALL"): "test_a_verification_error_fails_the_deployment_and_frees_the_endpoint",
}


def test_first_deployment_creates_the_endpoint_and_succeeds(machine: DeployMachine, sagemaker: FakeSageMaker) -> None:
    sagemaker.add_package(2)
    done = machine.run(execution_input(2))
    assert done["status"] == "SUCCEEDED"
    assert machine.step_names() == [
        "preflight",
        "acquire_lock",
        "prepare",
        "deploy",
        "register_wait",
        "verify",
        "finish",
    ]
    assert "CreateEndpoint" in sagemaker.operations()
    record = machine.store.deployments(ENDPOINT)[0]
    assert record.outcome == "SUCCEEDED"
    assert machine.store.read_lock(ENDPOINT) is None
    (message,) = machine.notifications()
    assert (message["outcome"], message["model_package_version"], message["strategy"]) == ("SUCCEEDED", 2, "CANARY")
    assert machine.states_entered(done["executionArn"])[-2:] == ["Outcome", "Deployed"]


def test_canary_update_waits_for_the_endpoint_event_and_succeeds(
    machine: DeployMachine, sagemaker: FakeSageMaker
) -> None:
    live_on(machine, sagemaker, 2)
    sagemaker.add_package(3)
    events: list[dict[str, Any]] = []

    def update_finishes(payload: dict[str, Any], result: dict[str, Any]) -> None:
        assert result == {"resumed": False}
        sagemaker.complete_update(ENDPOINT)
        events.append(endpoint_reports(machine))

    machine.after("register_wait", update_finishes)
    done = machine.run(execution_input(3), name="v3")
    assert done["status"] == "SUCCEEDED"
    assert events == [{"outcome": "ok", "reason": "resumed deployment v3 (endpoint InService)"}]
    update = next(args for op, args in sagemaker.calls if op == "UpdateEndpoint")
    assert update["deployment"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["Type"] == "CANARY"
    assert machine.states_entered(done["executionArn"]) == [
        "Initialise",
        "Preflight",
        "AcquireLock",
        "LockDecision",
        "Prepare",
        "Deploy",
        "WaitForEndpoint",
        "Verify",
        "RolloutSettled",
        "Finish",
        "Outcome",
        "Deployed",
    ]


def test_a_rollback_during_the_canary_fails_the_deployment_names_the_alarm_and_rejects_the_package(
    machine: DeployMachine, sagemaker: FakeSageMaker, alarms: FakeAlarms
) -> None:
    live_on(machine, sagemaker, 2)
    sagemaker.add_package(3)

    def canary_trips_the_alarm(payload: dict[str, Any], result: dict[str, Any]) -> None:
        # ALARMS[0] on the new fleet only
        config = payload["state"]["plan"]["endpoint_config_name"]
        new_fleet = fleet_alarm_name(config, 0)  # ALARMS[0] on the new fleet only
        machine.fleet_alarms.fire(new_fleet, datetime.now(UTC), "5xx errors 12 > 0")
        sagemaker.roll_back(ENDPOINT)
        endpoint_reports(machine)

    machine.after("register_wait", canary_trips_the_alarm)
    done = machine.run(execution_input(3), name="v3")
    assert done["status"] == "FAILED"
    assert machine.states_entered(done["executionArn"])[-1] == "RolledBack"
    record = next(r for r in machine.store.deployments(ENDPOINT) if r.deployment_id == "v3")
    assert record.outcome == "ROLLED_BACK"
    assert record.alarm == ALARMS[0]
    assert "5xx errors 12 > 0" in record.reason
    assert sagemaker.packages[package_arn(3)].approval_status == "Rejected"
    assert machine.notifications()[-1]["outcome"] == "ROLLED_BACK"
    assert machine.store.read_lock(ENDPOINT) is None


def shorten_the_fallback_wait(payload: dict[str, Any], result: dict[str, Any]) -> None:
    """The Deploy step's fallback wait (the update's own maximum, tens of minutes) made 1 s, as if that time passed.

    moto's interpreter here waits in real time; the Deploy step's result is what ``TimeoutSecondsPath`` reads.
    """
    assert result["wait_timeout_seconds"] >= 1800  # SageMaker's timeout, its termination wait and the margin
    result["wait_timeout_seconds"] = 1


def test_without_an_event_the_timeout_fallback_checks_the_endpoint_and_waits_again(
    machine: DeployMachine, sagemaker: FakeSageMaker
) -> None:
    live_on(machine, sagemaker, 2)
    sagemaker.add_package(3)
    machine.after("deploy", shorten_the_fallback_wait)
    machine.after("verify", lambda payload, result: sagemaker.complete_update(ENDPOINT))
    done = machine.run(execution_input(3), name="v3")
    assert done["status"] == "SUCCEEDED"
    waits = [result for step, result in machine.steps if step == "verify"]
    assert [w.get("next") for w in waits] == ["wait", "finish"]
    assert waits[0]["rounds"] == 1
    assert machine.states_entered(done["executionArn"]).count("WaitForEndpoint") == 2


def test_an_endpoint_still_changing_after_two_fallback_waits_fails_the_deployment_and_frees_the_lock(
    machine: DeployMachine, sagemaker: FakeSageMaker
) -> None:
    live_on(machine, sagemaker, 2)
    sagemaker.add_package(3)
    machine.after("deploy", shorten_the_fallback_wait)
    done = machine.run(execution_input(3), name="v3")
    assert done["status"] == "FAILED"
    assert machine.states_entered(done["executionArn"]).count("WaitForEndpoint") == 2
    (record,) = [r for r in machine.store.deployments(ENDPOINT) if r.model_package_version == 3]
    assert record.outcome == "FAILED"
    assert "DeploymentTimeoutError: endpoint is Updating after 2 fallback waits (2 s)" in record.reason
    assert machine.store.read_lock(ENDPOINT) is None


def test_a_step_whose_lambda_times_out_is_retried_and_the_deployment_goes_on(
    machine: DeployMachine, sagemaker: FakeSageMaker
) -> None:
    sagemaker.add_package(2)
    original, timed_out = machine.invoke, []

    def invoke(payload: dict[str, Any]) -> tuple[bytes, bool]:
        if payload.get("step") == "prepare" and not timed_out:  # Lambda stops the run at its timeout
            timed_out.append(payload["step"])
            error = {"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out after 30.00 seconds"}
            return json.dumps(error).encode(), True
        return original(payload)

    machine.invoke = invoke  # type: ignore[method-assign]
    done = machine.run(execution_input(2))
    assert timed_out == ["prepare"]
    assert done["status"] == "SUCCEEDED"
    assert machine.step_names().count("prepare") == 1  # the timed-out run was not recorded: it never returned
    assert machine.states_entered(done["executionArn"]).count("Prepare") == 1


def test_a_failed_preflight_changes_nothing_and_reports_why(machine: DeployMachine, sagemaker: FakeSageMaker) -> None:
    sagemaker.add_package(2, status="PendingManualApproval")
    done = machine.run(execution_input(2))
    assert done["status"] == "FAILED"
    assert machine.step_names() == ["preflight", "finish"]
    assert machine.states_entered(done["executionArn"])[-1] == "DeploymentFailed"
    assert not {"CreateModel", "CreateEndpoint", "UpdateEndpoint"} & set(sagemaker.operations())
    (message,) = machine.notifications()
    assert message["outcome"] == "FAILED"
    assert "model package is PendingManualApproval, not Approved" in message["reason"]


def test_a_deployment_waits_its_turn_while_another_holds_the_endpoint(
    machine: DeployMachine, sagemaker: FakeSageMaker
) -> None:
    sagemaker.add_package(2)
    machine.store.acquire_lock(ENDPOINT, "other-deployment", datetime.now(UTC), 600)
    machine.after("acquire_lock", lambda payload, result: machine.store.release_lock(ENDPOINT, "other-deployment"))
    done = machine.run(execution_input(2))
    assert done["status"] == "SUCCEEDED"
    decisions = [result["decision"] for step, result in machine.steps if step == "acquire_lock"]
    assert decisions == ["busy", "acquired"]
    assert "WaitForLock" in machine.states_entered(done["executionArn"])


def test_an_older_approval_is_superseded_by_a_newer_one(machine: DeployMachine, sagemaker: FakeSageMaker) -> None:
    sagemaker.add_package(2)
    sagemaker.add_package(3)
    done = machine.run(execution_input(2))
    assert done["status"] == "SUCCEEDED"
    assert machine.states_entered(done["executionArn"])[-1] == "NothingDeployed"
    assert machine.store.deployments(ENDPOINT)[0].outcome == "SUPERSEDED"
    assert "CreateEndpoint" not in sagemaker.operations()
    assert machine.notifications()[0]["outcome"] == "SUPERSEDED"


def test_losing_the_lock_while_waiting_fails_the_deployment_through_the_catch(
    machine: DeployMachine, sagemaker: FakeSageMaker
) -> None:
    sagemaker.add_package(2)
    sagemaker.create_endpoint_in_service = False

    def lock_expires_and_is_taken(payload: dict[str, Any], result: dict[str, Any]) -> None:
        machine.store.release_lock(ENDPOINT, payload["state"]["execution"]["name"])
        machine.store.acquire_lock(ENDPOINT, "thief", datetime.now(UTC), 600)

    machine.after("deploy", lock_expires_and_is_taken)
    done = machine.run(execution_input(2))
    assert done["status"] == "FAILED"
    record = machine.store.deployments(ENDPOINT)[0]
    assert record.reason.startswith("LockLostError: ")
    assert machine.store.read_lock(ENDPOINT).deployment_id == "thief"


def test_a_transient_error_is_retried_by_the_state_machine(machine: DeployMachine, sagemaker: FakeSageMaker) -> None:
    sagemaker.add_package(2)
    original = sagemaker.ensure_model
    failures = [TransientError("CreateModel failed and may succeed later: ThrottlingException: Rate exceeded")]

    def flaky(*args: Any, **kwargs: Any) -> bool:
        if failures:
            raise failures.pop()
        return original(*args, **kwargs)

    sagemaker.ensure_model = flaky  # type: ignore[method-assign]
    done = machine.run(execution_input(2))
    assert done["status"] == "SUCCEEDED"
    assert [step for step, result in machine.steps if step == "prepare"] == ["prepare", "prepare"]


def test_a_refused_request_fails_the_deployment_with_the_aws_reason(
    machine: DeployMachine, sagemaker: FakeSageMaker
) -> None:
    sagemaker.add_package(2)

    def refused(*args: Any, **kwargs: Any) -> bool:
        raise RequestRejectedError("CreateModel", "AccessDeniedException", "not authorized to perform CreateModel")

    sagemaker.ensure_model = refused  # type: ignore[method-assign]
    done = machine.run(execution_input(2))
    assert done["status"] == "FAILED"
    assert machine.store.deployments(ENDPOINT)[0].reason == (
        "RequestRejectedError: CreateModel was refused: AccessDeniedException: not authorized to perform CreateModel"
    )


def test_a_deployment_is_failed_when_it_waits_too_long_for_the_lock(
    machine: DeployMachine, sagemaker: FakeSageMaker
) -> None:
    sagemaker.add_package(2)
    machine.store.acquire_lock(ENDPOINT, "stuck-deployment", datetime.now(UTC), 600)
    machine.configure(deploy_lock_max_attempts=2)
    done = machine.run(execution_input(2))
    assert done["status"] == "FAILED"
    assert [step for step, _ in machine.steps] == ["preflight", "acquire_lock", "acquire_lock", "finish"]
    assert machine.store.deployments(ENDPOINT)[0].reason == (
        "LockWaitExceededError: endpoint locked by deployment stuck-deployment; gave up after 2 attempts"
    )
    assert machine.store.read_lock(ENDPOINT).deployment_id == "stuck-deployment"


def test_a_refused_update_fails_the_deployment_and_frees_the_endpoint(
    machine: DeployMachine, sagemaker: FakeSageMaker
) -> None:
    live_on(machine, sagemaker, 2)
    sagemaker.add_package(3)

    def refused(*args: Any, **kwargs: Any) -> None:
        raise RequestRejectedError("UpdateEndpoint", "ValidationException", "variant name changed")

    sagemaker.update_endpoint = refused  # type: ignore[method-assign]
    done = machine.run(execution_input(3), name="v3")
    assert done["status"] == "FAILED"
    record = next(r for r in machine.store.deployments(ENDPOINT) if r.deployment_id == "v3")
    assert (
        record.reason == "RequestRejectedError: UpdateEndpoint was refused: ValidationException: variant name changed"
    )
    assert machine.store.read_lock(ENDPOINT) is None


def test_a_verification_error_fails_the_deployment_and_frees_the_endpoint(
    machine: DeployMachine, sagemaker: FakeSageMaker
) -> None:
    sagemaker.add_package(2)

    def access_revoked(payload: dict[str, Any], result: dict[str, Any]) -> None:
        def denied(name: str) -> None:
            raise RequestRejectedError("DescribeEndpoint", "AccessDeniedException", "not authorized")

        sagemaker.describe_endpoint = denied  # type: ignore[assignment, method-assign]

    machine.after("register_wait", access_revoked)
    done = machine.run(execution_input(2))
    assert done["status"] == "FAILED"
    assert machine.step_names()[-2:] == ["verify", "finish"]
    assert machine.store.deployments(ENDPOINT)[0].reason.startswith("RequestRejectedError: DescribeEndpoint")
    assert machine.store.read_lock(ENDPOINT) is None


def test_every_choice_literal_and_catch_is_exercised_by_a_test() -> None:
    asl = json.loads(ASL_PATH.read_text(encoding="utf-8"))
    branches = set()
    for name, state in asl["States"].items():
        for choice in state.get("Choices", []):
            branches.add((name, choice["StringEquals"]))
        if "Default" in state:
            branches.add((name, "Default"))
        for catch in state.get("Catch", []):
            branches.update((name, error) for error in catch["ErrorEquals"])
    assert branches == set(EXERCISED_BY)
    missing = sorted({test for test in EXERCISED_BY.values() if not callable(globals().get(test))})
    assert missing == []
