"""What the execution-failure flows do to a local stack: faults injected into one step, an operator's StopExecution,
and a status-change event delivered again (EventBridge delivers at least once).

Shared by the Deploy and the Rollback machines' flows (``tests/flows/test_execution_failures_flow.py``,
``tests/flows/test_rollback_execution_failures_flow.py``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from mlopsctl.local.runtime.clock import VirtualClock
from mlopsctl.local.runtime.executions import status_change_event
from mlopsctl.local.runtime.faults import FaultRule
from mlopsctl.local.runtime.stack import LocalStack
from tests.support.deploy_flow import Steering

THROTTLED = FaultRule.parse("dynamodb:1")


def faulted_stack() -> tuple[LocalStack, Steering]:
    """The project's stack with the SageMaker emulator, :class:`Steering` and the fault injector installed (with no
    fault until a test adds one)."""
    clock = VirtualClock()
    steering = Steering(clock.now)

    def sagemaker(stack: LocalStack) -> SageMakerEmulator:
        return SageMakerEmulator(clock.now, account_id=stack.template.account_id, region=stack.template.region)

    stack = LocalStack(clock=clock, emulators=[sagemaker, steering], faults=("dynamodb:0",))
    return stack, steering


def dynamodb_fails_during(stack: LocalStack, function: str, step: str) -> list[int]:
    """Every run of ``function``'s task ``step`` finds DynamoDB throttled; the count of such runs."""
    runs: list[int] = []
    original: Callable[..., Any] = stack.runner.invoke
    counter = itertools.count(1)

    def invoke(logical_id: str, event: Any, *, batch_size: int | None = None) -> Any:
        faulted = logical_id == function and isinstance(event, dict) and event.get("step") == step
        if not faulted:
            return original(logical_id, event, batch_size=batch_size)
        runs.append(next(counter))
        stack.faults.rules = [THROTTLED]
        try:
            return original(logical_id, event, batch_size=batch_size)
        finally:
            stack.faults.rules = []

    stack.runner.invoke = invoke  # type: ignore[method-assign]
    return runs


def no_more_faults(stack: LocalStack) -> None:
    """Undo :func:`dynamodb_fails_during`."""
    stack.runner.invoke = type(stack.runner).invoke.__get__(stack.runner)  # type: ignore[method-assign]


def running(stack: LocalStack, machine: str) -> list[dict[str, Any]]:
    """The running executions of the state machine ``machine`` (logical id)."""
    sfn = stack.client("stepfunctions")
    listed = sfn.list_executions(stateMachineArn=stack.arn(machine), statusFilter="RUNNING")["executions"]
    return list(listed)


def operator_stops(stack: LocalStack, machine: str) -> None:
    """An operator stops the one running execution of ``machine`` (``StopExecution``)."""
    (execution,) = running(stack, machine)
    stack.client("stepfunctions").stop_execution(
        executionArn=execution["executionArn"], cause="stopped by the operator"
    )


def redeliver_status_change(stack: LocalStack, machine: str, execution_name: str) -> None:
    """The ``Execution Status Change`` event of the ended execution ``execution_name`` of ``machine``, again."""
    arn = stack.arn(machine).replace(":stateMachine:", ":execution:", 1) + ":" + execution_name
    described = stack.client("stepfunctions").describe_execution(executionArn=arn)
    stack.bus.inject(status_change_event(described))
    stack.settle()
