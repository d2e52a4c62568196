"""Step Functions' payload quota inside moto's interpreter (patches of moto internals, checked on moto 5.2.5).

"Maximum input or output size for a task, state, or execution: 256 KiB of data as a UTF-8 encoded string" (Step
Functions Developer Guide, Step Functions service quotas). Exceeding it is ``States.DataLimitExceeded``, "a terminal
error that can't be caught by the ``States.ALL`` error type", reported when "the output of a connector is larger
than payload size quota", "the output of a state is larger than payload size quota" or "after ``Parameters``
processing, the input of a state is larger than the payload size quota" (Developer Guide, Handling errors in Step
Functions workflows, error names).

moto's interpreter checks the first two, but refuses a payload of exactly 262,144 bytes (``<`` instead of ``<=``),
lets ``States.ALL`` (and any ``Retry``) catch the error, and never checks a task's input after ``Parameters``. The
patches:

- ``is_within_size_quota`` as imported by ``state``, ``state_task_lambda`` and ``state_task_service``: at most
  262,144 UTF-8 bytes;
- ``ErrorEqualsDecl._eval_body`` (every ``Retry`` and ``Catch``): ``States.DataLimitExceeded`` matches no
  ``ErrorEquals``. Whether naming it explicitly would catch it, the guide leaves open: terminal is read strictly, so
  neither ``States.ALL`` nor its own name catches or retries it;
- ``StateTask._eval_parameters`` and ``StateTaskLambda._eval_parameters``: a task whose input after ``Parameters`` is
  over the quota fails with ``States.DataLimitExceeded`` before its resource is called.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name import error_equals_decl
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import StatesErrorNameType
from moto.stepfunctions.parser.asl.component.state import state as state_module
from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task, state_task_lambda
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

#: 256 KiB: the largest payload Step Functions accepts, in UTF-8 bytes.
MAX_PAYLOAD_BYTES = 256 * 1024
_DATA_LIMIT = StatesErrorNameType.StatesStatesDataLimitExceeded


def payload_bytes(value: Any) -> int:
    """The size Step Functions measures: the UTF-8 bytes of the value as a JSON string (a string as it is)."""
    text = value if isinstance(value, str) else to_json_str(value)
    return len(text.encode("utf-8", "surrogatepass"))


def is_within_size_quota(value: Any) -> bool:
    """At most :data:`MAX_PAYLOAD_BYTES` (moto's own test is ``<``, refusing exactly 256 KiB)."""
    return payload_bytes(value) <= MAX_PAYLOAD_BYTES


def _data_limit_failure(env: Any, state_name: str) -> FailureEventException:
    cause = (
        f"The state/task '{state_name}' has an input after Parameters with a size exceeding the maximum number of "
        "bytes service limit."
    )
    details = TaskFailedEventDetails(error=_DATA_LIMIT.to_name(), cause=cause)
    return FailureEventException(
        failure_event=FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=_DATA_LIMIT),
            event_type=HistoryEventType.TaskFailed,
            event_details=EventDetails(taskFailedEventDetails=details),  # type: ignore[typeddict-item]
        )
    )


def _checked_parameters(original: Callable[[Any, Any], dict[str, Any]], *, payload_only: bool) -> Any:
    def eval_parameters(self: Any, env: Any) -> dict[str, Any]:
        parameters = original(self, env)
        task_input = parameters.get("Payload") if payload_only else parameters
        if not is_within_size_quota(task_input):
            raise _data_limit_failure(env, self.name)
        return parameters

    return eval_parameters


def _terminal_data_limit(original: Callable[[Any, Any], None]) -> Any:
    def eval_body(self: Any, env: Any) -> None:
        error_name = env.stack[-1]
        if isinstance(error_name, StatesErrorName) and error_name.typ == _DATA_LIMIT:
            env.stack.pop()
            env.stack.append(False)
            return
        original(self, env)

    return eval_body


@contextmanager
def installed() -> Iterator[None]:
    """Apply the patches (see the module docstring) while the context is open."""
    task, lambda_task = state_task.StateTask, state_task_lambda.StateTaskLambda
    decl = error_equals_decl.ErrorEqualsDecl
    with ExitStack() as stack:
        for module in (state_module, state_task_lambda, state_task_service):
            stack.enter_context(mock.patch.object(module, "is_within_size_quota", is_within_size_quota))
        stack.enter_context(mock.patch.object(decl, "_eval_body", _terminal_data_limit(decl._eval_body)))
        checked = _checked_parameters(task._eval_parameters, payload_only=False)
        stack.enter_context(mock.patch.object(task, "_eval_parameters", checked))
        checked_lambda = _checked_parameters(lambda_task._eval_parameters, payload_only=True)
        stack.enter_context(mock.patch.object(lambda_task, "_eval_parameters", checked_lambda))
        yield
