"""Dead letters on the operator's local stack: the stack, and the failures that land them (tests/ops/test_dlq_*)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from tests.support.dead_letter_flow import INSTALLED, handlers_fail
from tests.support.lineage_flow import LABELING, lifecycle_sagemaker
from tests.support.ops_stack import OpsStack, ops_stack

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
