"""Batches of arrived objects: their life cycle, de-duplication, and when a debounce buffer is due.

A batch is one future labeling job (or one ready-for-training data set). Its life cycle::

    OPEN ──seal──▶ SEALED ──▶ LABELING            (a Ground Truth job exists)
                          ├─▶ READY_FOR_TRAINING  (no labeling: already labeled, or labeling back-end ``none``)
                          ├─▶ EMPTY               (every object had joined another batch first)
                          └─▶ FAILED ──retry──▶ … (AWS refused the request; retried when its objects come back)

Objects join a batch only while it is ``OPEN`` (the join and the batch's state are checked in one transaction);
once ``SEALED`` its members are fixed, so everything derived from them (manifest, job name) is deterministic and
any invocation can finish the batch and converge on the same job.

Examples
--------
>>> unique, repeats = dedupe(["a", "b", "a"], key=str)
>>> unique, repeats
(['a', 'b'], ['a'])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from mlops_core.ingest.objects import ObjectKind, ObjectRef

INLINE_OBJECTS_MAX = 100
"""A batch record lists its objects' URIs only up to this many (a DynamoDB item is limited to 400 KB); larger
batches record the count and the manifest, which lists every object."""

CLAIM_TTL = timedelta(days=30)
"""How long an object's claim is kept for de-duplication. Longer than any redelivery: EventBridge retries for 24 h
and SQS (with its dead-letter queue) keeps a message at most 14 days."""


class BatchStatus(StrEnum):
    """Where a batch is in its life cycle (the ``status`` of its ledger record)."""

    OPEN = "OPEN"
    SEALED = "SEALED"
    LABELING = "LABELING"
    READY_FOR_TRAINING = "READY_FOR_TRAINING"
    EMPTY = "EMPTY"
    FAILED = "FAILED"

    @property
    def is_final(self) -> bool:
        """No more work will be done on the batch unless one of its objects arrives again (``FAILED``)."""
        return self in _FINAL

    @property
    def is_done(self) -> bool:
        """The batch's objects are taken care of: a later delivery of one of them is a duplicate."""
        return self in _DONE


_FINAL = frozenset({BatchStatus.LABELING, BatchStatus.READY_FOR_TRAINING, BatchStatus.EMPTY, BatchStatus.FAILED})
_DONE = frozenset({BatchStatus.LABELING, BatchStatus.READY_FOR_TRAINING, BatchStatus.EMPTY})


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """The ledger's record of one batch (``pk = BATCH#<batch_id>``, ``sk = BATCH``).

    Parameters
    ----------
    batch_id, kind, status
        Identity, what its objects are for, and where it is in its life cycle.
    created_at, updated_at
        When it was opened and last changed (UTC).
    object_count
        How many objects joined it.
    manifest_uri, labeling_job_name, objects, reason
        Filled in when it is finished: the input manifest, the Ground Truth job (if any), the object URIs (up to
        :data:`INLINE_OBJECTS_MAX`), and why it failed (``FAILED`` only).
    """

    batch_id: str
    kind: ObjectKind
    status: BatchStatus
    created_at: datetime
    updated_at: datetime
    object_count: int = 0
    manifest_uri: str | None = None
    labeling_job_name: str | None = None
    objects: tuple[str, ...] = field(default_factory=tuple)
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class DebouncePolicy:
    """When a debounce buffer is sealed: at ``max_objects`` objects, or ``max_age`` after it was opened.

    ``max_objects == 0`` turns debouncing off: each invocation's new objects form their own batch at once.
    """

    max_objects: int = 0
    max_age: timedelta = timedelta(seconds=900)

    @property
    def enabled(self) -> bool:
        """Whether objects are held in a buffer across invocations."""
        return self.max_objects > 0

    def is_due(self, record: BatchRecord, now: datetime) -> bool:
        """Whether an open buffer must be sealed now: it is full, or it has waited long enough.

        With debouncing off, any buffer still open (left over from when it was on) is due at once.
        """
        if not self.enabled:
            return True
        return record.object_count >= self.max_objects or now - record.created_at >= self.max_age

    def room_in(self, record: BatchRecord) -> int:
        """How many more objects the buffer takes before it is full."""
        return max(self.max_objects - record.object_count, 0)


def dedupe[T](items: Iterable[T], key: Callable[[T], str]) -> tuple[list[T], list[T]]:
    """Split items into the first of each key (in order) and the repeats."""
    seen: set[str] = set()
    unique: list[T] = []
    repeats: list[T] = []
    for item in items:
        k = key(item)
        (repeats if k in seen else unique).append(item)
        seen.add(k)
    return unique, repeats


def chunked[T](items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` items."""
    if size < 1:
        raise ValueError("size must be at least 1")
    for start in range(0, len(items), size):
        yield items[start : start + size]


def sorted_members(objects: Iterable[ObjectRef]) -> list[ObjectRef]:
    """Members in their canonical order (by identity), so that manifests are byte-for-byte reproducible."""
    return sorted(objects, key=lambda o: o.identity)


def inline_objects(members: Sequence[ObjectRef]) -> tuple[str, ...]:
    """The object URIs a batch record lists: all of them for small batches, none for large ones."""
    if len(members) > INLINE_OBJECTS_MAX:
        return ()
    return tuple(m.s3_uri for m in members)
