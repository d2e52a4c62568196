"""RollbackFunction: ``CloudWatch Alarm State Change`` of our endpoint's alarms to ALARM → restore the known-good model.

Why a function in front of the Deploy state machine (and not a rule that starts the machine directly): the hot path
(ledger read, lock, ``UpdateEndpoint``) runs here in three AWS calls, so the known-good model is requested within a
second of the alarm; the Deploy machine then verifies, records and notifies in rollback mode (see
:mod:`mlops_core.services.rollback` and :mod:`mlops_core.services.rollback_steps`).

Returns ``{"outcome": "ok" | "ignored", "reason": ...}``. Alarms of another stack or endpoint, and changes to OK or
INSUFFICIENT_DATA, are acknowledged as ignored with their reason; transient failures propagate, so Lambda's
asynchronous retries and the function's dead-letter queue keep the event.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from mlops_core.adapters.clients import ClientFactory
from mlops_core.adapters.deployments import LedgerDeploymentStore
from mlops_core.adapters.endpoints import SageMakerEndpoints
from mlops_core.adapters.ledger import Ledger
from mlops_core.adapters.notifications import SnsNotifier
from mlops_core.adapters.workflows import StepFunctionsWorkflows
from mlops_core.events import AlarmStateChangeEvent, EventError, Origin, parse_event_as
from mlops_core.services.rollback import RollbackConfig, RollbackPorts, handle_alarm
from mlops_core.settings.base import OriginSettings
from mlops_core.settings.deploy import RollbackSettings

logger = Logger()
metrics = Metrics()


@cache
def origin() -> Origin:
    """This function's account and Region (``ACCOUNT_ID``, ``AWS_REGION``), read once per cold start."""
    return OriginSettings.from_env().origin()


@cache
def dependencies() -> tuple[RollbackConfig, RollbackPorts]:
    """Settings and adapters, built on the first invocation of a cold start (tests replace this function)."""
    settings = RollbackSettings.from_env()
    clients = ClientFactory()
    ports = RollbackPorts(
        store=LedgerDeploymentStore(Ledger(clients.client("dynamodb"), settings.ledger_table_name)),
        endpoints=SageMakerEndpoints(clients.sagemaker()),
        workflows=StepFunctionsWorkflows(clients.client("stepfunctions")),
        notifier=SnsNotifier(clients.client("sns"), settings.notification_topic_arn),
    )
    return RollbackConfig.from_settings(settings), ports


def _ignored(reason: str) -> dict[str, Any]:
    logger.info("event ignored", extra={"reason": reason})
    metrics.add_metric(name="RollbackEventsIgnored", unit=MetricUnit.Count, value=1)
    return {"outcome": "ignored", "reason": reason}


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001 - Lambda signature
    """Parse the alarm event, decide and act; return the outcome and its reason."""
    try:
        parsed = parse_event_as(event, AlarmStateChangeEvent, "a CloudWatch alarm state change", origin=origin())
    except EventError as exc:
        return _ignored(exc.reason)
    config, ports = dependencies()
    result = handle_alarm(parsed, config, ports, datetime.now(UTC))
    if result.outcome == "ignored":
        return _ignored(result.reason)
    action = str(result.details.get("action", "")).title().replace("_", "")
    metrics.add_metric(name=f"Rollback{action}", unit=MetricUnit.Count, value=1)
    logger.info("alarm handled", extra=result.as_dict())
    return result.as_dict()
