"""ExecutionEventsFunction: a Deploy or Rollback execution ended ``FAILED``, ``TIMED_OUT`` or ``ABORTED`` → close it.

Its ``Step Functions Execution Status Change``: release the lock if the execution still holds it, record ``FAILED``
with the reason, notify (:mod:`~mlops_core.deploy.execution_outcomes`); ignore anything else, with the reason.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Metrics

from mlops_core.deploy.execution_outcomes import ExecutionOutcomeConfig, ExecutionOutcomePorts, on_execution_event
from mlops_core.deploy.execution_outcomes_wiring import from_env
from mlops_core.events import ExecutionStatusChangeEvent, Origin
from mlops_core.handler import EventHandler, read_origin

IGNORED = "ExecutionEventsIgnored"
handler = EventHandler(
    ExecutionStatusChangeEvent, "a Step Functions execution status change", metrics=Metrics(), ignored_metric=IGNORED
)


@cache
def origin() -> Origin:
    """This function's account and Region, read once per cold start."""
    return read_origin()


@cache
def dependencies() -> tuple[ExecutionOutcomeConfig, ExecutionOutcomePorts]:
    """Settings and adapters, built on the first invocation of a cold start (tests replace this function)."""
    return from_env()


@handler.entry
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:  # noqa: ARG001 - Lambda signature
    """Close a Deploy or Rollback execution that ended without its closing step having closed it."""
    return handler.handle(event, origin(), lambda parsed: on_execution_event(parsed, *dependencies()))
