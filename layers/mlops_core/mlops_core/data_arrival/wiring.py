"""Wiring of the data-arrival use case: settings and boto3 clients in, a ready :class:`DataArrival` out.

The handler builds this once per cold start (lazily, on the first invocation, :func:`from_env`) and tests replace it
whole or call :func:`build_dependencies` with their own clients.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from mlops_core.aws.clients import ClientFactory
from mlops_core.aws.dynamodb import DynamoTable
from mlops_core.aws.ledger import Ledger
from mlops_core.aws.notifications import SnsNotifier
from mlops_core.events import Origin
from mlops_core.ingest.batch_outcomes import BatchingOptions
from mlops_core.ingest.batch_store import DynamoBatchStore
from mlops_core.ingest.batches import BatchCoordinator
from mlops_core.ingest.batching import DebouncePolicy
from mlops_core.ingest.labeled_check import LabeledDataCheck
from mlops_core.ingest.labeled_data import Columns
from mlops_core.ingest.manifest import ManifestMode
from mlops_core.ingest.objects import AcceptancePolicy, ObjectKind
from mlops_core.ingest.ports import BatchStore, LabelingBackend, LabelingJobs, ObjectStore, TrainingStarter
from mlops_core.ingest.s3 import S3ObjectStore
from mlops_core.ingest.service import DataArrival
from mlops_core.ingest.settings import DataArrivalSettings
from mlops_core.ingest.training_data import S3TrainingData
from mlops_core.labeling.backends import GroundTruthBackend, NoLabeling
from mlops_core.labeling.jobs import GroundTruthConfig, TaskType
from mlops_core.labeling.sagemaker import SageMakerLabelingJobs
from mlops_core.naming import DIGEST_LENGTH, labeling_job_name
from mlops_core.settings import OriginSettings
from mlops_core.training.code_check import PipelineCodeCheck, PipelineCodeGuard
from mlops_core.training.code_store import S3PipelineCode
from mlops_core.training.pipeline_start import PipelineStartSettings, StackParameters
from mlops_core.training.pipelines import PipelineExecutions, SageMakerPipelineExecutions
from mlops_core.training.records import LedgerTrainingRecords
from mlops_core.training.starts import (
    BatchTraining,
    LedgerTrainingStarter,
    PipelineTrainingStarter,
    TrainingLauncher,
)


@dataclass(frozen=True, slots=True)
class Dependencies:
    """Everything the handler needs, built once per cold start."""

    settings: DataArrivalSettings
    arrival: DataArrival


def acceptance_policy(settings: DataArrivalSettings) -> AcceptancePolicy:
    """What objects are accepted, from the settings."""
    return AcceptancePolicy(
        bucket=settings.data_bucket_name,
        incoming_prefix=settings.incoming_prefix,
        labeled_prefix=settings.labeled_prefix,
        allowed_extensions=settings.allowed_extensions,
        max_object_bytes=settings.max_object_bytes,
    )


def ground_truth_config(settings: DataArrivalSettings, region: str) -> GroundTruthConfig:
    """The Ground Truth job settings; fails fast when the Region or the stack name cannot work.

    Raises
    ------
    ConfigurationError
        Ground Truth does not support the Region.
    ValueError
        The stack name cannot prefix a labeling job name.
    """
    config = GroundTruthConfig(
        region=region,
        stack_name=settings.stack_name,
        task_type=TaskType(settings.labeling_task_type),
        labels=settings.labeling_labels,
        workteam_arn=settings.labeling_workteam_arn,
        role_arn=settings.labeling_role_arn,
        output_uri=f"s3://{settings.data_bucket_name}/{settings.labeling_output_prefix}",
        task_time_limit_seconds=settings.labeling_task_time_limit_seconds,
        workers_per_object=settings.labeling_workers_per_object,
        automated=settings.labeling_automated,
        ui_template_s3_uri=settings.labeling_ui_template_s3_uri,
    )
    config.validate()
    labeling_job_name(settings.stack_name, "0" * DIGEST_LENGTH)
    return config


def labeling_backend(
    settings: DataArrivalSettings, factory: ClientFactory, objects: ObjectStore, jobs: LabelingJobs | None = None
) -> LabelingBackend:
    """The back-end named by ``LABELING_BACKEND`` (the SageMaker client is only created for Ground Truth)."""
    if settings.labeling_backend == "none":
        return NoLabeling()
    return GroundTruthBackend(
        jobs or SageMakerLabelingJobs(factory.sagemaker()),
        objects,
        ground_truth_config(settings, factory.region),
        settings.manifest_prefix,
        ManifestMode(settings.labeling_input_mode),
    )


def training_starter(
    settings: DataArrivalSettings,
    factory: ClientFactory,
    store: BatchStore,
    ledger: Ledger,
    executions: PipelineExecutions | None = None,
    *,
    start: PipelineStartSettings | None = None,
) -> TrainingStarter:
    """The training pipeline's starter, or (``TRAINING_PIPELINE_NAME`` empty) a starter that only records; every
    execution gets the stack's training parameters (``start``)."""
    if not settings.training_pipeline_name:
        return LedgerTrainingStarter(store)
    records = LedgerTrainingRecords(ledger)
    notifier = SnsNotifier(factory.client("sns"), settings.notification_topic_arn)
    code = PipelineCodeCheck(S3PipelineCode(factory.sagemaker(), factory.client("s3")))
    parameters = (start or PipelineStartSettings()).parameters()
    launcher = TrainingLauncher(
        StackParameters(executions or SageMakerPipelineExecutions(factory.sagemaker()), parameters),
        records,
        PipelineCodeGuard(code, records, notifier, settings.stack_name),
    )
    return PipelineTrainingStarter(
        store,
        S3TrainingData(factory.client("s3"), settings.data_bucket_name),
        launcher,
        notifier,
        BatchTraining(
            settings.stack_name, settings.training_pipeline_name, settings.data_bucket_name, columns(settings)
        ),
    )


