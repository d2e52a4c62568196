"""The ledger table: the system's memory (``pk``/``sk`` keys, TTL attribute ``expires_at``; see docs/wiring.md).

One table holds every kind of record, told apart by key prefixes:

======================  ======================================  ===================================================
Item                    ``pk``                                  ``sk``
======================  ======================================  ===================================================
data batch              ``BATCH#<batch_id>``                    ``BATCH``
batch member (object)   ``BATCH#<batch_id>``                    ``OBJECT#<identity hash>``
debounce buffer         ``BUFFER#<kind>``                       ``CURRENT``
deployment              ``ENDPOINT#<endpoint_name>``            ``DEPLOYMENT#<started_at>#<deployment_id>``
endpoint lock           ``ENDPOINT#<endpoint_name>``            ``LOCK``
======================  ======================================  ===================================================

:class:`Ledger` adds the key helpers and an expiring lock to :class:`~mlops_core.aws.dynamodb.DynamoTable`;
feature-specific stores (batches, deployments) build on it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mlops_core.aws.dynamodb import DynamoTable, Expression
from mlops_core.aws.errors import ConditionFailedError
from mlops_core.timefmt import stamp

TTL_ATTRIBUTE = "expires_at"


def batch_key(batch_id: str) -> dict[str, str]:
    """Key of a data batch's record."""
    return {"pk": f"BATCH#{batch_id}", "sk": "BATCH"}


def batch_member_key(batch_id: str, identity_hash: str) -> dict[str, str]:
    """Key of one object's membership in a batch (same partition as the batch: one query lists them all)."""
    return {"pk": f"BATCH#{batch_id}", "sk": f"OBJECT#{identity_hash}"}


def buffer_key(kind: str) -> dict[str, str]:
    """Key of the pointer to the open debounce buffer of a kind of data."""
    return {"pk": f"BUFFER#{kind}", "sk": "CURRENT"}


def deployment_key(endpoint_name: str, started_at: datetime | str, deployment_id: str) -> dict[str, str]:
    """Key of one deployment to an endpoint (sorted by start time within the endpoint).

    A datetime is spelled as the ledger spells times (:func:`mlops_core.timefmt.stamp`); text is taken as it is (the
    ``started_at`` of a stored record, whose key may be in the previous version's spelling).
    """
    moment = started_at if isinstance(started_at, str) else stamp(started_at)
    return {"pk": f"ENDPOINT#{endpoint_name}", "sk": f"DEPLOYMENT#{moment}#{deployment_id}"}


def lock_key(endpoint_name: str) -> dict[str, str]:
    """Key of an endpoint's deployment lock."""
    return {"pk": f"ENDPOINT#{endpoint_name}", "sk": "LOCK"}


def epoch_seconds(moment: datetime) -> int:
    """A TTL value (seconds since the epoch)."""
    return int(moment.timestamp())


class Ledger(DynamoTable):
    """The ledger table, with an expiring lock per endpoint."""

    def acquire_lock(self, endpoint_name: str, owner: str, now: datetime, ttl: timedelta) -> bool:
        """Take the endpoint's lock for ``owner`` until ``now + ttl``; ``False`` while someone else holds it.

        An expired lock is taken over (DynamoDB's TTL deletes items late, so expiry is checked here). Taking a
        lock one already holds extends it.
        """
        item: dict[str, Any] = {
            **lock_key(endpoint_name),
            "owner": owner,
            "acquired_at": stamp(now),
            TTL_ATTRIBUTE: epoch_seconds(now + ttl),
        }
        condition = Expression(
            "attribute_not_exists(pk) OR #exp <= :now OR #owner = :owner",
            names={"#exp": TTL_ATTRIBUTE, "#owner": "owner"},
            values={":now": epoch_seconds(now), ":owner": owner},
        )
        try:
            self.put(item, condition)
        except ConditionFailedError:
            return False
        return True

    def take_over_lock(self, endpoint_name: str, holder: str, owner: str, now: datetime, ttl: timedelta) -> bool:
        """Take the lock from ``holder`` (whose execution has ended) for ``owner``; ``False`` if the holder changed.

        A conditional write (``owner = holder``), so of two takers only one wins, and a lock the holder released
        and someone else took in between is never taken.
        """
        item: dict[str, Any] = {
            **lock_key(endpoint_name),
            "owner": owner,
            "acquired_at": stamp(now),
            "taken_over_from": holder,
            TTL_ATTRIBUTE: epoch_seconds(now + ttl),
        }
        condition = Expression("#owner = :holder", names={"#owner": "owner"}, values={":holder": holder})
        try:
            self.put(item, condition)
        except ConditionFailedError:
            return False
        return True

    def release_lock(self, endpoint_name: str, owner: str) -> bool:
        """Release the lock if ``owner`` holds it; ``False`` when it does not (expired and taken by another)."""
        condition = Expression("#owner = :owner", names={"#owner": "owner"}, values={":owner": owner})
        try:
            self.delete(lock_key(endpoint_name), condition)
        except ConditionFailedError:
            return False
        return True
