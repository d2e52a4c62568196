"""The ledger's deployment record and endpoint lock as models, shared by the writers and the readers.

A writer names what it sets in :class:`DeploymentFields` (every field optional, an unknown one refused: a writer's
typo fails at once); :meth:`DeploymentFields.as_update` gives exactly the attributes it named, as the ledger spells
them (times are :func:`mlops_core.timefmt.stamp` text, numbers stay numbers: the store turns floats into
``Decimal``), so an update ``SET``\\ s only what it names and keeps the rest. A reader gets a
:class:`DeploymentRecord`: the identity (``endpoint_name``, ``deployment_id``, ``started_at``, spelled as the
record's sort key spells it) and ``outcome`` are required, the other fields are those of :class:`DeploymentFields`,
and fields it does not know are ignored, at every level (a newer writer must not break an older reader).

The rollback trigger a rollback's record carries (``trigger_chain.rollback_trigger``) is typed structurally here
(:class:`RollbackTriggerItem`: ``deploy`` does not import ``rollback``); ``rollback.contract.input.TriggerRef`` dumps to
it and validates from it. :class:`LockItem` is the endpoint's lock item (``owner``, ``acquired_at``, the TTL
``expires_at`` in epoch seconds, the waiting task token). :class:`PackageEventFields` is what the Approval function
records of a model package state change (its decision among them), :class:`PackageStatusItem` the package's
``LATEST`` item (the approval status of its newest recorded event).

Examples
--------
>>> DeploymentFields(outcome="SUCCEEDED", reason="ok").as_update()
{'outcome': 'SUCCEEDED', 'reason': 'ok'}
>>> DeploymentFields(outcme="SUCCEEDED")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for DeploymentFields
outcme
  Extra inputs are not permitted ...
>>> item = {"pk": "ENDPOINT#e", "sk": "DEPLOYMENT#2026-01-01T00:00:00+00:00#d1", "endpoint_name": "e",
...         "deployment_id": "d1", "started_at": "2026-01-01T00:00:00+00:00", "outcome": "SUCCEEDED",
...         "durations": {"total_seconds": 630, "from_a_newer_writer": 1}, "also_newer": True}
>>> record = DeploymentRecord.of_item(item)
>>> (record.started_at, record.outcome.value, record.durations.total_seconds if record.durations else None)
('2026-01-01T00:00:00+00:00', 'SUCCEEDED', 630.0)
>>> record.to_item()["sk"] == item["sk"]
True
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

from mlops_core.aws.ledger import TTL_ATTRIBUTE, deployment_key, lock_key
from mlops_core.deploy.deployment import Outcome
from mlops_core.timefmt import parse_stamp

__all__ = [
    "DeploymentFields",
    "DeploymentRecord",
    "Durations",
    "LockItem",
    "PackageEventFields",
    "PackageStatusItem",
    "RollbackTriggerItem",
    "Stamp",
    "TriggerChain",
]


def _stamp_text(text: str) -> str:
    parse_stamp(text)  # raises ValueError (a validation error) when it is not a time
    return text


#: A time as the ledger spells it (:func:`~mlops_core.timefmt.stamp`, or an earlier version's spelling): kept as
#: text, so that a record read back keeps its spelling, and checked to be a time.
Stamp = Annotated[str, AfterValidator(_stamp_text)]


class _Part(BaseModel):
    """A part of an item written by the layer: frozen, unknown fields refused (a reader prunes them first)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Durations(_Part):
    """Seconds in all, waiting for the lock, rolling out (``None``: a phase never reached)."""

    total_seconds: float | None = None
    lock_wait_seconds: float | None = None
    rollout_seconds: float | None = None


class RollbackTriggerItem(BaseModel):
    """A rollback's trigger as its record holds it (``rollback.contract.input.TriggerRef`` as JSON): kind, marker, time,
    reason, and the event's facts (alarm, metric ...; or the package), which differ by kind and are kept as extras."""

    model_config = ConfigDict(frozen=True, extra="allow")

    kind: str
    marker: str
    at: str | None = None
    reason: str


class TriggerChain(_Part):
    """What led to the record: the approval and the lineage (a deployment), or the rollback trigger (a rollback)."""

    approval: dict[str, Any] | None = None
    model_package_arn: str | None = None
    pipeline_execution_arn: str | None = None
    lineage: dict[str, Any] = {}
    rollback_trigger: RollbackTriggerItem | None = None


class DeploymentFields(BaseModel):
    """What a writer sets on a deployment record (besides its identity, which comes from its key)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=True)

    outcome: Outcome | None = None
    reason: str | None = None
    execution_arn: str | None = None
    execution_status: str | None = None
    model_package_arn: str | None = None
    model_package_group_name: str | None = None
    model_package_version: int | None = None
    model_name: str | None = None
    endpoint_config_name: str | None = None
    strategy: str | None = None
    deployment_config: dict[str, Any] | None = None
    trigger_chain: TriggerChain | None = None
    alarm: str | None = None
    finished_at: Stamp | None = None
    durations: Durations | None = None
    lock_acquired_at: Stamp | None = None
    rollout_mode: str | None = None
    rollout_started_at: Stamp | None = None
    previous_endpoint_config_name: str | None = None
    new_fleet_alarms: list[str] = []
    rejected_during_rollout: str | None = None
    restoring_endpoint_config_name: str | None = None
    decision: str | None = None
    alarm_attempts: int | None = None
    waiting_for: str | None = None
    rollback_of: str | None = None
    restores: str | None = None
    rolled_back_by: str | None = None
    rolled_back_at: Stamp | None = None

    def as_update(self) -> dict[str, Any]:
        """The attributes this update names, as the ledger holds them (an unnamed one is kept as it is)."""
        return self.model_dump(exclude_unset=True)

    def merged(self, other: DeploymentFields) -> DeploymentFields:
        """These fields with ``other``'s on top (as two updates in a row would leave the record)."""
        return DeploymentFields.model_validate(self.as_update() | other.as_update())


