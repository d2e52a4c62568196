"""Deployment records, the per-endpoint lock and model package events, in the ledger table.

=======================  ==============================  =================================================
item                     ``pk``                          ``sk``
=======================  ==============================  =================================================
deployment               ``ENDPOINT#<endpoint>``         ``DEPLOYMENT#<started_at ISO>#<deployment_id>``
endpoint lock            ``ENDPOINT#<endpoint>``         ``LOCK``
model package event      ``MODEL_PACKAGE#<package arn>`` ``EVENT#<event time ISO>#<event id>``
package's last status    ``MODEL_PACKAGE#<package arn>`` ``LATEST``
=======================  ==============================  =================================================

``LATEST`` holds the approval status of the package's newest recorded event: by event time, and among events of
the same second (a package registered and approved at once) the one recorded last; an older event delivered late
does not replace it.

The lock is :class:`~mlops_core.aws.ledger.Ledger`'s expiring lock (owner = deployment id; free, expired or
already ours can be taken). While a deployment waits for its endpoint, the lock also carries the Step Functions task
token that endpoint events resume (``task_token``), and the wait extends its expiry past the fallback wait.
``expires_at`` is the table's TTL attribute: deployment records never carry it.

The deployment record and the lock are models (:mod:`mlops_core.deploy.ledger_items`): writers pass
:class:`~mlops_core.deploy.ledger_items.DeploymentFields`, readers get
:class:`~mlops_core.deploy.ledger_items.DeploymentRecord` and :class:`~mlops_core.deploy.ledger_items.LockItem`.

:class:`DeploymentStore` is the port; :class:`LedgerDeploymentStore` implements it on the ledger table.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from mlops_core.aws.dynamodb import Expression
from mlops_core.aws.errors import ConditionFailedError
from mlops_core.aws.ledger import TTL_ATTRIBUTE, Ledger, deployment_key, epoch_seconds, lock_key
from mlops_core.deploy.ledger_items import (
    DeploymentFields,
    DeploymentRecord,
    LockItem,
    PackageEventFields,
    PackageStatusItem,
)
from mlops_core.errors import MlopsError
from mlops_core.timefmt import legacy_stamp, parse_stamp, stamp


class LockLostError(MlopsError):
    """The endpoint lock is no longer held by this deployment (it expired and another deployment took it)."""


@dataclass(frozen=True)
class DeploymentKey:
    """Identifies one deployment record: the endpoint, when its execution started, and its id.

    The start time is in the record's sort key, so its spelling is part of the record's identity. A new record is
    keyed in the ledger's spelling (:func:`mlops_core.timefmt.stamp`). A key built from an item read back
    (:meth:`of_record`) keeps the spelling the item has. A key built from an execution's start time
    (:meth:`of_execution`) may name a record the previous version created in its own spelling
    (``datetime.isoformat()``, :func:`~mlops_core.timefmt.legacy_stamp`) while the execution was in flight across
    the upgrade: :class:`LedgerDeploymentStore` then updates the record where it is, so one execution keeps one
    record. ``mlopsctl ledger migrate`` rewrites such records once no execution can still write them.
    """

    endpoint_name: str
    started_at: datetime
    deployment_id: str
    #: The start time as the record spells it (``None``: the ledger's spelling).
    spelled: str | None = None
    #: Whether the previous version may have created the record under its own spelling (see above).
    may_be_legacy: bool = False

    @classmethod
    def of_record(cls, endpoint_name: str, started_at: str, deployment_id: str) -> DeploymentKey:
        """The key of a record read back, from its ``started_at`` text (spelled as its sort key is)."""
        return cls(endpoint_name, parse_stamp(started_at), deployment_id, spelled=started_at)

    @classmethod
    def of_execution(cls, endpoint_name: str, started_at: datetime, deployment_id: str) -> DeploymentKey:
        """The key of an execution's record, which an earlier step may have created under the previous spelling."""
        return cls(endpoint_name, started_at, deployment_id, may_be_legacy=True)

    @property
    def started_text(self) -> str:
        """The start time as the record's key and ``started_at`` attribute spell it."""
        return self.spelled if self.spelled is not None else stamp(self.started_at)

    def as_key(self) -> dict[str, str]:
        """The record's ``pk``/``sk``."""
        return deployment_key(self.endpoint_name, self.started_text, self.deployment_id)

    def candidates(self) -> tuple[DeploymentKey, ...]:
        """Where the record may be: the key itself, then (for :meth:`of_execution`) the previous spelling's."""
        if not self.may_be_legacy:
            return (self,)
        return (
            replace(self, may_be_legacy=False),
            replace(self, spelled=legacy_stamp(self.started_at), may_be_legacy=False),
        )


