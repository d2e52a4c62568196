"""ApprovalFunction: ``SageMaker Model Package State Change`` of our group → deploy, record, or decide a rollback
(:mod:`mlops_core.approval.service`). Foreign events are ignored with the reason; transient failures propagate."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Metrics

from mlops_core.approval.service import ApprovalConfig, ApprovalPorts, handle_package_event
from mlops_core.approval.wiring import approval_dependencies
from mlops_core.events import ModelPackageStateChangeEvent, Origin
from mlops_core.handler import EventHandler, read_origin

handler = EventHandler(ModelPackageStateChangeEvent, "a model package state change", metrics=Metrics(),
                       ignored_metric="EventsIgnored", ignored_level="warning")  # fmt: skip


@cache
def origin() -> Origin:
    """This function's account and Region (``ACCOUNT_ID``, ``AWS_REGION``), read once per cold start."""
    return read_origin()


@cache
def dependencies() -> tuple[ApprovalConfig, ApprovalPorts]:
    """Settings and adapters, built on the first invocation of a cold start (tests replace this function)."""
    return approval_dependencies()


@handler.entry
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:  # noqa: ARG001 - Lambda signature
    """Parse the event, decide and act; return the outcome and its reason."""
    return handler.handle(
        event, origin(), lambda package: handle_package_event(package, *dependencies(), datetime.now(UTC)).reported()
    )
