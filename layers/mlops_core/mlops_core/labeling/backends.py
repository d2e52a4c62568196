"""The labeling back-ends (``LABELING_BACKEND``): Ground Truth, or none.

:class:`GroundTruthBackend` writes the batch's label categories (and, when none is configured, the worker task
template) next to its manifest, then asks for a labeling job named after the batch's content. Every step is
idempotent, so a batch retried after a crash converges on the same files and the same job.

:class:`NoLabeling` labels nothing: the batch is handed to training as it is.
"""

from __future__ import annotations

from mlops_core.ingest.manifest import ManifestMode, label_categories
from mlops_core.ingest.ports import LabelingBackend, LabelingJobs, LabelingOutcome, ObjectStore, SealedBatch
from mlops_core.labeling.jobs import GroundTruthConfig, labeling_job_request
from mlops_core.labeling.ui_templates import default_ui_template
from mlops_core.naming import label_categories_key, labeling_job_name, ui_template_key


class GroundTruthBackend(LabelingBackend):
    """SageMaker Ground Truth, with a built-in task type.

    Parameters
    ----------
    jobs
        The labeling jobs port (SageMaker, or a fake in tests).
    store
        The data bucket, where label categories and templates are written under ``manifest_prefix``.
    config
        Task type, labels, work team, role, limits.
    manifest_prefix
        Where the batch's files go (``manifests/``).
    mode
        How manifests give objects (decides the default text template).
    """

    def __init__(
        self,
        jobs: LabelingJobs,
        store: ObjectStore,
        config: GroundTruthConfig,
        manifest_prefix: str,
        mode: ManifestMode = ManifestMode.SOURCE_REF,
    ) -> None:
        self.jobs = jobs
        self.store = store
        self.config = config
        self.manifest_prefix = manifest_prefix
        self.mode = mode

    def label(self, batch: SealedBatch) -> LabelingOutcome:
        """Write the label categories (and template), then create the batch's labeling job (or find it)."""
        labels_uri = self.store.put_text(
            label_categories_key(self.manifest_prefix, batch.digest),
            label_categories(self.config.labels),
            "application/json",
        )
        ui_uri = self.config.ui_template_s3_uri or self.store.put_text(
            ui_template_key(self.manifest_prefix, batch.digest),
            default_ui_template(self.config.task_type, self.mode),
            "text/html",
        )
        request = labeling_job_request(
            self.config,
            job_name=labeling_job_name(self.config.stack_name, batch.digest),
            batch_id=batch.batch_id,
            manifest_uri=batch.manifest_uri,
            label_categories_uri=labels_uri,
            ui_template_uri=ui_uri,
            object_count=len(batch.members),
        )
        started = self.jobs.create(request)
        return LabelingOutcome(job_name=started.name, created=started.created)


class NoLabeling(LabelingBackend):
    """``LABELING_BACKEND=none``: the data needs no labeling and goes straight to training."""

    def label(self, batch: SealedBatch) -> None:  # noqa: ARG002 - the port's signature
        """Label nothing."""
        return None
