"""statemachines/deploy.asl.json: lint, substitutions, structure, and every Choice literal and Catch exercised."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mlopsctl.local.template.loader import read_yaml
from tests.support.files import ROOT_TEMPLATE

ROOT = Path(__file__).resolve().parents[2]
ASL_PATH = ROOT / "statemachines" / "deploy.asl.json"
SUBSTITUTION = re.compile(r"\$\{([^}]+)\}")


@pytest.fixture(scope="module")
def asl() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(ASL_PATH.read_text(encoding="utf-8"))
    return loaded


def template_state_machine() -> dict[str, Any]:
    """The ``DeployStateMachine`` resource's properties in template.yaml."""
    template = read_yaml(ROOT_TEMPLATE)
    properties: dict[str, Any] = template["Resources"]["DeployStateMachine"]["Properties"]
    return properties


def substitutions_used() -> set[str]:
    return set(SUBSTITUTION.findall(ASL_PATH.read_text(encoding="utf-8")))


def test_statelint_finds_nothing() -> None:
    statelint = Path(sys.executable).parent / "statelint"
    found = subprocess.run(  # noqa: S603 - a fixed tool from the project's own venv
        [str(statelint), "--ignore=URI", str(ASL_PATH)], capture_output=True, text=True, check=False
    )
    assert found.returncode == 0, found.stdout + found.stderr


def test_the_template_substitutes_exactly_what_the_definition_uses() -> None:
    properties = template_state_machine()
    assert properties["DefinitionUri"] == "statemachines/deploy.asl.json"
    assert set(properties["DefinitionSubstitutions"]) == substitutions_used()


def test_every_state_is_reachable_from_the_start(asl: dict[str, Any]) -> None:
    states = asl["States"]
    seen, todo = set(), [asl["StartAt"]]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        state = states[name]
        targets = [state.get("Next"), state.get("Default")]
        targets += [choice["Next"] for choice in state.get("Choices", [])]
        targets += [catch["Next"] for catch in state.get("Catch", [])]
        todo.extend(target for target in targets if target)
    assert seen == set(states)


def test_tasks_use_only_integrations_moto_and_aws_both_run(asl: dict[str, Any]) -> None:
    resources = {state["Resource"] for state in asl["States"].values() if state["Type"] == "Task"}
    assert resources == {"${DeployTasksFunctionArn}", "arn:aws:states:::lambda:invoke.waitForTaskToken"}
    assert "QueryLanguage" not in asl
    assert ".sync" not in ASL_PATH.read_text(encoding="utf-8")


def test_every_task_but_finish_is_caught_into_finish_and_retries_transient_errors(asl: dict[str, Any]) -> None:
    for name, state in asl["States"].items():
        if state["Type"] != "Task":
            continue
        retried = {error for retry in state["Retry"] for error in retry["ErrorEquals"]}
        assert {"TransientError", "Lambda.ServiceException", "Lambda.TooManyRequestsException"} <= retried, name
        assert all(retry["IntervalSeconds"] <= 2 for retry in state["Retry"]), name
        if name != "Finish":
            assert state["Catch"][-1] == {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Finish"}


def test_every_lambda_task_retries_lambda_timeouts_like_the_other_lambda_service_errors(asl: dict[str, Any]) -> None:
    # "Unhandled errors in Lambda are reported as Lambda.Unknown ... These include out-of-memory errors and function
    # timeouts"; the Python runtime names a timeout Sandbox.Timedout (Step Functions Developer Guide, "Handle Lambda
    # service exceptions", https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html).
    lambda_errors = {
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.ClientExecutionTimeoutException",
        "Lambda.TooManyRequestsException",
        "Lambda.Unknown",
        "Sandbox.Timedout",
    }
    tasks = [name for name, state in asl["States"].items() if state["Type"] == "Task"]
    assert len(tasks) == 7
    for name in tasks:
        retried = {error for retry in asl["States"][name]["Retry"] for error in retry["ErrorEquals"]}
        assert lambda_errors <= retried, (name, lambda_errors - retried)


def test_waits_come_from_the_tasks_results_never_from_the_execution_input(asl: dict[str, Any]) -> None:
    # the seconds between lock attempts are DeployTasksFunction's setting, returned by AcquireLock when busy
    assert asl["States"]["WaitForLock"]["SecondsPath"] == "$.lock.retry_after_seconds"
    # the fallback wait is the update's own maximum duration, chosen by the Deploy step (mlops_core.deploy.waits)
    assert asl["States"]["WaitForEndpoint"]["TimeoutSecondsPath"] == "$.rollout.wait_timeout_seconds"
    assert asl["States"]["Initialise"]["Parameters"]["request.$"] == "$.request"
    assert "$.timing" not in json.dumps(asl)
