"""The batch store's items as models: what :mod:`mlops_core.ingest.batch_store` writes, and reads back.

A writer builds its item (or, for a batch's outcome, its update) from a model that refuses an unknown field and
gives the attributes as the store spells them (:meth:`_Written.as_item`: a ``None`` is left out, so an optional
attribute is absent rather than null): :class:`BatchItem` when a batch is opened, :class:`BatchOutcome` when it is
finished, :class:`MemberItem` for each object joining it, :class:`ClaimItem` in the idempotency table,
:class:`BufferItem` for the debounce pointer. The reader validates an item with :meth:`_Written.of_item`, which
ignores what it does not know (a batch record also carries :mod:`mlops_core.training.ledger_items`' fields).

The conditions, the ``ADD object_count`` of a join and the seal's ``SET #status`` stay expressions: they name what
they check or count, not an item.

Examples
--------
>>> from mlops_core.ingest.objects import ObjectRef
>>> ref = ObjectRef(bucket="b", key="k.jpg", size=3, etag="e")
>>> MemberItem.of_ref(ref).as_item()
{'item_type': 'batch-object', 'bucket': 'b', 'key': 'k.jpg', 'size': 3, 'etag': 'e'}
>>> MemberItem.of_item({"bucket": "b", "key": "k.jpg", "size": 3, "etag": "e", "newer": 1}).ref() == ref
True
>>> BufferItem(batch_idd="x")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 2 validation errors for BufferItem
...
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict

from mlops_core.ingest.batching import BatchRecord, BatchStatus
from mlops_core.ingest.objects import ObjectKind, ObjectRef
from mlops_core.timefmt import parse_stamp

__all__ = ["BatchItem", "BatchOutcome", "BufferItem", "ClaimItem", "MemberItem"]


class _Written(BaseModel):
    """An item (or update) the store writes: frozen, unknown fields refused on write, ignored on read."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True, use_enum_values=True)

    def as_item(self) -> dict[str, Any]:
        """The attributes, as the store spells them (``None`` ones left out)."""
        return self.model_dump(exclude_none=True)

    @classmethod
    def of_item(cls, item: Mapping[str, Any]) -> Self:
        """The model of an item (plain values, as :func:`mlops_core.aws.dynamodb.deserialize` gives), what it does
        not know left out."""
        return cls.model_validate({name: value for name, value in item.items() if name in cls.model_fields})


class BatchOutcome(_Written):
    """What finishing a batch sets on its record (an update: the attributes it names with a value)."""

    status: BatchStatus
    updated_at: str
    manifest_uri: str | None = None
    labeling_job_name: str | None = None
    objects: list[str] | None = None
    reason: str | None = None


class BatchItem(BatchOutcome):
    """A batch's record (``pk = BATCH#<batch_id>``, ``sk = BATCH``): written whole when the batch is opened, its
    outcome set by :class:`BatchOutcome`, read back as a :class:`~mlops_core.ingest.batching.BatchRecord`."""

    item_type: Literal["batch"] = "batch"
    batch_id: str
    kind: ObjectKind
    created_at: str
    object_count: int = 0

    def record(self) -> BatchRecord:
        """The batch's record."""
        return BatchRecord(
            batch_id=self.batch_id,
            kind=ObjectKind(self.kind),
            status=BatchStatus(self.status),
            created_at=parse_stamp(self.created_at),
            updated_at=parse_stamp(self.updated_at),
            object_count=self.object_count,
            manifest_uri=self.manifest_uri,
            labeling_job_name=self.labeling_job_name,
            objects=tuple(self.objects or ()),
            reason=self.reason,
        )


class MemberItem(_Written):
    """An object of a batch (``pk = BATCH#<batch_id>``, ``sk = OBJECT#<identity hash>``)."""

    item_type: Literal["batch-object"] = "batch-object"
    bucket: str
    key: str
    size: int
    etag: str
    version_id: str | None = None

    @classmethod
    def of_ref(cls, obj: ObjectRef) -> MemberItem:
        """The member item of ``obj`` (an empty version id left out, as no version)."""
        return cls(bucket=obj.bucket, key=obj.key, size=obj.size, etag=obj.etag, version_id=obj.version_id or None)

    def ref(self) -> ObjectRef:
        """The object it stands for."""
        return ObjectRef(bucket=self.bucket, key=self.key, size=self.size, etag=self.etag, version_id=self.version_id)


class ClaimItem(_Written):
    """An object's claim in the idempotency table (key ``id``, TTL attribute ``expiration`` in epoch seconds)."""

    id: str
    batch_id: str
    bucket: str
    key: str
    claimed_at: str
    expiration: int


class BufferItem(_Written):
    """The debounce buffer of a kind (``pk = BUFFER#<kind>``): the open batch new objects join."""

    item_type: Literal["buffer"] = "buffer"
    batch_id: str
