"""ApprovalFunction: ``SageMaker Model Package State Change`` of our group → deploy, record, or decide a rollback
(:mod:`mlops_core.services.approval`). Foreign events are ignored with the reason; transient failures propagate."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from mlops_core.events import EventError, ModelPackageStateChangeEvent, Origin, parse_event_as
from mlops_core.services.approval import ApprovalConfig, ApprovalPorts, handle_package_event
from mlops_core.services.deploy_wiring import approval_dependencies
from mlops_core.settings.base import OriginSettings

logger, metrics = Logger(), Metrics()


@cache
def origin() -> Origin:
    """This function's account and Region (``ACCOUNT_ID``, ``AWS_REGION``), read once per cold start."""
    return OriginSettings.from_env().origin()


@cache
def dependencies() -> tuple[ApprovalConfig, ApprovalPorts]:
    """Settings and adapters, built on the first invocation of a cold start (tests replace this function)."""
    return approval_dependencies()


def _ignored(reason: str) -> dict[str, Any]:
    logger.warning("event ignored", extra={"reason": reason})
    metrics.add_metric(name="EventsIgnored", unit=MetricUnit.Count, value=1)
    return {"outcome": "ignored", "reason": reason}


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001 - Lambda signature
    """Parse the event, decide and act; return the outcome and its reason."""
    try:
        parsed = parse_event_as(event, ModelPackageStateChangeEvent, "a model package state change", origin=origin())
    except EventError as exc:
        return _ignored(exc.reason)
    result = handle_package_event(parsed, *dependencies(), datetime.now(UTC)).as_dict()
    metrics.add_metric(name=f"Approval{str(result.get('action', 'Ignored')).title()}", unit=MetricUnit.Count, value=1)
    logger.info("model package event handled", extra=result)
    return result
