"""Step Functions' limits on the local stack, through boto3: execution names, ``StartExecution``'s input, and the
256 KiB state payload quota inside executions (``States.DataLimitExceeded``, which ``States.ALL`` cannot catch)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from mlopsctl.local.runtime.stack import LocalStack
from tests.support.limits import FIXTURE, refusal

QUOTA = 256 * 1024


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(FIXTURE) as running:
        yield running


def _payload(mode: str, size: int) -> str:
    """An execution input of exactly ``size`` UTF-8 bytes."""
    empty = json.dumps({"mode": mode, "blob": ""})
    return json.dumps({"mode": mode, "blob": "x" * (size - len(empty))})


def _run(stack: LocalStack, name: str, text: str) -> dict[str, Any]:
    sfn = stack.client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=stack.arn("PayloadStateMachine"), name=name, input=text)["executionArn"]
    stack.settle()
    described: dict[str, Any] = sfn.describe_execution(executionArn=arn)
    return described


def _echo_runs(stack: LocalStack) -> int:
    return len([e for e in stack.log.entries("handler") if e["function"] == "EchoFunction"])


def test_an_execution_name_of_80_characters_is_accepted(stack: LocalStack) -> None:
    assert _run(stack, "n" * 80, _payload("pass", 100))["status"] == "SUCCEEDED"


def test_an_execution_name_of_81_characters_is_refused_with_the_apis_validation_error(stack: LocalStack) -> None:
    start = stack.client("stepfunctions").start_execution

    error = refusal(start, stateMachineArn=stack.arn("PayloadStateMachine"), name="n" * 81, input="{}")

    assert (error["Code"], error["status"]) == ("ValidationException", 400)
    assert error["Message"] == (
        "1 validation error detected: Value '" + "n" * 81 + "' at 'name' failed to satisfy constraint: "
        "Member must have length less than or equal to 80"
    )


@pytest.mark.parametrize("name", ["with space", "a/b", "a:b", "tab\there", "ctrl\x7f"])
def test_an_execution_name_with_a_forbidden_character_is_an_invalid_name(stack: LocalStack, name: str) -> None:
    start = stack.client("stepfunctions").start_execution

    error = refusal(start, stateMachineArn=stack.arn("PayloadStateMachine"), name=name, input="{}")

    assert (error["Code"], error["Message"]) == ("InvalidName", f"Invalid Name: '{name}'")


def test_a_missing_state_machine_is_reported_before_an_invalid_name(stack: LocalStack) -> None:
    missing = stack.arn("PayloadStateMachine") + "-missing"

    error = refusal(stack.client("stepfunctions").start_execution, stateMachineArn=missing, name="a b", input="{}")

    assert error["Code"] == "StateMachineDoesNotExist"


def test_an_input_of_exactly_256_kib_starts_and_passes_through_a_state(stack: LocalStack) -> None:
    described = _run(stack, "input-at-quota", _payload("pass", QUOTA))

    assert described["status"] == "SUCCEEDED"
    assert len(described["output"].encode()) == QUOTA


def test_an_input_one_byte_over_256_kib_is_refused_without_repeating_it(stack: LocalStack) -> None:
    start = stack.client("stepfunctions").start_execution

    error = refusal(start, stateMachineArn=stack.arn("PayloadStateMachine"), input=_payload("pass", QUOTA + 1))

    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        "1 validation error detected: Value at 'input' failed to satisfy constraint: "
        "Member must have size less than or equal to 262144 bytes in UTF-8 encoding"
    )


def test_the_input_quota_counts_utf8_bytes_not_characters(stack: LocalStack) -> None:
    text = json.dumps({"mode": "pass", "blob": "é" * 140_000}, ensure_ascii=False)  # 140,000 chars, 280,000 bytes
    start = stack.client("stepfunctions").start_execution

    error = refusal(start, stateMachineArn=stack.arn("PayloadStateMachine"), input=text)

    assert error["Code"] == "ValidationException"


def test_a_state_output_over_the_quota_fails_the_execution(stack: LocalStack) -> None:
    described = _run(stack, "echo-over-quota", _payload("echo", 140_000))  # the echo doubles the state

    assert (described["status"], described["error"]) == ("FAILED", "States.DataLimitExceeded")


def test_a_task_result_over_the_quota_is_neither_caught_by_states_all_nor_retried(stack: LocalStack) -> None:
    before = _echo_runs(stack)

    described = _run(stack, "amplify-over-quota", _payload("amplify", 100_000))  # the task returns 300,000 bytes

    assert (described["status"], described["error"]) == ("FAILED", "States.DataLimitExceeded")
    assert _echo_runs(stack) - before == 1, "a Retry on States.ALL retried a terminal error"


def test_a_task_input_over_the_quota_after_parameters_fails_before_the_task_runs(stack: LocalStack) -> None:
    before = _echo_runs(stack)

    described = _run(stack, "double-over-quota", _payload("double", 140_000))  # Parameters name the blob twice

    assert (described["status"], described["error"]) == ("FAILED", "States.DataLimitExceeded")
    assert _echo_runs(stack) == before


def test_a_sagemaker_sdk_task_is_refused_as_the_api_refuses_it(stack: LocalStack) -> None:
    accepted = _run(stack, "sdk-63", json.dumps({"mode": "sdk", "blob": "m" * 63}))
    refused = _run(stack, "sdk-64", json.dumps({"mode": "sdk", "blob": "m" * 64}))

    assert "caught" not in json.loads(accepted["output"])
    cause = json.loads(refused["output"])["caught"]["Cause"]
    assert "at 'modelName' failed to satisfy constraint: Member must have length less than or equal to 63" in cause
