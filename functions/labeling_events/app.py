"""LabelingEventsFunction: ``SageMaker Ground Truth Labeling Job State Change`` of our jobs → train, or report.

``Completed`` starts the training pipeline on the job's output manifest (once); ``Failed`` and ``Stopped`` are
recorded and notified with the reason. Returns ``{"outcome": "ok" | "ignored", "reason": ...}`` (the local stack's
action log reads it). Transient failures propagate: Lambda retries, then the dead-letter queue keeps the event.
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
from mlops_core.adapters.pipeline_code import S3PipelineCode
from mlops_core.adapters.pipelines import SageMakerLabelingJobReader, SageMakerPipelineExecutions
from mlops_core.adapters.training_records import LedgerTrainingRecords
from mlops_core.events import EventError, LabelingJobStateChangeEvent, Origin, parse_event_as
from mlops_core.pipeline_start import PipelineStartSettings, StackParameters
from mlops_core.services.labeling_events import LabelingEventsConfig, LabelingEventsPorts, handle_labeling_event
from mlops_core.services.pipeline_code import PipelineCodeCheck, PipelineCodeGuard
from mlops_core.services.training import EventResult, TrainingLauncher
from mlops_core.settings.base import OriginSettings
from mlops_core.settings.training import TrainingSettings

logger = Logger()
metrics = Metrics()


@cache
def origin() -> Origin:
    """This function's account and Region (``ACCOUNT_ID``, ``AWS_REGION``), read once per cold start."""
    return OriginSettings.from_env().origin()


@cache
def dependencies() -> tuple[LabelingEventsConfig, LabelingEventsPorts]:
    """Settings and adapters, built on the first invocation of a cold start (tests replace this function)."""
    settings = TrainingSettings.from_env()
    clients = ClientFactory()
    records = LedgerTrainingRecords(Ledger(clients.client("dynamodb"), settings.ledger_table_name))
    notifier = SnsNotifier(clients.client("sns"), settings.notification_topic_arn)
    code = PipelineCodeCheck(S3PipelineCode(clients.sagemaker(), clients.client("s3")))
    guard = PipelineCodeGuard(code, records, notifier, settings.stack_name)
    ports = LabelingEventsPorts(
        jobs=SageMakerLabelingJobReader(clients.sagemaker()),
        launcher=TrainingLauncher(
            StackParameters(
                SageMakerPipelineExecutions(clients.sagemaker()), PipelineStartSettings.from_env().parameters()
            ),
            records,
            guard,
        ),
        records=records,
        notifier=notifier,
    )
    return LabelingEventsConfig(settings.stack_name, settings.training_pipeline_name), ports


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001 - Lambda signature
    """Parse the event and act on our labeling job's final state."""
    try:
        parsed = parse_event_as(event, LabelingJobStateChangeEvent, "a labeling job state change", origin=origin())
    except EventError as exc:
        result = EventResult.ignored(exc.reason)
    else:
        result = handle_labeling_event(parsed, *dependencies(), datetime.now(UTC))
    metrics.add_metric(name=f"LabelingEvents{result.outcome.title()}", unit=MetricUnit.Count, value=1)
    logger.info("labeling event handled", extra=result.as_dict())
    return result.as_dict()
