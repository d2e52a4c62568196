"""Step Functions ``Execution Status Change`` events: how an execution of our state machines ended.

Step Functions' ``Catch`` cannot catch a failure of the execution itself ("Step Functions catchers are available for
Task, Parallel and Map states, but not for top-level state machine execution failures ... you might choose to listen
for TIMED_OUT events from Standard workflows with an EventBridge bus": Step Functions Developer Guide, Handling
errors, https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html), nor a
``States.DataLimitExceeded`` (a terminal error ``States.ALL`` does not match, same page). This event is how the
system learns of them.

Shape (Step Functions Developer Guide, "Step Functions events", https://docs.aws.amazon.com/step-functions/latest/
dg/cw-events.html; samples in ``aws-events/stepfunctions-execution-status-change/``): ``detail`` in camelCase with
``executionArn``, ``stateMachineArn``, ``name``, ``status``, ``startDate`` and ``stopDate`` as epoch milliseconds
(``stopDate`` null while running), ``input``/``output`` as JSON **text** (``input`` may be left out: ``inputDetails.
included`` false). The documented samples carry no ``error``/``cause``: they are read when present, never required.

What is refused (``InvalidEventError``), from the Step Functions API Reference (``DescribeExecution``): an execution
or state machine ARN that is not ``arn:<partition>:states:<region>:<account>:execution:<machine>:<name>`` /
``...:stateMachine:<machine>`` or over 256 characters (the API's ``Arn`` limit is 1-256); an execution ARN naming
another execution than ``name``; a name outside 1-80 characters; a status outside the API's
``ExecutionStatus`` values; an ``error`` over 256 or a ``cause`` over 32,768 characters.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasPath, Field, field_validator, model_validator

from mlops_core.events.arns import parse_arn, shown
from mlops_core.events.envelope import EventEnvelope
from mlops_core.events.timestamps import UtcDateTime

MAX_SFN_ARN = 256
"""``executionArn`` / ``stateMachineArn``: 1-256 characters (Step Functions API Reference)."""
MAX_EXECUTION_NAME = 80
MAX_ERROR = 256
MAX_CAUSE = 32_768

ExecutionStatus = Literal["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"]
"""``ExecutionStatus`` of the Step Functions API Reference (``DescribeExecution``)."""

#: The statuses of an execution that ended without reaching a successful end state.
UNSUCCESSFUL = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})


def _machine_and_execution(value: str, what: str) -> tuple[str, str]:
    arn = parse_arn(value, what=what, service="states", maximum=MAX_SFN_ARN, regional=True)
    kind, _, rest = arn.resource.partition(":")
    machine, _, name = rest.partition(":")
    if kind != "execution" or not machine or not name:
        raise ValueError(f"{what} {shown(value)} is not an execution ARN (...:execution:<state machine>:<name>)")
    return machine, name


class ExecutionStatusChangeEvent(EventEnvelope):
    """``Step Functions Execution Status Change`` from ``aws.states``.

    Attributes
    ----------
    execution_arn, state_machine_arn, name
        The execution, its state machine, and its name (the deployment id of a Deploy execution).
    status
        ``RUNNING``, ``SUCCEEDED``, ``FAILED``, ``TIMED_OUT``, ``ABORTED`` or ``PENDING_REDRIVE``.
    start_date, stop_date
        When it started and stopped (UTC; ``stop_date`` is ``None`` while it runs).
    error, cause
        Why it failed, when the event says so.
    """

    DETAIL_TYPE = "Step Functions Execution Status Change"
    SOURCE = "aws.states"

    execution_arn: str = Field(min_length=1, validation_alias=AliasPath("detail", "executionArn"))
    state_machine_arn: str = Field(min_length=1, validation_alias=AliasPath("detail", "stateMachineArn"))
    name: str = Field(min_length=1, max_length=MAX_EXECUTION_NAME, validation_alias=AliasPath("detail", "name"))
    status: ExecutionStatus = Field(validation_alias=AliasPath("detail", "status"))
    start_date: UtcDateTime = Field(validation_alias=AliasPath("detail", "startDate"))
    stop_date: UtcDateTime | None = Field(default=None, validation_alias=AliasPath("detail", "stopDate"))
    error: str | None = Field(default=None, max_length=MAX_ERROR, validation_alias=AliasPath("detail", "error"))
    cause: str | None = Field(default=None, max_length=MAX_CAUSE, validation_alias=AliasPath("detail", "cause"))

    @field_validator("execution_arn")
    @classmethod
    def _is_an_execution_arn(cls, value: str) -> str:
        _machine_and_execution(value, "execution ARN")
        return value

    @field_validator("state_machine_arn")
    @classmethod
    def _is_a_state_machine_arn(cls, value: str) -> str:
        arn = parse_arn(value, what="state machine ARN", service="states", maximum=MAX_SFN_ARN, regional=True)
        kind, _, machine = arn.resource.partition(":")
        if kind != "stateMachine" or not machine or ":" in machine:
            raise ValueError(f"state machine ARN {shown(value)} is not one (...:stateMachine:<name>)")
        return value

    @model_validator(mode="after")
    def _execution_is_the_named_one(self) -> ExecutionStatusChangeEvent:
        _, name = _machine_and_execution(self.execution_arn, "execution ARN")
        if name != self.name:
            raise ValueError(f"the execution ARN names execution {name!r}, the detail says {self.name!r}")
        return self

    @property
    def unsuccessful(self) -> bool:
        """Whether the execution ended ``FAILED``, ``TIMED_OUT`` or ``ABORTED``."""
        return self.status in UNSUCCESSFUL

    def carried_arns(self) -> tuple[str, ...]:
        """``resources[]``, the execution and its state machine."""
        return (*self.resources, self.execution_arn, self.state_machine_arn)


def execution_of(event: ExecutionStatusChangeEvent, state_machine_arn: str) -> bool:
    """Whether the event is about an execution of ``state_machine_arn`` (both its ARNs say so).

    The model does not compare the machine named in the two ARNs (the Step Functions guide's samples name it
    differently in each); a handler compares both with its own machine.
    """
    machine = state_machine_arn.split(":", 6)[-1]
    prefix = state_machine_arn.replace(":stateMachine:", ":execution:", 1) + ":"
    named, _ = _machine_and_execution(event.execution_arn, "execution ARN")
    return event.state_machine_arn == state_machine_arn and event.execution_arn.startswith(prefix) and named == machine
