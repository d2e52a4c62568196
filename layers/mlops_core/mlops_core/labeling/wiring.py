"""Wiring of the LabelingEvents function: the labeling jobs, the training launcher, the ledger and the topic.

The handler builds this once per cold start (lazily, on the first invocation) and tests replace it whole.
"""

from __future__ import annotations

from mlops_core.aws.clients import ClientFactory
from mlops_core.aws.ledger import Ledger
from mlops_core.aws.notifications import SnsNotifier
from mlops_core.labeling.service import LabelingEventsConfig, LabelingEventsPorts
from mlops_core.training.code_check import PipelineCodeCheck, PipelineCodeGuard
from mlops_core.training.code_store import S3PipelineCode
from mlops_core.training.pipeline_start import PipelineStartSettings, StackParameters
from mlops_core.training.pipelines import SageMakerLabelingJobReader, SageMakerPipelineExecutions
from mlops_core.training.records import LedgerTrainingRecords
from mlops_core.training.settings import TrainingSettings
from mlops_core.training.starts import TrainingLauncher


def build(
    settings: TrainingSettings, start: PipelineStartSettings, clients: ClientFactory | None = None
) -> tuple[LabelingEventsConfig, LabelingEventsPorts]:
    """The stack whose jobs count and the pipeline they train; the launcher starts it with the stack's parameters
    (``start``) once the pipeline's code is checked."""
    clients = clients or ClientFactory()
    records = LedgerTrainingRecords(Ledger(clients.client("dynamodb"), settings.ledger_table_name))
    notifier = SnsNotifier(clients.client("sns"), settings.notification_topic_arn)
    code = PipelineCodeCheck(S3PipelineCode(clients.sagemaker(), clients.client("s3")))
    guard = PipelineCodeGuard(code, records, notifier, settings.stack_name)
    executions = StackParameters(SageMakerPipelineExecutions(clients.sagemaker()), start.parameters())
    ports = LabelingEventsPorts(
        jobs=SageMakerLabelingJobReader(clients.sagemaker()),
        launcher=TrainingLauncher(executions, records, guard),
        records=records,
        notifier=notifier,
    )
    return LabelingEventsConfig(settings.stack_name, settings.training_pipeline_name), ports


def from_env() -> tuple[LabelingEventsConfig, LabelingEventsPorts]:
    """:func:`build` with the settings read from the environment (``TrainingSettings``, ``PipelineStartSettings``)."""
    return build(TrainingSettings.from_env(), PipelineStartSettings.from_env())
