"""PipelineEventsFunction: ``Pipeline Execution Status Change`` of our training pipeline → ledger, notification.

Every status is recorded with the run's lineage (batch, labeling job, input); ``Succeeded``, ``Failed`` and
``Stopped`` are notified once, failures with the failed step and its reason. Returns ``{"outcome": "ok" |
"ignored", "reason": ...}`` (the local stack's action log reads it). Transient failures propagate: Lambda retries,
then the dead-letter queue keeps the event.
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
from mlops_core.adapters.ledger import Ledger
from mlops_core.adapters.notifications import SnsNotifier
from mlops_core.adapters.pipelines import SageMakerPipelineExecutions
from mlops_core.adapters.training_records import LedgerTrainingRecords
from mlops_core.events import EventError, Origin, PipelineExecutionStatusChangeEvent, parse_event_as
from mlops_core.services.pipeline_events import PipelineEventsConfig, PipelineEventsPorts, handle_pipeline_event
from mlops_core.services.training import EventResult
from mlops_core.settings.base import OriginSettings
from mlops_core.settings.training import TrainingSettings

logger = Logger()
metrics = Metrics()


@cache
def origin() -> Origin:
    """This function's account and Region (``ACCOUNT_ID``, ``AWS_REGION``), read once per cold start."""
    return OriginSettings.from_env().origin()


@cache
def dependencies() -> tuple[PipelineEventsConfig, PipelineEventsPorts]:
    """Settings and adapters, built on the first invocation of a cold start (tests replace this function)."""
    settings = TrainingSettings.from_env()
    clients = ClientFactory()
    ports = PipelineEventsPorts(
        executions=SageMakerPipelineExecutions(clients.sagemaker()),
        records=LedgerTrainingRecords(Ledger(clients.client("dynamodb"), settings.ledger_table_name)),
        notifier=SnsNotifier(clients.client("sns"), settings.notification_topic_arn),
    )
    return PipelineEventsConfig(settings.training_pipeline_name), ports


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001 - Lambda signature
    """Parse the event, record the execution's status and report how it ended."""
    try:
        what = "a pipeline execution status change"
        parsed = parse_event_as(event, PipelineExecutionStatusChangeEvent, what, origin=origin())
    except EventError as exc:
        result = EventResult.ignored(exc.reason)
    else:
        result = handle_pipeline_event(parsed, *dependencies(), datetime.now(UTC))
    metrics.add_metric(name=f"PipelineEvents{result.outcome.title()}", unit=MetricUnit.Count, value=1)
    logger.info("pipeline event handled", extra=result.as_dict())
    return result.as_dict()
