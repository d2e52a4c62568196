"""Dead letters on the local stack, landed by the system's own failure paths.

:func:`handlers_fail` makes every AWS call of some functions' handlers fail as a throttled AWS fails it (the stack's
fault injector, on only while those handlers run; botocore retries, then the handler fails), so their events take the
paths AWS gives them: SQS redrive after ``maxReceiveCount`` receives, Lambda's retries of an asynchronous event then
its dead-letter queue.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mlopsctl.local.runtime.faults import FaultRule
from mlopsctl.local.runtime.stack import LocalStack

#: Fault rules a stack starts with so that :func:`handlers_fail` can switch faults on (none is drawn until then).
INSTALLED = ("dynamodb:0",)
THROTTLED = FaultRule.parse("dynamodb,sagemaker,stepfunctions,sns:1")


@contextmanager
def handlers_fail(stack: LocalStack, *functions: str) -> Iterator[None]:
    """While open, every run of the handlers of ``functions`` (logical ids) finds AWS throttling every call."""
    plain = stack.runner.invoke

    def invoke(logical_id: str, event: Any, **options: Any) -> Any:
        if logical_id not in functions:
            return plain(logical_id, event, **options)
        stack.faults.rules = [THROTTLED]
        try:
            return plain(logical_id, event, **options)
        finally:
            stack.faults.rules = []

    stack.runner.invoke = invoke  # type: ignore[method-assign]
    try:
        yield
    finally:
        del stack.runner.invoke  # the class's method again
