"""Batches of arrived data in DynamoDB: records and members in the ledger, one claim per object in the idempotency
table, joined by transactions.

An object joins a batch in **one transaction** that (1) checks the batch is still ``OPEN`` and counts the object,
(2) creates the object's claim only if no claim exists, and (3) adds the object as a member of the batch. So an
object is in at most one batch, it is never counted without being listed, and nothing joins a batch after it was
sealed (the seal and the join are serialised on the batch record). A transaction carries at most 100 actions:
objects join 49 at a time.

Claim items (idempotency table, key ``id``, TTL attribute ``expiration``) are ``data-arrival#<identity hash>``, so
they cannot collide with Powertools idempotency records sharing the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from mlops_core.aws.dynamodb import DynamoTable, Expression, TransactionCancelledError, transact_write
from mlops_core.aws.errors import ConditionFailedError
from mlops_core.aws.ledger import Ledger, batch_key, batch_member_key, buffer_key, epoch_seconds
from mlops_core.ingest.batching import CLAIM_TTL, BatchRecord, BatchStatus, chunked
from mlops_core.ingest.ledger_items import BatchItem, BatchOutcome, BufferItem, ClaimItem, MemberItem
from mlops_core.ingest.objects import ObjectKind, ObjectRef
from mlops_core.ingest.ports import AdmitResult, BatchStore
from mlops_core.timefmt import stamp

OBJECTS_PER_TRANSACTION = 49
"""One batch update plus a claim and a member per object: 1 + 2 x 49 = 99 <= 100 actions."""

CLAIM_PREFIX = "data-arrival#"
_STATUS = {"#status": "status"}


def claim_id(obj: ObjectRef) -> str:
    """The idempotency-table key of an object's claim."""
    return f"{CLAIM_PREFIX}{obj.identity_hash}"


