"""What batching produces and needs: the outcome of one invocation, the options, and the failure of a batch."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlops_core.errors import MlopsError
from mlops_core.ingest.batching import DebouncePolicy
from mlops_core.ingest.manifest import ManifestMode
from mlops_core.ingest.objects import ObjectRef


class BatchFailedError(MlopsError):
    """AWS refused a batch's labeling job (or training hand-over) for good; the batch is recorded ``FAILED``."""

    def __init__(self, batch_id: str, reason: str) -> None:
        super().__init__(f"batch {batch_id} failed: {reason}")
        self.batch_id = batch_id
        self.reason = reason


@dataclass
class Placement:
    """What happened to objects in one invocation (merged across kinds and batches)."""

    accepted: list[ObjectRef] = field(default_factory=list)
    duplicates: list[ObjectRef] = field(default_factory=list)
    failed: list[ObjectRef] = field(default_factory=list)
    jobs_started: list[str] = field(default_factory=list)
    jobs_found: list[str] = field(default_factory=list)
    batches_ready: list[str] = field(default_factory=list)
    batches_failed: list[str] = field(default_factory=list)

    def merge(self, other: Placement) -> None:
        """Add another placement's results to this one."""
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))


@dataclass(frozen=True, slots=True)
class BatchingOptions:
    """How batches are formed and written.

    Parameters
    ----------
    manifest_prefix
        Where manifests go (``manifests/``).
    manifest_mode
        How raw data is given to labeling (``source-ref`` or inline ``source`` text).
    max_text_bytes
        The most bytes read from an object for an inline ``source`` line.
    debounce
        When buffers are sealed; off by default.
    """

    manifest_prefix: str
    manifest_mode: ManifestMode = ManifestMode.SOURCE_REF
    max_text_bytes: int = 100_000
    debounce: DebouncePolicy = field(default_factory=DebouncePolicy)
