"""Placing accepted objects into batches, and finishing batches into labeling jobs or ready data sets.

Crash safety, in one paragraph: an object is *claimed* by exactly one batch, in the same transaction that adds it
to the batch, and nothing is acknowledged to SQS before its batch is finished (without debouncing) or durably
buffered (with it). Finishing a batch is a chain of idempotent steps — seal, write the manifest (named after the
members), create the job (named after the members; "already exists" means an earlier attempt made it), record the
outcome — so if an invocation dies anywhere in it, the retried messages find their objects' claims, find the batch
unfinished, and finish it: the same manifest, the same job, never a second one. A delivery of an object whose batch
is finished is a duplicate.

With debouncing (``DEBOUNCE_MAX_OBJECTS > 0``), objects join the kind's current *buffer* (a batch kept open across
invocations, pointed at by the ledger's ``BUFFER#<kind>`` item) until it holds ``max_objects`` objects or is
``max_age`` old; every invocation first finishes buffers that are due (:meth:`BatchCoordinator.flush_due`), so a
quiet period ends with the next message, or with the scheduled flush message the template can send.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime
from math import ceil

from aws_lambda_powertools import Logger

from mlops_core.aws.errors import RequestRejectedError
from mlops_core.errors import TransientError
from mlops_core.ingest.batch_outcomes import BatchFailedError, BatchingOptions, Placement
from mlops_core.ingest.batching import BatchRecord, BatchStatus, inline_objects, sorted_members
from mlops_core.ingest.manifest import ManifestMode, manifest_lines
from mlops_core.ingest.objects import ObjectKind, ObjectRef
from mlops_core.ingest.ports import (
    BatchStore,
    LabelingBackend,
    ObjectStore,
    ReadyBatch,
    SealedBatch,
    TrainingStarter,
)
from mlops_core.naming import batch_id_for, buffer_id_for, content_digest, manifest_key

logger = Logger()

MAX_ROUNDS = 8
"""Bound on retries of a placement that keeps racing other invocations; past it the messages are retried later."""


class BatchCoordinator:
    """Forms, fills and finishes batches; the only place that decides how objects become labeling jobs."""

    def __init__(
        self,
        store: BatchStore,
        objects: ObjectStore,
        labeling: LabelingBackend,
        training: TrainingStarter,
        options: BatchingOptions,
    ) -> None:
        self.store = store
        self.objects = objects
        self.labeling = labeling
        self.training = training
        self.options = options

    # -- entry points ----------------------------------------------------------------------------------------

    def place(self, kind: ObjectKind, objects: Sequence[ObjectRef], now: datetime) -> Placement:
        """Put distinct objects of one kind into batches; finish what must be finished now."""
        placement = Placement()
        holders = self.store.claims(objects)
        claimed = [o for o in objects if o.identity_hash in holders]
        fresh = [o for o in objects if o.identity_hash not in holders]
        self._settle(claimed, holders, placement, now)
        if fresh and self.options.debounce.enabled:
            self._buffer(kind, fresh, placement, now)
        elif fresh:
            self._batch(kind, fresh, placement, now)
        return placement

    def flush_due(self, kind: ObjectKind, now: datetime) -> Placement:
        """Finish the kind's buffer if it is due (full, old enough, sealed, or left over with debouncing off)."""
        placement = Placement()
        current = self.store.current_buffer(kind)
        record = self.store.get(current) if current else None
        if current is None or record is None or record.status.is_final:
            if current is not None and not self.options.debounce.enabled:
                self.store.move_buffer(kind, None, current)
            return placement
        if record.status is BatchStatus.OPEN and not self.options.debounce.is_due(record, now):
            return placement
        try:
            self.finish(current, placement, now)
        except BatchFailedError:
            return placement
        if not self.options.debounce.enabled:
            self.store.move_buffer(kind, None, current)
        return placement

    def finish(self, batch_id: str, placement: Placement, now: datetime) -> BatchStatus:
        """Seal a batch and turn it into a labeling job or a ready data set; idempotent and safe to repeat.

        Raises
        ------
        BatchFailedError
            AWS refused the request for good; the batch is recorded ``FAILED`` with the reason.
        """
        record = self.store.seal(batch_id, now)
        if record.status.is_done:
            return record.status
        members = sorted_members(self.store.members(batch_id))
        if not members:
            self.store.finish(batch_id, BatchStatus.EMPTY, now)
            return BatchStatus.EMPTY
        digest = content_digest(m.identity for m in members)
        manifest_uri: str | None = None
        try:
            manifest_uri = self._write_manifest(record, members, digest)
            sealed = SealedBatch(batch_id, record.kind, digest, manifest_uri, tuple(members))
            return self._hand_over(sealed, placement, now)
        except RequestRejectedError as exc:
            self.store.finish(batch_id, BatchStatus.FAILED, now, manifest_uri=manifest_uri, reason=str(exc))
            placement.batches_failed.append(batch_id)
            logger.error("batch refused", extra={"batch_id": batch_id, "objects": len(members), "reason": str(exc)})
            raise BatchFailedError(batch_id, str(exc)) from exc

    # -- finishing -------------------------------------------------------------------------------------------

    def _write_manifest(self, record: BatchRecord, members: list[ObjectRef], digest: str) -> str:
        mode = self.options.manifest_mode if record.kind is ObjectKind.LABELING else ManifestMode.SOURCE_REF
        texts = None
        if mode is ManifestMode.SOURCE:
            texts = {m.identity: self.objects.read_text(m, self.options.max_text_bytes) for m in members}
        body = manifest_lines(members, mode, texts)
        return self.objects.put_text(manifest_key(self.options.manifest_prefix, digest), body, "application/jsonlines")

    def _hand_over(self, sealed: SealedBatch, placement: Placement, now: datetime) -> BatchStatus:
        outcome = self.labeling.label(sealed) if sealed.kind is ObjectKind.LABELING else None
        objects = inline_objects(sealed.members)
        if outcome is None:
            ready = ReadyBatch(sealed.batch_id, sealed.kind, sealed.manifest_uri, len(sealed.members), objects)
            self.training.data_ready(ready, now)
            placement.batches_ready.append(sealed.batch_id)
            logger.info(
                "batch ready for training", extra={"batch_id": sealed.batch_id, "manifest": sealed.manifest_uri}
            )
            return BatchStatus.READY_FOR_TRAINING
        self.store.finish(
            sealed.batch_id,
            BatchStatus.LABELING,
            now,
            manifest_uri=sealed.manifest_uri,
            labeling_job_name=outcome.job_name,
            objects=objects,
        )
        (placement.jobs_started if outcome.created else placement.jobs_found).append(outcome.job_name)
        logger.info(
            "labeling job started" if outcome.created else "labeling job already existed",
            extra={"batch_id": sealed.batch_id, "labeling_job_name": outcome.job_name, "objects": len(sealed.members)},
        )
        return BatchStatus.LABELING

    # -- placing ---------------------------------------------------------------------------------------------

    def _settle(
        self, objects: Sequence[ObjectRef], holders: dict[str, str], placement: Placement, now: datetime
    ) -> None:
        """Objects already claimed: duplicates of a finished or buffering batch; otherwise finish their batch."""
        by_batch: dict[str, list[ObjectRef]] = {}
        for obj in objects:
            by_batch.setdefault(holders[obj.identity_hash], []).append(obj)
        for batch_id, group in by_batch.items():
            record = self.store.get(batch_id)
            if record is not None and not record.status.is_done and not self._is_buffering(record, now):
                try:
                    self.finish(batch_id, placement, now)
                except BatchFailedError:
                    placement.failed.extend(group)
                    continue
            placement.duplicates.extend(group)
            for obj in group:
                logger.info("duplicate object", extra={"key": obj.key, "batch_id": batch_id})

    def _is_buffering(self, record: BatchRecord, now: datetime) -> bool:
        debounce = self.options.debounce
        return (
            record.status is BatchStatus.OPEN
            and debounce.enabled
            and not debounce.is_due(record, now)
            and self.store.current_buffer(record.kind) == record.batch_id
        )

    def _batch(self, kind: ObjectKind, fresh: Sequence[ObjectRef], placement: Placement, now: datetime) -> None:
        """No debouncing: the new objects form one batch, named after them, finished at once."""
        pending = list(fresh)
        previous: str | None = None
        for _ in range(MAX_ROUNDS):
            batch_id = batch_id_for(kind.value, (o.identity for o in pending), previous)
            self.store.open(batch_id, kind, now)
            result = self.store.admit(batch_id, pending, now)
            placement.accepted.extend(result.admitted)
            ours = self._split_taken(pending, result.taken, batch_id, placement, now)
            try:
                self.finish(batch_id, placement, now)
            except BatchFailedError:
                placement.failed.extend([*result.admitted, *ours])
            if not result.closed:
                return
            handled = {o.identity_hash for o in result.admitted} | set(result.taken)
            pending = [o for o in pending if o.identity_hash not in handled]
            if not pending:
                return
            previous = batch_id
        raise TransientError(f"{len(pending)} objects could not join a batch after {MAX_ROUNDS} attempts")

    def _buffer(self, kind: ObjectKind, fresh: Sequence[ObjectRef], placement: Placement, now: datetime) -> None:
        """Debouncing: the new objects join the kind's buffer; a buffer that fills up is finished at once."""
        debounce = self.options.debounce
        pending = list(fresh)
        admitted_into: dict[str, list[ObjectRef]] = {}
        limit = MAX_ROUNDS + 2 * ceil(len(fresh) / debounce.max_objects)
        for _ in range(limit):
            if not pending:
                return
            buffer = self._open_buffer(kind, placement, now)
            take = pending[: max(debounce.room_in(buffer), 1)]
            result = self.store.admit(buffer.batch_id, take, now)
            placement.accepted.extend(result.admitted)
            admitted_into.setdefault(buffer.batch_id, []).extend(result.admitted)
            self._split_taken(take, result.taken, buffer.batch_id, placement, now)
            handled = {o.identity_hash for o in result.admitted} | set(result.taken)
            pending = [o for o in take if o.identity_hash not in handled] + pending[len(take) :]
            refreshed = self.store.get(buffer.batch_id)
            if refreshed is not None and refreshed.status is BatchStatus.OPEN and debounce.is_due(refreshed, now):
                try:
                    self.finish(buffer.batch_id, placement, now)
                except BatchFailedError:
                    placement.failed.extend(admitted_into[buffer.batch_id])
        if pending:
            raise TransientError(f"{len(pending)} objects could not join a buffer after {limit} attempts")

    def _open_buffer(self, kind: ObjectKind, placement: Placement, now: datetime) -> BatchRecord:
        """The kind's open buffer that is not due yet: finish a due or sealed one first, open one if needed."""
        for _ in range(MAX_ROUNDS):
            current = self.store.current_buffer(kind)
            record = self.store.get(current) if current else None
            if current is not None and record is not None and not record.status.is_final:
                if record.status is BatchStatus.OPEN and not self.options.debounce.is_due(record, now):
                    return record
                # A refused buffer is recorded FAILED and logged; its objects come back through their messages.
                with suppress(BatchFailedError):
                    self.finish(current, placement, now)
                continue
            new_id = buffer_id_for(kind.value, now, current)
            created = self.store.open(new_id, kind, now)
            if self.store.move_buffer(kind, new_id, current):
                continue
            if created and self.store.current_buffer(kind) != new_id:
                self.store.seal(new_id, now)
                self.store.finish(new_id, BatchStatus.EMPTY, now)
        raise TransientError(f"could not open a {kind.value} buffer after {MAX_ROUNDS} attempts")

    def _split_taken(
        self, objects: Sequence[ObjectRef], taken: dict[str, str], batch_id: str, placement: Placement, now: datetime
    ) -> list[ObjectRef]:
        """Objects found already claimed while joining ``batch_id``: return those it holds itself, settle others."""
        ours = [o for o in objects if taken.get(o.identity_hash) == batch_id]
        elsewhere = [o for o in objects if o.identity_hash in taken and taken[o.identity_hash] != batch_id]
        placement.duplicates.extend(ours)
        self._settle(elsewhere, taken, placement, now)
        return ours