class DynamoBatchStore(BatchStore):
    """The :class:`~mlops_core.ingest.ports.BatchStore` on the ledger and idempotency tables.

    Parameters
    ----------
    ledger
        The ledger table.
    claims
        The idempotency table (key ``id``, TTL attribute ``expiration``).
    claim_ttl
        How long claims are kept for de-duplication.
    """

    def __init__(self, ledger: Ledger, claims: DynamoTable, claim_ttl: timedelta = CLAIM_TTL) -> None:
        self.ledger = ledger
        self.claims_table = claims
        self.claim_ttl = claim_ttl

    def claims(self, objects: Sequence[ObjectRef]) -> dict[str, str]:
        """The batch holding each claimed object, by identity hash."""
        keys = [{"id": claim_id(o)} for o in objects]
        found = self.claims_table.batch_get(keys)
        claims = (ClaimItem.of_item(item) for item in found)
        return {claim.id.removeprefix(CLAIM_PREFIX): claim.batch_id for claim in claims}

    def get(self, batch_id: str) -> BatchRecord | None:
        """A batch's record."""
        item = self.ledger.get(batch_key(batch_id))
        return BatchItem.of_item(item).record() if item else None

    def open(self, batch_id: str, kind: ObjectKind, now: datetime) -> bool:
        """Create an ``OPEN`` batch unless one with this id exists."""
        fields = BatchItem(
            batch_id=batch_id,
            kind=kind,
            status=BatchStatus.OPEN,
            created_at=stamp(now),
            updated_at=stamp(now),
            object_count=0,
        )
        try:
            self.ledger.put({**batch_key(batch_id), **fields.as_item()}, Expression("attribute_not_exists(pk)"))
        except ConditionFailedError:
            return False
        return True

    def admit(self, batch_id: str, objects: Sequence[ObjectRef], now: datetime) -> AdmitResult:
        """Add objects to an open batch, 49 per transaction; report those claimed elsewhere, stop once closed."""
        result = AdmitResult()
        for chunk in chunked(list(objects), OBJECTS_PER_TRANSACTION):
            todo = list(chunk)
            while todo:
                try:
                    transact_write(self.ledger.client, self._admit_actions(batch_id, todo, now))
                except TransactionCancelledError as exc:
                    closed, taken = self._read_cancellation(exc, todo)
                    result.taken.update(taken)
                    if closed:
                        return AdmitResult(result.admitted, result.taken, closed=True)
                    if not taken:
                        raise
                    todo = [o for o in todo if o.identity_hash not in taken]
                    continue
                result.admitted.extend(todo)
                todo = []
        return result

    def seal(self, batch_id: str, now: datetime) -> BatchRecord:
        """``OPEN`` → ``SEALED``; any other state is left as it is."""
        try:
            item = self.ledger.update(
                batch_key(batch_id),
                Expression(
                    "SET #status = :sealed, updated_at = :now",
                    names=_STATUS,
                    values={":sealed": BatchStatus.SEALED.value, ":now": stamp(now)},
                ),
                Expression("#status = :open", names=_STATUS, values={":open": BatchStatus.OPEN.value}),
            )
            return BatchItem.of_item(item).record()
        except ConditionFailedError:
            record = self.get(batch_id)
            if record is None:
                raise LookupError(f"batch {batch_id} does not exist") from None
            return record

    def members(self, batch_id: str) -> list[ObjectRef]:
        """Every member of the batch (one query, paginated)."""
        key = batch_key(batch_id)
        condition = Expression("pk = :pk AND begins_with(sk, :member)", values={":pk": key["pk"], ":member": "OBJECT#"})
        return [MemberItem.of_item(item).ref() for item in self.ledger.query(condition)]

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
        """Record the outcome of a ``SEALED`` (or retried ``FAILED``) batch."""
        outcome = BatchOutcome(
            status=status,
            updated_at=stamp(now),
            manifest_uri=manifest_uri,
            labeling_job_name=labeling_job_name,
            objects=list(objects) or None,
            reason=reason,
        ).as_item()
        sets = ["#status = :status", *(f"{name} = :{name}" for name in outcome if name != "status")]
        values = {f":{name}": value for name, value in outcome.items()}
        condition = Expression(
            "#status IN (:sealed, :failed)",
            names=_STATUS,
            values={":sealed": BatchStatus.SEALED.value, ":failed": BatchStatus.FAILED.value},
        )
        try:
            self.ledger.update(batch_key(batch_id), Expression("SET " + ", ".join(sets), _STATUS, values), condition)
        except ConditionFailedError:
            return False
        return True

    def current_buffer(self, kind: ObjectKind) -> str | None:
        """The open debounce buffer of this kind."""
        item = self.ledger.get(buffer_key(kind.value))
        return BufferItem.of_item(item).batch_id if item else None

    def move_buffer(self, kind: ObjectKind, new_id: str | None, expected_id: str | None) -> bool:
        """Compare-and-set the buffer pointer."""
        key = buffer_key(kind.value)
        expected = (
            Expression("attribute_not_exists(pk)")
            if expected_id is None
            else Expression("batch_id = :expected", values={":expected": expected_id})
        )
        try:
            if new_id is None:
                self.ledger.delete(key, expected)
            else:
                self.ledger.put({**key, **BufferItem(batch_id=new_id).as_item()}, expected)
        except ConditionFailedError:
            return False
        return True

    # -- helpers ---------------------------------------------------------------------------------------------

    def _admit_actions(self, batch_id: str, todo: Sequence[ObjectRef], now: datetime) -> list[dict[str, Any]]:
        actions = [
            self.ledger.update_action(
                batch_key(batch_id),
                Expression("ADD object_count :n SET updated_at = :now", values={":n": len(todo), ":now": stamp(now)}),
                Expression("#status = :open", names=_STATUS, values={":open": BatchStatus.OPEN.value}),
            )
        ]
        expiration = epoch_seconds(now + self.claim_ttl)
        for obj in todo:
            claim = ClaimItem(
                id=claim_id(obj),
                batch_id=batch_id,
                bucket=obj.bucket,
                key=obj.key,
                claimed_at=stamp(now),
                expiration=expiration,
            ).as_item()
            member = {**batch_member_key(batch_id, obj.identity_hash), **MemberItem.of_ref(obj).as_item()}
            actions.append(
                self.claims_table.put_action(claim, Expression("attribute_not_exists(id)"), return_old_on_failure=True)
            )
            actions.append(self.ledger.put_action(member))
        return actions

    def _read_cancellation(
        self, exc: TransactionCancelledError, todo: Sequence[ObjectRef]
    ) -> tuple[bool, dict[str, str]]:
        """Whether the batch was closed, and which objects were claimed already (by which batch)."""
        reasons = exc.reasons
        closed = bool(reasons) and reasons[0]["code"] == "ConditionalCheckFailed"
        taken: dict[str, str] = {}
        unknown: list[ObjectRef] = []
        for index, obj in enumerate(todo):
            position = 1 + 2 * index
            reason: dict[str, Any] = reasons[position] if position < len(reasons) else {"code": "None"}
            if reason["code"] != "ConditionalCheckFailed":
                continue
            holder = (reason.get("item") or {}).get("batch_id")
            if holder:
                taken[obj.identity_hash] = str(holder)
            else:
                unknown.append(obj)
        if unknown:
            taken.update(self.claims(unknown))
        return closed, taken
