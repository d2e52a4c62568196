"""ExecutionEventsFunction: a Deploy execution ended ``FAILED``, ``TIMED_OUT`` or ``ABORTED`` → close it.

``Step Functions Execution Status Change`` of our Deploy state machine: release the endpoint lock if the execution
still holds it, record ``FAILED`` with the reason if its record has no outcome, and notify
(:mod:`mlops_core.services.execution_outcomes`). Anything else is acknowledged as ignored with its reason.
Returns ``{"outcome", "reason", ...}``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from mlops_core.adapters.clients import ClientFactory
from mlops_core.adapters.ledger import Ledger
from mlops_core.adapters.notifications import SnsNotifier
from mlops_core.adapters.unfinished import LedgerUnfinishedDeployments
from mlops_core.events import EventError, ExecutionStatusChangeEvent, Origin, parse_event
from mlops_core.services.execution_outcomes import ExecutionOutcomeConfig, ExecutionOutcomePorts, handle_execution_event
from mlops_core.settings.base import OriginSettings
from mlops_core.settings.deploy import ExecutionEventsSettings

logger = Logger()
metrics = Metrics()


@cache
def origin() -> Origin:
    """This function's account and Region (``ACCOUNT_ID``, ``AWS_REGION``), read once per cold start."""
    return OriginSettings.from_env().origin()


@cache
def dependencies() -> tuple[ExecutionOutcomeConfig, ExecutionOutcomePorts]:
    """Settings and adapters, built on the first invocation of a cold start (tests replace this function)."""
    settings = ExecutionEventsSettings.from_env()
    clients = ClientFactory()
    config = ExecutionOutcomeConfig(settings.endpoint_name, settings.deploy_state_machine_arn)
    ports = ExecutionOutcomePorts(
        deployments=LedgerUnfinishedDeployments(Ledger(clients.client("dynamodb"), settings.ledger_table_name)),
        notifier=SnsNotifier(clients.client("sns"), settings.notification_topic_arn),
    )
    return config, ports


def _ignored(reason: str) -> dict[str, Any]:
    logger.info("event ignored", extra={"reason": reason})
    metrics.add_metric(name="ExecutionEventsIgnored", unit=MetricUnit.Count, value=1)
    return {"outcome": "ignored", "reason": reason}


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001 - Lambda signature
    """Close a Deploy execution that ended without its Finish step having closed it."""
    try:
        parsed = parse_event(event, origin=origin())
    except EventError as exc:
        return _ignored(exc.reason)
    if not isinstance(parsed, ExecutionStatusChangeEvent):
        return _ignored(f"{parsed.detail_type} is not a Step Functions execution status change")
    config, ports = dependencies()
    result = handle_execution_event(parsed, config, ports)
    if result["outcome"] == "ignored":
        return _ignored(str(result["reason"]))
    logger.warning("unfinished deployment closed", extra={**result, "execution_arn": parsed.execution_arn})
    metrics.add_metric(name="UnfinishedDeploymentsClosed", unit=MetricUnit.Count, value=1)
    return result
