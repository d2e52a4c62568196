"""RollbackFunction: an alarm of ours went to ALARM → decide once, restore in three AWS calls, start the Rollback
state machine with the plan (:mod:`mlops_core.services.rollback`). Transient failures propagate (retries, then DLQ)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from mlops_core.events import AlarmStateChangeEvent, EventError, Origin, parse_event_as
from mlops_core.rollback.wiring import alarm_dependencies
from mlops_core.services.rollback import RollbackConfig, RollbackPorts, RollbackResult, handle_alarm
from mlops_core.settings.base import OriginSettings

logger, metrics = Logger(), Metrics()


@cache
def origin() -> Origin:
    """This function's account and Region (``ACCOUNT_ID``, ``AWS_REGION``), read once per cold start."""
    return OriginSettings.from_env().origin()


@cache
def dependencies() -> tuple[RollbackConfig, RollbackPorts]:
    """Settings and adapters, built on the first invocation of a cold start (tests replace this function)."""
    return alarm_dependencies()


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001 - Lambda signature
    """Parse the alarm event, decide and act; return ``{"outcome": "ok" | "ignored", "reason": ...}``."""
    try:
        parsed = parse_event_as(event, AlarmStateChangeEvent, "a CloudWatch alarm state change", origin=origin())
        result = handle_alarm(parsed, *dependencies(), datetime.now(UTC))
    except EventError as exc:  # parse_event_as's: handle_alarm takes a parsed event
        result = RollbackResult("ignored", exc.reason)
    ignored = result.outcome == "ignored"
    action = "EventsIgnored" if ignored else str(result.details.get("action", "")).title().replace("_", "")
    metrics.add_metric(name=f"Rollback{action}", unit=MetricUnit.Count, value=1)
    logger.info("event ignored" if ignored else "alarm handled", extra=result.as_dict())
    return result.as_dict()
