"""Wiring of the PipelineEvents function: the training pipeline, the ledger and the notification topic.

The handler builds this once per cold start (lazily, on the first invocation) and tests replace it whole.
"""

from __future__ import annotations

from mlops_core.aws.clients import ClientFactory
from mlops_core.aws.ledger import Ledger
from mlops_core.aws.notifications import SnsNotifier
from mlops_core.training.pipelines import SageMakerPipelineExecutions
from mlops_core.training.records import LedgerTrainingRecords
from mlops_core.training.service import PipelineEventsConfig, PipelineEventsPorts
from mlops_core.training.settings import TrainingSettings


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