class DeploymentStore(ABC):
    """Deployment records, the endpoint lock and model package events."""

    @abstractmethod
    def save_deployment(self, key: DeploymentKey, fields: DeploymentFields) -> None:
        """Create or update a deployment record with the ``fields`` set (other attributes are kept)."""

    @abstractmethod
    def deployments(self, endpoint_name: str) -> list[DeploymentRecord]:
        """Every deployment record of an endpoint, newest first."""

    def last_succeeded(self, endpoint_name: str) -> DeploymentRecord | None:
        """The newest ``SUCCEEDED`` deployment of the endpoint: its last known-good model."""
        return next((item for item in self.deployments(endpoint_name) if item.outcome == "SUCCEEDED"), None)

    @abstractmethod
    def acquire_lock(self, endpoint_name: str, deployment_id: str, now: datetime, ttl_seconds: int) -> bool:
        """Take the endpoint's lock if it is free, expired or already ours."""

    @abstractmethod
    def take_over_lock(
        self, endpoint_name: str, holder: str, deployment_id: str, now: datetime, ttl_seconds: int
    ) -> bool:
        """Take the lock from ``holder`` (an ended execution) if it still holds it; ``False`` otherwise."""

    @abstractmethod
    def read_lock(self, endpoint_name: str) -> LockItem | None:
        """The lock as stored (it may have expired)."""

    @abstractmethod
    def release_lock(self, endpoint_name: str, deployment_id: str) -> bool:
        """Release the lock if this deployment holds it; ``False`` when it did not."""

    @abstractmethod
    def attach_task_token(
        self, endpoint_name: str, deployment_id: str, token: str, now: datetime, ttl_seconds: int
    ) -> None:
        """Store the wait's task token on our lock and extend it; :class:`LockLostError` if it is not ours."""

    @abstractmethod
    def detach_task_token(self, endpoint_name: str, token: str) -> None:
        """Remove ``token`` from the lock if it is still there (its wait was resumed)."""

    @abstractmethod
    def record_package_event(
        self, package_arn: str, event_time: datetime, event_id: str, fields: PackageEventFields
    ) -> None:
        """Record a model package state change (a duplicated event rewrites the same item)."""

    @abstractmethod
    def last_package_status(self, package_arn: str) -> str | None:
        """The approval status of the newest recorded event of a package (by event time), ``None`` if none is."""


def storable(value: Any) -> Any:
    """``value`` with every float turned into a ``Decimal`` (DynamoDB numbers are exact)."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, Mapping):
        return {key: storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    return value


def deployment_update(key: DeploymentKey, fields: DeploymentFields) -> Expression:
    """``SET`` the deployment record's identity and the ``fields`` set (names as placeholders: many are reserved
    words)."""
    values = {
        "kind": "deployment",
        "endpoint_name": key.endpoint_name,
        "deployment_id": key.deployment_id,
        "started_at": key.started_text,
        **fields.as_update(),
    }
    names = {f"#a{index}": name for index, name in enumerate(values)}
    placeholders = {f":v{index}": storable(value) for index, value in enumerate(values.values())}
    text = "SET " + ", ".join(f"#a{index} = :v{index}" for index in range(len(values)))
    return Expression(text, names=names, values=placeholders)


_EXISTS = Expression("attribute_exists(pk)")


def newest_first(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Deployment items newest first by their start time (key order is time order only within one spelling: a
    record the previous version wrote sorts among the new ones by its time, not by its text).

    The time is read from the sort key (``DEPLOYMENT#<started_at>#<deployment_id>``), which every deployment item
    has. An item is read whole: DynamoDB writes an item atomically, and so does the local stack
    (``mlopsctl.local.moto_patches.dynamodb_items``; moto alone applies an ``UpdateItem`` in steps)."""
    return sorted(
        (dict(item) for item in items),
        key=lambda item: (parse_stamp(str(item["sk"]).split("#", 2)[1]), str(item["sk"])),
        reverse=True,
    )


