"""Step Functions: start a Deploy execution, resume a waiting task, ask how an execution is.

:class:`Workflows` is the port; :class:`StepFunctionsWorkflows` implements it on a boto3 client.

Starting an execution under a name that already exists means a duplicate event already started it:
``ExecutionAlreadyExists`` is treated as started (the ARN is the one that execution has). Resuming a task whose token
is stale (the task already resumed, timed out, or its execution ended) is not an error either: ``resume`` answers
``False``.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mlops_core.aws.calls import aws_call
from mlops_core.aws.errors import RequestRejectedError

_STALE_TOKEN_CODES = frozenset({"TaskDoesNotExist", "TaskTimedOut", "InvalidToken"})


@dataclass(frozen=True)
class StartedExecution:
    """An execution that runs (``already_started`` when a duplicate had started it before)."""

    execution_arn: str
    already_started: bool


def execution_arn(state_machine_arn: str, name: str) -> str:
    """The ARN Step Functions gives the execution ``name`` of a standard state machine."""
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"


class Workflows(ABC):
    """Starts and resumes Deploy executions."""

    @abstractmethod
    def start(self, state_machine_arn: str, name: str, payload: Mapping[str, Any]) -> StartedExecution:
        """Start an execution named ``name`` unless it exists."""

    @abstractmethod
    def resume(self, task_token: str, output: Mapping[str, Any]) -> bool:
        """Complete the waiting task with ``output``; ``False`` when the token is stale."""

    @abstractmethod
    def execution_status(self, execution_arn: str) -> str | None:
        """The execution's status (``RUNNING``, ``SUCCEEDED``, ``FAILED``, ``TIMED_OUT``, ``ABORTED``...); ``None``
        when there is no such execution."""


class StepFunctionsWorkflows(Workflows):
    """:class:`Workflows` on a boto3 Step Functions client."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def start(self, state_machine_arn: str, name: str, payload: Mapping[str, Any]) -> StartedExecution:
        try:
            with aws_call("StartExecution"):
                started = self._client.start_execution(
                    stateMachineArn=state_machine_arn, name=name, input=json.dumps(payload, sort_keys=True)
                )
        except RequestRejectedError as exc:
            if exc.code == "ExecutionAlreadyExists":
                return StartedExecution(execution_arn(state_machine_arn, name), already_started=True)
            raise
        return StartedExecution(str(started["executionArn"]), already_started=False)

    def resume(self, task_token: str, output: Mapping[str, Any]) -> bool:
        try:
            with aws_call("SendTaskSuccess"):
                self._client.send_task_success(taskToken=task_token, output=json.dumps(output, sort_keys=True))
        except RequestRejectedError as exc:
            if exc.code in _STALE_TOKEN_CODES:
                return False
            raise
        return True

    def execution_status(self, execution_arn: str) -> str | None:
        try:
            with aws_call("DescribeExecution"):
                described = self._client.describe_execution(executionArn=execution_arn)
        except RequestRejectedError as exc:
            if exc.code == "ExecutionDoesNotExist":
                return None
            raise
        return str(described["status"])
