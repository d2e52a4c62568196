"""LabelingEventsFunction: ``SageMaker Ground Truth Labeling Job State Change`` of our jobs → train, or report.

``Completed`` starts the training pipeline on the job's output manifest (once); ``Failed`` and ``Stopped`` are recorded
and notified with the reason. Returns ``{"outcome": "ok" | "ignored", "reason": ...}``; transient failures propagate.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Metrics

from mlops_core.events import LabelingJobStateChangeEvent, Origin
from mlops_core.handler import EventHandler, Ignored, counted, read_origin
from mlops_core.labeling.service import LabelingEventsConfig, LabelingEventsPorts, handle_labeling_event
from mlops_core.labeling.wiring import from_env

handler = EventHandler(LabelingJobStateChangeEvent, "a labeling job state change", metrics=Metrics())


@cache
def origin() -> Origin:
    """This function's account and Region, read once per cold start."""
    return read_origin()


@cache
def dependencies() -> tuple[LabelingEventsConfig, LabelingEventsPorts]:
    """Settings and adapters, built on the first invocation of a cold start (tests replace this function)."""
    return from_env()


@handler.entry
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:  # noqa: ARG001 - Lambda signature
    """Parse the event and act on our labeling job's final state; ignored events are reported like the others."""
    got = handler.parse(event, origin())
    result = got if isinstance(got, Ignored) else handle_labeling_event(got, *dependencies(), datetime.now(UTC))
    return handler.report(counted(result, "labeling event handled", "LabelingEvents"))