def columns(settings: DataArrivalSettings) -> Columns:
    """The label and feature columns labeled data must have (``LABEL_COLUMN``, ``FEATURE_COLUMNS``)."""
    return Columns(settings.label_column, settings.feature_columns)


def labeled_data_check(settings: DataArrivalSettings, factory: ClientFactory, objects: ObjectStore) -> LabeledDataCheck:
    """The arrival check of the files that go straight to training: ``labeled/`` ones, and ``incoming/`` ones too when
    nothing labels them (``LABELING_BACKEND=none``)."""
    kinds = {ObjectKind.LABELED} | ({ObjectKind.LABELING} if settings.labeling_backend == "none" else set())
    notifier = SnsNotifier(factory.client("sns"), settings.notification_topic_arn)
    return LabeledDataCheck(objects, columns(settings), frozenset(kinds), notifier)


def build_dependencies(
    settings: DataArrivalSettings,
    factory: ClientFactory | None = None,
    labeling_jobs: LabelingJobs | None = None,
    pipeline_executions: PipelineExecutions | None = None,
    *,
    origin: Origin,
    start: PipelineStartSettings | None = None,
) -> Dependencies:
    """Wire the use case to DynamoDB, S3 and SageMaker (``labeling_jobs`` and ``pipeline_executions`` replace the
    SageMaker adapters); ``origin`` is the function's own account and Region, which every event must come from;
    ``start`` the stack's training parameters."""
    factory = factory or ClientFactory()
    dynamodb = factory.client("dynamodb")
    ledger = Ledger(dynamodb, settings.ledger_table_name)
    store = DynamoBatchStore(ledger, DynamoTable(dynamodb, settings.idempotency_table_name))
    objects = S3ObjectStore(factory.client("s3"), settings.data_bucket_name)
    options = BatchingOptions(
        manifest_prefix=settings.manifest_prefix,
        manifest_mode=ManifestMode(settings.labeling_input_mode),
        max_text_bytes=settings.max_object_bytes,
        debounce=DebouncePolicy(settings.debounce_max_objects, timedelta(seconds=settings.debounce_max_seconds)),
    )
    coordinator = BatchCoordinator(
        store,
        objects,
        labeling_backend(settings, factory, objects, labeling_jobs),
        training_starter(settings, factory, store, ledger, pipeline_executions, start=start),
        options,
    )
    arrival = DataArrival(
        acceptance_policy(settings), coordinator, origin, labeled_data_check(settings, factory, objects)
    )
    return Dependencies(settings=settings, arrival=arrival)


def from_env() -> Dependencies:
    """:func:`build_dependencies` with the settings of the environment: ``DataArrivalSettings``, the function's origin
    (``ACCOUNT_ID``, ``AWS_REGION``) and the stack's training parameters (``PipelineStartSettings``)."""
    return build_dependencies(
        DataArrivalSettings.from_env(),
        origin=OriginSettings.from_env().origin(),
        start=PipelineStartSettings.from_env(),
    )
