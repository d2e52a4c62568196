"""Handing data to training: one pipeline execution per batch or labeling job, however often it is handed over.

Two triggers start the training pipeline:

- a **labeling job** that completed (LabelingEvents): ``InputManifestUri`` is its output manifest;
- a **batch that needs no labeling** (``labeled/`` data, or the ``none`` labeling back-end; DataArrival through
  :class:`PipelineTrainingStarter`): the batch's labelled JSON-lines files are copied under one per-batch prefix
  (``manifests/<digest>/training/``), which becomes ``InputManifestUri``; the preprocess step reads every
  ``.csv``/``.jsonl``/``.json``/``.manifest`` file there, with the stack's label and feature columns (passed as the
  ``LabelColumn`` and ``FeatureColumns`` parameters). Files of other types cannot be read by it and are left out.

:class:`TrainingLauncher` makes the start idempotent. It claims the trigger in the ledger (the first claim's time is
kept), returns the execution already recorded for it, or asks :class:`~mlops_core.training.pipelines.
PipelineExecutions` to start one whose display name and client token derive from the trigger (the adapter finds an
execution an interrupted attempt started), then records the execution on the trigger and on its own record.

:class:`LedgerTrainingStarter` only records ``READY_FOR_TRAINING``: it serves stacks without a training pipeline
(``TRAINING_PIPELINE_NAME`` empty).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath

from aws_lambda_powertools import Logger

from mlops_core.aws.errors import RequestRejectedError
from mlops_core.aws.notifications import Notifier
from mlops_core.ingest.batching import BatchStatus, sorted_members
from mlops_core.ingest.labeled_data import READABLE_SUFFIXES, Columns
from mlops_core.ingest.objects import ObjectRef
from mlops_core.ingest.ports import BatchStore, ReadyBatch, TrainingStarter
from mlops_core.ingest.training_data import TrainingData
from mlops_core.timefmt import stamp
from mlops_core.training.code_check import PipelineCodeGuard
from mlops_core.training.ledger_items import BatchTrainingFields, ExecutionFields, TriggerFields
from mlops_core.training.pipelines import NO_VALUE, ExecutionRequest, LabelingJobFacts, PipelineExecutions
from mlops_core.training.records import ExecutionRecord, TrainingRecords, Trigger, TriggerKind

logger = Logger()

STACK_TAG = "mlops:stack"
BATCH_TAG = "mlops:batch-id"
"""Tags data arrival puts on its labeling jobs (:func:`mlops_core.labeling.jobs.labeling_job_request`)."""
TRAINING_INPUT_SUFFIXES = READABLE_SUFFIXES
"""Extensions the preprocess steps read (``pipelines/models/*/preprocess.py``: ``INPUT_SUFFIXES``): labeled CSV and
JSON lines (the arrival check, :mod:`mlops_core.ingest.labeled_data`, refuses the others before they get here)."""
MAX_TRAINING_FILES = 1000
"""Most files one batch's training input is copied from (one ``CopyObject`` each, within the function's time)."""
TRAINING_PREFIX = "training/"


class TrainingInputRejectedError(RequestRejectedError):
    """A batch's files cannot become one training input (too many files): retrying cannot change that."""

    def __init__(self, message: str) -> None:
        super().__init__("StartPipelineExecution", "TrainingInputRejected", message)


# -- requests (pure) --------------------------------------------------------------------------------------------------


def client_token(pipeline_name: str, display_name: str) -> str:
    """The ``ClientRequestToken`` of the run named ``display_name`` (64 hex characters, deterministic)."""
    return hashlib.sha256(f"{pipeline_name}\x00{display_name}".encode()).hexdigest()


def execution_id(execution_arn: str) -> str:
    """The id at the end of ``arn:...:pipeline/<name>/execution/<id>``."""
    return execution_arn.rsplit("/execution/", 1)[-1]


def batch_display_name(stack_name: str, batch_id: str) -> str:
    """``<stack>-batch-<batch id>``: at most 40 + 7 + 20 characters, within the 82 SageMaker allows."""
    return f"{stack_name}-batch-{batch_id}"


def batch_request(
    stack_name: str, pipeline_name: str, batch_id: str, input_uri: str, columns: Columns | None = None
) -> ExecutionRequest:
    """The execution that trains on a ready batch's files, read with ``columns`` (the ones they were checked for)."""
    name = batch_display_name(stack_name, batch_id)
    columns = columns or Columns()
    return ExecutionRequest(
        pipeline_name=pipeline_name,
        display_name=name,
        client_token=client_token(pipeline_name, name),
        description=f"Training on data batch {batch_id} (no labeling needed)",
        parameters={
            "InputManifestUri": input_uri,
            "DataBatchId": batch_id,
            "LabelingJobName": NO_VALUE,
            "LabelColumn": columns.label,
            "FeatureColumns": ",".join(columns.features),
        },
    )


def labeling_request(pipeline_name: str, job: LabelingJobFacts, batch_id: str | None) -> ExecutionRequest:
    """The execution that trains on a completed labeling job's output manifest, with its label attribute.

    The display name is the job's name: it fits (at most 63 characters) and tells which job a run trained on.
    """
    if not job.output_manifest_uri:
        raise ValueError(f"labeling job {job.name} has no output manifest")
    parameters = {
        "InputManifestUri": job.output_manifest_uri,
        "LabelingJobName": job.name,
        "DataBatchId": batch_id or NO_VALUE,
    }
    if job.label_attribute_name:
        parameters["LabelAttributeName"] = job.label_attribute_name
    return ExecutionRequest(
        pipeline_name=pipeline_name,
        display_name=job.name,
        client_token=client_token(pipeline_name, job.name),
        description=f"Training on labeling job {job.name}",
        parameters=parameters,
    )


def is_training_input(obj: ObjectRef) -> bool:
    """Whether the preprocess step reads this file (by its extension, compared in lower case)."""
    return PurePosixPath(obj.key).suffix.lower() in TRAINING_INPUT_SUFFIXES


def training_input_prefix(manifest_uri: str, bucket: str) -> str:
    """``manifests/<digest>/training/`` beside the batch's ``manifests/<digest>/input.manifest``.

    Raises
    ------
    ValueError
        When the manifest is not an object of ``bucket``.
    """
    key = manifest_uri.removeprefix(f"s3://{bucket}/")
    if key == manifest_uri or "/" not in key:
        raise ValueError(f"{manifest_uri!r} is not a manifest in s3://{bucket}/<prefix>/")
    return f"{key.rsplit('/', 1)[0]}/{TRAINING_PREFIX}"


# -- starting -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Launch:
    """The execution a trigger led to: ``created`` by this call, or found (``recorded`` in the ledger already)."""

    execution_arn: str
    created: bool
    recorded: bool = False


class TrainingLauncher:
    """Starts one pipeline execution per trigger and records it (see the module's docstring); with a ``guard``, only
    when the step code the pipeline names is in S3 (:mod:`mlops_core.training.code_check`)."""

    def __init__(
        self, executions: PipelineExecutions, records: TrainingRecords, guard: PipelineCodeGuard | None = None
    ) -> None:
        self.executions = executions
        self.records = records
        self.guard = guard

    def launch(
        self,
        trigger: Trigger,
        request: ExecutionRequest,
        now: datetime,
        lineage: Mapping[str, str | None],
    ) -> Launch:
        """Start (or find) the trigger's execution; ``lineage`` (``batch_id``, ``labeling_job_name``,
        ``input_manifest_uri``) goes on the execution's record."""
        claim = self.records.claim_start(trigger, now)
        if claim.execution_arn:
            return Launch(claim.execution_arn, created=False, recorded=True)
        if self.guard is not None:
            self.guard.ensure(trigger, request.pipeline_name, now)
        started = self.executions.start(request, since=claim.requested_at)
        arn = started.execution_arn
        self.records.save_trigger(
            trigger,
            TriggerFields(pipeline_execution_arn=arn, training_input_uri=request.parameters.get("InputManifestUri")),
            now,
        )
        record = ExecutionRecord(
            pipeline_name=request.pipeline_name,
            execution_id=execution_id(arn),
            execution_arn=arn,
            display_name=request.display_name,
            batch_id=lineage.get("batch_id"),
            labeling_job_name=lineage.get("labeling_job_name"),
            input_manifest_uri=lineage.get("input_manifest_uri"),
        )
        self.records.save_execution(record, ExecutionFields(requested_at=stamp(claim.requested_at)), now)
        logger.info(
            "pipeline execution started" if started.created else "pipeline execution found",
            extra={"trigger": trigger.name, "execution_arn": arn, "display_name": request.display_name},
        )
        return Launch(arn, created=started.created)


@dataclass(frozen=True, slots=True)
class BatchTraining:
    """Where a ready batch's training input goes and which pipeline trains on it."""

    stack_name: str
    pipeline_name: str
    bucket: str
    columns: Columns = field(default_factory=Columns)


class PipelineTrainingStarter(TrainingStarter):
    """Starts the training pipeline on a ready batch's labelled files, then records ``READY_FOR_TRAINING``.

    A batch without any file preprocess can read starts nothing: the ledger and a notification say why.

    Raises
    ------
    TrainingInputRejectedError
        (from :meth:`data_ready`) A batch of more than :data:`MAX_TRAINING_FILES` files; the batch is recorded
        ``FAILED`` with the reason by the caller.
    """

    def __init__(
        self,
        store: BatchStore,
        data: TrainingData,
        launcher: TrainingLauncher,
        notifier: Notifier,
        config: BatchTraining,
    ) -> None:
        self.store = store
        self.data = data
        self.launcher = launcher
        self.records = launcher.records
        self.notifier = notifier
        self.config = config

    def data_ready(self, batch: ReadyBatch, now: datetime) -> None:
        """Snapshot the batch's files, start (or find) its execution, record the batch as ready."""
        members = sorted_members(self.store.members(batch.batch_id))
        files = [m for m in members if is_training_input(m)]
        fields = BatchTrainingFields(training_files=len(files), training_files_skipped=len(members) - len(files))
        if not files:
            self._not_started(batch, fields, now)
        else:
            if len(files) > MAX_TRAINING_FILES:
                raise TrainingInputRejectedError(
                    f"batch {batch.batch_id} has {len(files)} training files, more than {MAX_TRAINING_FILES}: "
                    "merge them into fewer JSON-lines files"
                )
            prefix = training_input_prefix(batch.manifest_uri, self.config.bucket)
            input_uri = self.data.snapshot(files, prefix)
            request = batch_request(
                self.config.stack_name, self.config.pipeline_name, batch.batch_id, input_uri, self.config.columns
            )
            lineage = {"batch_id": batch.batch_id, "input_manifest_uri": input_uri}
            self.launcher.launch(Trigger(TriggerKind.BATCH, batch.batch_id), request, now, lineage)
            self.records.save_batch(batch.batch_id, fields, now)
        self.store.finish(
            batch.batch_id,
            BatchStatus.READY_FOR_TRAINING,
            now,
            manifest_uri=batch.manifest_uri,
            objects=batch.objects,
        )

    def _not_started(self, batch: ReadyBatch, fields: BatchTrainingFields, now: datetime) -> None:
        reason = (
            f"none of the batch's {fields.training_files_skipped} files is labeled CSV or JSON lines "
            f"({', '.join(sorted(TRAINING_INPUT_SUFFIXES))}): no training started"
        )
        not_started = BatchTrainingFields(**fields.as_update(), pipeline_status="NOT_STARTED", pipeline_reason=reason)
        self.records.save_batch(batch.batch_id, not_started, now)
        logger.warning("batch not trained", extra={"batch_id": batch.batch_id, "reason": reason})
        message = {
            "kind": "training",
            "outcome": "NOT_STARTED",
            "batch_id": batch.batch_id,
            "manifest_uri": batch.manifest_uri,
            "pipeline_name": self.config.pipeline_name,
            "reason": reason,
        }
        self.notifier.publish(f"[TRAINING NOT STARTED] batch {batch.batch_id}", message)


class LedgerTrainingStarter(TrainingStarter):
    """Records ``READY_FOR_TRAINING`` (with the manifest) on the batch's ledger record; starts nothing."""

    def __init__(self, store: BatchStore) -> None:
        self.store = store

    def data_ready(self, batch: ReadyBatch, now: datetime) -> None:
        """Mark the batch ready for training (a second call for the same batch changes nothing)."""
        self.store.finish(
            batch.batch_id,
            BatchStatus.READY_FOR_TRAINING,
            now,
            manifest_uri=batch.manifest_uri,
            objects=batch.objects,
        )
