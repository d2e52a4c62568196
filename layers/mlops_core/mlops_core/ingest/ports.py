"""The ports of data arrival: what the service needs from the outside world, as abstract classes.

Adapters implement them with boto3 (the feature folders and ``mlops_core.aws``); tests subclass them with in-memory
fakes. The service talks only to these, so it never sees boto3, a table layout, or a SageMaker request shape.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mlops_core.ingest.batching import BatchRecord, BatchStatus
from mlops_core.ingest.objects import ObjectKind, ObjectRef


class ObjectStore(ABC):
    """The data bucket, for what the service writes (manifests) and reads (texts for ``source`` manifests)."""

    bucket: str

    @abstractmethod
    def put_text(self, key: str, text: str, content_type: str) -> str:
        """Write a UTF-8 text object (idempotent: same key, same bytes) and return its ``s3://`` URI."""

    @abstractmethod
    def read_text(self, obj: ObjectRef, max_bytes: int) -> str:
        """Read an object's text (that exact version when it has one), undecodable bytes replaced."""

    @abstractmethod
    def read_head(self, obj: ObjectRef, max_bytes: int) -> bytes:
        """Read the first ``max_bytes`` bytes of an object (that exact version when it has one), as they are.

        Raises
        ------
        ObjectGoneError
            The object (version) no longer exists.
        """


@dataclass(frozen=True, slots=True)
class AdmitResult:
    """What happened when objects asked to join a batch.

    Attributes
    ----------
    admitted
        The objects that joined the batch now.
    taken
        Objects already claimed, by ``identity_hash``: the id of the batch that holds each (possibly this one).
    closed
        The batch stopped taking objects (it was sealed meanwhile); objects neither admitted nor taken were not
        tried and must go to another batch.
    """

    admitted: list[ObjectRef] = field(default_factory=list)
    taken: dict[str, str] = field(default_factory=dict)
    closed: bool = False


class BatchStore(ABC):
    """Batches and the claims that tie each object to exactly one batch (DynamoDB: ledger + idempotency tables)."""

    @abstractmethod
    def claims(self, objects: Sequence[ObjectRef]) -> dict[str, str]:
        """The batch id holding each already-claimed object, by ``identity_hash`` (unclaimed ones are absent)."""

    @abstractmethod
    def get(self, batch_id: str) -> BatchRecord | None:
        """A batch's record, read consistently, or ``None``."""

    @abstractmethod
    def open(self, batch_id: str, kind: ObjectKind, now: datetime) -> bool:
        """Create an ``OPEN`` batch; ``False`` (and no change) when a batch with this id exists."""

    @abstractmethod
    def admit(self, batch_id: str, objects: Sequence[ObjectRef], now: datetime) -> AdmitResult:
        """Claim objects for an open batch and add them as its members, atomically per object and with the check
        that the batch is still open; objects claimed elsewhere are reported, not admitted."""

    @abstractmethod
    def seal(self, batch_id: str, now: datetime) -> BatchRecord:
        """Close an ``OPEN`` batch to new members (no change in any other state); return its current record."""

    @abstractmethod
    def members(self, batch_id: str) -> list[ObjectRef]:
        """Every object that joined the batch."""

    @abstractmethod
    def finish(
        self,
        batch_id: str,
        status: BatchStatus,
        now: datetime,
        *,
        manifest_uri: str | None = None,
        labeling_job_name: str | None = None,
        objects: Sequence[str] = (),
        reason: str | None = None,
    ) -> bool:
        """Record a sealed (or failed) batch's outcome; ``False`` when it had already been finished otherwise."""

    @abstractmethod
    def current_buffer(self, kind: ObjectKind) -> str | None:
        """The id of the debounce buffer objects of this kind join now, if any."""

    @abstractmethod
    def move_buffer(self, kind: ObjectKind, new_id: str | None, expected_id: str | None) -> bool:
        """Point the buffer of this kind at ``new_id`` if it still points at ``expected_id``."""


@dataclass(frozen=True, slots=True)
class LabelingJobStart:
    """The outcome of asking for a labeling job: its name, and whether this call created it (``False`` when a job
    with this name already existed, i.e. an earlier attempt created it)."""

    name: str
    created: bool
    arn: str | None = None


class LabelingJobs(ABC):
    """SageMaker Ground Truth labeling jobs."""

    @abstractmethod
    def create(self, request: Mapping[str, Any]) -> LabelingJobStart:
        """Create a labeling job from a ``CreateLabelingJob`` request; an existing job of that name counts as
        started. Raise :class:`~mlops_core.errors.TransientError` for throttling and server errors and
        :class:`~mlops_core.aws.errors.RequestRejectedError` when SageMaker refuses the request."""


@dataclass(frozen=True, slots=True)
class ReadyBatch:
    """A sealed batch whose data needs no labeling: what the training side needs to start from it."""

    batch_id: str
    kind: ObjectKind
    manifest_uri: str
    object_count: int
    objects: tuple[str, ...] = ()


class TrainingStarter(ABC):
    """Hands data that needs no labeling to training.

    This is the seam the training issue fills: today's implementation only records ``READY_FOR_TRAINING`` in the
    ledger; the training pipeline start will be wired behind this port.
    """

    @abstractmethod
    def data_ready(self, batch: ReadyBatch, now: datetime) -> None:
        """Take over a batch of ready data (idempotent: it may be called again for the same batch)."""


@dataclass(frozen=True, slots=True)
class SealedBatch:
    """A sealed batch, with its members fixed and its input manifest written."""

    batch_id: str
    kind: ObjectKind
    digest: str
    manifest_uri: str
    members: tuple[ObjectRef, ...]


@dataclass(frozen=True, slots=True)
class LabelingOutcome:
    """What a labeling back-end did with a batch: the job it started (or found), and whether it created it."""

    job_name: str
    created: bool


class LabelingBackend(ABC):
    """Turns a sealed batch of raw data into a labeling job (the ``LABELING_BACKEND`` setting picks one)."""

    @abstractmethod
    def label(self, batch: SealedBatch) -> LabelingOutcome | None:
        """Start labeling the batch (idempotent: the same batch always means the same job); ``None`` when this
        back-end does not label, so the batch goes to training as it is."""
