"""Wiring of the PipelineEvents function: the training pipeline, the ledger and the notification topic.

The handler builds this once per cold start (lazily, on the first invocation) and tests replace it whole.
"""

from __future__ import annotations

from mlops_core.adapters.clients import ClientFactory
from mlops_core.adapters.ledger import Ledger
from mlops_core.adapters.notifications import SnsNotifier
from mlops_core.adapters.pipelines import SageMakerPipelineExecutions
from mlops_core.adapters.training_records import LedgerTrainingRecords
from mlops_core.services.pipeline_events import PipelineEventsConfig, PipelineEventsPorts
from mlops_core.settings.training import TrainingSettings


def build(
    settings: TrainingSettings, clients: ClientFactory | None = None
) -> tuple[PipelineEventsConfig, PipelineEventsPorts]:
    """The pipeline whose executions count, SageMaker's view of them, the ledger's records and the notifier."""
    clients = clients or ClientFactory()
    ports = PipelineEventsPorts(
        executions=SageMakerPipelineExecutions(clients.sagemaker()),
        records=LedgerTrainingRecords(Ledger(clients.client("dynamodb"), settings.ledger_table_name)),
        notifier=SnsNotifier(clients.client("sns"), settings.notification_topic_arn),
    )
    return PipelineEventsConfig(settings.training_pipeline_name), ports


def from_env() -> tuple[PipelineEventsConfig, PipelineEventsPorts]:
    """:func:`build` with the settings read from the environment (``TrainingSettings``)."""
    return build(TrainingSettings.from_env())
