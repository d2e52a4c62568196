"""Handing data that needs no labeling to training.

Today this records the batch as ``READY_FOR_TRAINING`` in the ledger, and that is all: starting the training
pipeline from it is the training issue's work, and will be a :class:`~mlops_core.domain.ports.TrainingStarter`
that starts the pipeline execution (named after the batch, so that it is idempotent) before recording.
"""

from __future__ import annotations

from datetime import datetime

from mlops_core.domain.batching import BatchStatus
from mlops_core.domain.ports import BatchStore, ReadyBatch, TrainingStarter


class LedgerTrainingStarter(TrainingStarter):
    """Records ``READY_FOR_TRAINING`` (with the manifest) on the batch's ledger record; starts nothing yet."""

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
