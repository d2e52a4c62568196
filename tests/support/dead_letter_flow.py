"""Dead letters on the local stack, landed by the system's own failure paths.

:func:`handlers_fail` makes every AWS call of some functions' handlers fail as a throttled AWS fails it (the stack's
fault injector, on only while those handlers run; botocore retries, then the handler fails), so their events take the
paths AWS gives them: SQS redrive after ``maxReceiveCount`` receives, Lambda's retries of an asynchronous event then
its dead-letter queue. The rest is what ``tests/ops/test_dlq_*`` share: a fresh operator's stack with the whole
lifecycle, and reading the queues with ``mlopsctl dlq list``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from mlopsctl.local.runtime.faults import FaultRule
from mlopsctl.local.runtime.stack import LocalStack
from tests.support.lineage_flow import LABELING, lifecycle_sagemaker
from tests.support.ops_stack import OpsStack, ops_stack

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


LATE_TICKET = {"late.txt": "please refund my second order"}


def package_arn(ops: OpsStack, version: int) -> str:
    template = ops.stack.template
    return f"arn:aws:sagemaker:{template.region}:{template.account_id}:model-package/{ops.flow.group}/{version}"


def queue(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(q for q in document["queues"] if q["name"] == name)


def messages(ops: OpsStack, name: str) -> list[dict[str, Any]]:
    return list(queue(ops.json("dlq list"), name)["messages"])


def fresh() -> AbstractContextManager[OpsStack]:
    return ops_stack(LABELING, sagemaker=lifecycle_sagemaker, faults=INSTALLED)


def approval_fails(ops: OpsStack, version: int) -> None:
    """The Approval function fails on the approval of ``version`` (every attempt), so the event is a dead letter."""
    with handlers_fail(ops.stack, "ApprovalFunction"):
        ops.flow.approve(package_arn(ops, version))
