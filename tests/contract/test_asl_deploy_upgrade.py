"""Executions in flight while the stack is updated to the version whose waits are DeployTasksFunction's own.

CloudFormation updates DeployTasksFunction, then DeployStateMachine (its definition substitutes the function's ARN),
then ApprovalFunction (its environment names the machine). Two kinds of execution meet the new tasks:

- one started by the previous ApprovalFunction on the new definition: its input still has ``timing``, which
  ``Initialise`` drops (it keeps ``request`` only);
- one started before the update on the previous definition (Step Functions API Reference, UpdateStateMachine:
  "Running executions will continue to use the previous definition and roleArn",
  https://docs.aws.amazon.com/step-functions/latest/apireference/API_UpdateStateMachine.html; its Lambda tasks
  invoke the function's unqualified ARN, so the new code): its state carries ``timing`` to every task and its
  ``WaitForLock`` reads ``$.timing.lock_retry_seconds``; the new tasks drop ``timing`` unread and count the attempts
  against their own settings.

Both run to their end on moto's interpreter with the real handlers, through a busy lock.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from tests.support.deploy.asl_runs import execution_input
from tests.support.deploy.builders import ENDPOINT, legacy_timing
from tests.support.deploy.sfn import ASL, FUNCTION_ARN, DeployMachine, definition
from tests.support.fakes.deploy import FakeSageMaker
from tests.support.ledger_records import items_of

#: The relayed waits as the previous ApprovalFunction sent them (0 s: moto's interpreter really sleeps in a Wait).
RELAYED = legacy_timing(lock_retry_seconds=0, lock_max_attempts=120)
#: The tasks of a first deployment once it holds the lock.
AFTER_THE_LOCK = ("prepare", "deploy", "register_wait", "verify", "finish")


def previous_definition() -> str:
    """The Deploy definition of the previous version: the input's ``timing`` kept, and ``WaitForLock`` reading it."""
    asl = json.loads(definition({"DeployTasksFunctionArn": FUNCTION_ARN}, ASL))
    previous = copy.deepcopy(asl)
    previous["States"]["Initialise"]["Parameters"]["timing.$"] = "$.timing"
    previous["States"]["WaitForLock"]["SecondsPath"] = "$.timing.lock_retry_seconds"
    return json.dumps(previous)


def released_after_first_attempt(machine: DeployMachine) -> None:
    """Another deployment holds the endpoint; it releases the lock once this one found it busy."""
    machine.store.acquire_lock(ENDPOINT, "other-deployment", datetime.now(UTC), 600)

    def release(payload: dict[str, Any], result: dict[str, Any]) -> None:
        assert result["decision"] == "busy"
        machine.store.release_lock(ENDPOINT, "other-deployment")

    machine.after("acquire_lock", release)


def test_an_input_from_the_previous_approval_function_runs_on_the_new_definition(
    machine: DeployMachine, sagemaker: FakeSageMaker
) -> None:
    sagemaker.add_package(2)
    released_after_first_attempt(machine)
    done = machine.run(execution_input(2) | {"timing": RELAYED})
    assert done["status"] == "SUCCEEDED"
    assert machine.step_names()[:3] == ["preflight", "acquire_lock", "acquire_lock"]
    assert "WaitForLock" in machine.states_entered(done["executionArn"])
    assert items_of(machine.store.deployments(ENDPOINT))[0]["outcome"] == "SUCCEEDED"


def test_an_execution_of_the_previous_definition_runs_with_the_new_tasks(
    machine: DeployMachine, sagemaker: FakeSageMaker
) -> None:
    previous = machine.sfn.create_state_machine(
        name="mlops-test-deploy-previous",
        definition=previous_definition(),
        roleArn="arn:aws:iam::123456789012:role/mlops-test-deploy-state-machine",
    )["stateMachineArn"]
    sagemaker.add_package(2)
    released_after_first_attempt(machine)
    done = machine.run(execution_input(2) | {"timing": RELAYED}, machine=previous)
    assert done["status"] == "SUCCEEDED"
    assert machine.step_names() == ["preflight", "acquire_lock", "acquire_lock", *AFTER_THE_LOCK]
    assert items_of(machine.store.deployments(ENDPOINT))[0]["outcome"] == "SUCCEEDED"
    assert machine.store.read_lock(ENDPOINT) is None