class LedgerDeploymentStore(DeploymentStore):
    """:class:`DeploymentStore` on the ledger table."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def save_deployment(self, key: DeploymentKey, fields: DeploymentFields) -> None:
        candidates = key.candidates()
        if len(candidates) > 1:  # update the record where it is (one call when it has the ledger's spelling) ...
            for candidate in candidates:
                try:
                    self._ledger.update(candidate.as_key(), deployment_update(candidate, fields), _EXISTS)
                    return
                except ConditionFailedError:
                    continue
        self._ledger.update(candidates[0].as_key(), deployment_update(candidates[0], fields))  # ... or create it

    def deployments(self, endpoint_name: str) -> list[DeploymentRecord]:
        condition = Expression(
            "pk = :pk AND begins_with(sk, :prefix)",
            values={":pk": f"ENDPOINT#{endpoint_name}", ":prefix": "DEPLOYMENT#"},
        )
        return [DeploymentRecord.of_item(item) for item in newest_first(self._ledger.query(condition))]

    def acquire_lock(self, endpoint_name: str, deployment_id: str, now: datetime, ttl_seconds: int) -> bool:
        return self._ledger.acquire_lock(endpoint_name, deployment_id, now, timedelta(seconds=ttl_seconds))

    def take_over_lock(
        self, endpoint_name: str, holder: str, deployment_id: str, now: datetime, ttl_seconds: int
    ) -> bool:
        return self._ledger.take_over_lock(endpoint_name, holder, deployment_id, now, timedelta(seconds=ttl_seconds))

    def read_lock(self, endpoint_name: str) -> LockItem | None:
        item = self._ledger.get(lock_key(endpoint_name))
        return LockItem.of_item(item) if item is not None else None

    def release_lock(self, endpoint_name: str, deployment_id: str) -> bool:
        return self._ledger.release_lock(endpoint_name, deployment_id)

    def attach_task_token(
        self, endpoint_name: str, deployment_id: str, token: str, now: datetime, ttl_seconds: int
    ) -> None:
        update = Expression(
            "SET task_token = :token, waiting_since = :now, #exp = :expires",
            names={"#exp": TTL_ATTRIBUTE},
            values={
                ":token": token,
                ":now": stamp(now),
                ":expires": epoch_seconds(now + timedelta(seconds=ttl_seconds)),
            },
        )
        condition = Expression("#owner = :me", names={"#owner": "owner"}, values={":me": deployment_id})
        try:
            self._ledger.update(lock_key(endpoint_name), update, condition)
        except ConditionFailedError as exc:
            raise LockLostError(f"deployment {deployment_id} no longer holds the lock of {endpoint_name}") from exc

    def detach_task_token(self, endpoint_name: str, token: str) -> None:
        update = Expression("REMOVE task_token, waiting_since")
        condition = Expression("task_token = :token", values={":token": token})
        try:
            self._ledger.update(lock_key(endpoint_name), update, condition)
        except ConditionFailedError:
            return

    def record_package_event(
        self, package_arn: str, event_time: datetime, event_id: str, fields: PackageEventFields
    ) -> None:
        item = {
            "pk": f"MODEL_PACKAGE#{package_arn}",
            "sk": f"EVENT#{stamp(event_time)}#{event_id}",
            "kind": "model_package_event",
            **storable(fields.as_item()),
        }
        self._ledger.put(item)
        self._remember_status(package_arn, event_time, event_id, fields.approval_status)

    def _remember_status(self, package_arn: str, event_time: datetime, event_id: str, status: str) -> None:
        update = Expression(
            "SET approval_status = :status, event_time = :time, event_id = :id, kind = :kind",
            values={":status": status, ":time": stamp(event_time), ":id": event_id, ":kind": "model_package"},
        )
        newer = Expression("attribute_not_exists(event_time) OR event_time <= :time")
        try:
            self._ledger.update({"pk": f"MODEL_PACKAGE#{package_arn}", "sk": "LATEST"}, update, newer)
        except ConditionFailedError:
            return  # an older event, delivered late: the newer status stays

    def last_package_status(self, package_arn: str) -> str | None:
        latest = self._ledger.get({"pk": f"MODEL_PACKAGE#{package_arn}", "sk": "LATEST"})
        return PackageStatusItem.of_item(latest).approval_status if latest is not None else None
