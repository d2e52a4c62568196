"""PipelineEventsFunction: ``Pipeline Execution Status Change`` of our training pipeline → ledger, notification.

Every status is recorded with the run's lineage; ``Succeeded``, ``Failed`` and ``Stopped`` are notified once, failures
with the failed step and its reason. Returns ``{"outcome": "ok" | "ignored", "reason"}``; transient failures propagate.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Metrics

from mlops_core.events import Origin, PipelineExecutionStatusChangeEvent
from mlops_core.handler import EventHandler, Ignored, counted, read_origin
from mlops_core.training.service import PipelineEventsConfig, PipelineEventsPorts, handle_pipeline_event
from mlops_core.training.wiring import from_env

handler = EventHandler(PipelineExecutionStatusChangeEvent, "a pipeline execution status change", metrics=Metrics())


@cache
def origin() -> Origin:
    """This function's account and Region, read once per cold start."""
    return read_origin()


@cache
def dependencies() -> tuple[PipelineEventsConfig, PipelineEventsPorts]:
    """Settings and adapters, built on the first invocation of a cold start (tests replace this function)."""
    return from_env()


@handler.entry
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:  # noqa: ARG001 - Lambda signature
    """Parse the event, record the execution's status and report how it ended (ignored events too)."""
    got = handler.parse(event, origin())
    result = got if isinstance(got, Ignored) else handle_pipeline_event(got, *dependencies(), datetime.now(UTC))
    return handler.report(counted(result, "pipeline event handled", "PipelineEvents"))
