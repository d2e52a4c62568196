"""Error names of moto's Step Functions interpreter, as Step Functions gives them (emulated).

A Lambda task whose ``Resource`` is the function's ARN (the form ``statemachines/*.asl.json`` use) gets an error from
the Invoke call itself when Lambda refuses it (throttled, failing): moto names every such error ``Exception``, so no
``Retry`` on ``Lambda.TooManyRequestsException`` or ``Lambda.ServiceException`` ever matches locally. Step Functions
reports them as ``Lambda.<error code>``: "Lambda errors are reported as ``Lambda.``\\ *ErrorName* … When Lambda hits
the maximum number of invocations, the error is ``Lambda.TooManyRequestsException``" ("Handle Lambda service
exceptions", Step Functions Developer Guide,
https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html). While installed, so does the
interpreter; errors the function itself raised (``FunctionError``), timeouts and the rest are moto's as before. The
optimized integration (``arn:aws:states:::lambda:invoke``) already names them so in moto. Checked against moto 5.2.5.

Examples
--------
>>> with installed():
...     pass
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from botocore.exceptions import ClientError  # type: ignore[import-untyped, unused-ignore]
from moto.stepfunctions.parser.api import HistoryEventType, LambdaFunctionFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_lambda import StateTaskLambda
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails


@contextmanager
def installed() -> Iterator[None]:
    """Name a Lambda task's Invoke errors ``Lambda.<code>`` while the context is open."""
    original = StateTaskLambda._from_error

    def from_error(task: Any, env: Any, ex: Exception) -> Any:
        if not isinstance(ex, ClientError):
            return original(task, env, ex)
        error = f"Lambda.{ex.response.get('Error', {}).get('Code') or 'Unknown'}"
        details = LambdaFunctionFailedEventDetails(error=error, cause=str(ex.response.get("Error", {}).get("Message")))
        return FailureEvent(
            env=env,
            error_name=CustomErrorName(error),
            event_type=HistoryEventType.LambdaFunctionFailed,
            event_details=EventDetails(lambdaFunctionFailedEventDetails=details),  # type: ignore[typeddict-item]
        )

    with mock.patch.object(StateTaskLambda, "_from_error", from_error):
        yield