def _pruned(model: type[BaseModel], data: Any) -> Any:
    """``data`` without the keys ``model`` does not know, in the parts that refuse them (see :class:`_Part`)."""
    if not isinstance(data, Mapping):
        return data
    known = {name: value for name, value in data.items() if name in model.model_fields}
    for name, part in _PARTS.items():
        if isinstance(known.get(name), Mapping):
            known[name] = _pruned(part, known[name])
    return known


#: The parts of a deployment item that refuse unknown fields, and their models.
_PARTS: dict[str, type[BaseModel]] = {"trigger_chain": TriggerChain, "durations": Durations}


class DeploymentRecord(DeploymentFields):
    """One deployment (or rollback) record as the ledger holds it: its identity, outcome and every field written."""

    model_config = ConfigDict(frozen=True, extra="ignore", use_enum_values=False)

    endpoint_name: str
    deployment_id: str
    started_at: Stamp
    outcome: Outcome

    @model_validator(mode="before")
    @classmethod
    def _ignore_unknown(cls, data: Any) -> Any:
        return _pruned(cls, data)

    @classmethod
    def of_item(cls, item: Mapping[str, Any]) -> DeploymentRecord:
        """The record of a deployment item (plain values, as :func:`mlops_core.aws.dynamodb.deserialize` gives)."""
        return cls.model_validate(item)

    @property
    def started(self) -> datetime:
        """``started_at`` as a time."""
        return parse_stamp(self.started_at)

    @property
    def rollback_trigger(self) -> RollbackTriggerItem | None:
        """The trigger of a rollback's record (``None`` for a deployment's)."""
        return self.trigger_chain.rollback_trigger if self.trigger_chain is not None else None

    def to_item(self) -> dict[str, Any]:
        """The item (keys, ``kind`` and every field that is set), as :class:`LedgerDeploymentStore` writes it
        (floats as they are: the store turns them into ``Decimal``)."""
        return {
            **deployment_key(self.endpoint_name, self.started_at, self.deployment_id),
            "kind": "deployment",
            **self.model_dump(exclude_unset=True),
            "outcome": self.outcome.value,
        }


class LockItem(BaseModel):
    """An endpoint's deployment lock: its holder (a deployment or rollback id), since and until when (the TTL
    attribute, epoch seconds), and the task token of the wait that holds it (if one is waiting)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    owner: str
    acquired_at: Stamp
    expires_at: int
    task_token: str | None = None
    waiting_since: Stamp | None = None
    taken_over_from: str | None = None

    @classmethod
    def of_item(cls, item: Mapping[str, Any]) -> LockItem:
        """The lock of a lock item (``expires_at`` is :data:`~mlops_core.aws.ledger.TTL_ATTRIBUTE`)."""
        return cls.model_validate(item)

    @property
    def deployment_id(self) -> str:
        """The holder."""
        return self.owner

    @property
    def acquired(self) -> datetime:
        """``acquired_at`` as a time."""
        return parse_stamp(self.acquired_at)

    @property
    def expires(self) -> datetime:
        """``expires_at`` as a time."""
        return datetime.fromtimestamp(self.expires_at, UTC)

    def expired(self, now: datetime) -> bool:
        """Whether the lock has expired (DynamoDB's TTL deletes items late: an expired lock can still be there)."""
        return self.expires_at <= int(now.timestamp())

    def to_item(self, endpoint_name: str) -> dict[str, Any]:
        """The item, as :class:`~mlops_core.aws.ledger.Ledger` writes it."""
        return {**lock_key(endpoint_name), **self.model_dump(exclude_none=True), TTL_ATTRIBUTE: self.expires_at}


class PackageEventFields(_Part):
    """A model package state change as the Approval function records it: the event's facts, the endpoint's relation
    to the package, the decision (its reason, its action) and what the action started."""

    model_package_group_name: str
    model_package_version: int
    approval_status: str
    approval_description: str | None = None
    updated_fields: list[str] = []
    endpoint_relation: str | None = None
    decision: str
    action: str
    execution_arn: str | None = None
    already_started: bool | None = None
    rollback: str | None = None

    def as_item(self) -> dict[str, Any]:
        """The attributes, as the event item holds them (those given)."""
        return self.model_dump(exclude_unset=True)


class PackageStatusItem(BaseModel):
    """A package's ``LATEST`` item: the approval status of its newest recorded event, that event's time and id."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    approval_status: str | None = None
    event_time: Stamp
    event_id: str | None = None

    @classmethod
    def of_item(cls, item: Mapping[str, Any]) -> PackageStatusItem:
        """The ``LATEST`` item read back."""
        return cls.model_validate(item)
