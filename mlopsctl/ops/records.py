"""Typed read models of the ledger items the operator commands read, and the queries that read them.

The ledger (``LedgerTableName``; keys in :mod:`mlops_core.aws.ledger`, fields in docs/wiring.md) holds, per endpoint
(``pk = ENDPOINT#<name>``), one item per deployment or rollback (``sk = DEPLOYMENT#<started_at>#<id>``, written by
:mod:`mlops_core.deploy.tasks`, :mod:`mlops_core.rollback` and :mod:`mlops_core.deploy.execution_outcomes`) and the
endpoint's lock (``sk = LOCK``). :class:`DeploymentRecord` and :class:`LockRecord` read them, on the layer's own
models (:mod:`mlops_core.deploy.ledger_items`, which the writers write with): the fields every writer sets are
required (a record without one is refused with :class:`RecordError`, naming the item and the field), the others
optional, and fields the models do not know are ignored (a newer writer must not break an older reader). The
rollback trigger is the layer's own model (:class:`~mlops_core.rollback.contract.input.TriggerRef`).

The queries use the DynamoDB client directly (``Query``, newest first, paginated), so that AWS's refusals reach the
command as AWS gave them (:mod:`.errors` names the refused action).

Examples
--------
>>> item = {"pk": "ENDPOINT#e", "sk": "DEPLOYMENT#2026-01-01T00:00:00+00:00#d1", "endpoint_name": "e",
...         "deployment_id": "d1", "started_at": "2026-01-01T00:00:00+00:00", "outcome": "SUCCEEDED",
...         "finished_at": "2026-01-01T00:10:30.000Z", "model_package_version": 3}
>>> record = parse_deployment(item)
>>> (record.version, record.kind, record.duration_seconds)
(3, 'deployment', 630.0)
>>> parse_deployment({k: v for k, v in item.items() if k != "outcome"})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
mlopsctl.ops.records.RecordError: ledger item ENDPOINT#e ... is not a deployment record: outcome: Field required
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError

from mlops_core.aws.dynamodb import Expression, deserialize, serialize
from mlops_core.aws.ledger import lock_key
from mlops_core.deploy.deployment import Outcome
from mlops_core.deploy.ledger_items import DeploymentRecord as LedgerRecord
from mlops_core.deploy.ledger_items import LockItem
from mlops_core.rollback.contract.input import TriggerRef
from mlops_core.timefmt import parse_stamp, stamp
from mlopsctl.ops.errors import OpsError

#: Outcomes after which a deployment (or rollback) is over.
FINAL = frozenset(o.value for o in Outcome) - {Outcome.IN_PROGRESS.value}


class RecordError(OpsError):
    """A ledger item is not the record it should be: ``str()`` names the item and what is wrong with it."""


class DeploymentRecord(LedgerRecord):
    """One deployment or rollback of an endpoint, as the ledger holds it (the layer's
    :class:`~mlops_core.deploy.ledger_items.DeploymentRecord`, with what the commands derive from it).

    A rollback's record (``rollback_of`` set, or a ``decision`` made on a trigger) names the model it restores in
    ``model_package_arn``, ``model_package_version`` and ``endpoint_config_name``.
    """

    @property
    def version(self) -> int | None:
        """The model package version deployed (or, for a rollback, restored)."""
        return self.model_package_version

    @property
    def trigger(self) -> TriggerRef | None:
        """The rollback trigger (alarm, rejection ...) of a rollback record."""
        found = self.rollback_trigger
        return TriggerRef.model_validate(found.model_dump()) if found is not None else None

    @property
    def kind(self) -> Literal["deployment", "rollback"]:
        """``rollback`` for a rollback's own record, else ``deployment``."""
        return "rollback" if self.rollback_of is not None or self.trigger is not None else "deployment"

    @property
    def finished(self) -> bool:
        """Whether the record has a final outcome."""
        return self.outcome.value in FINAL

    @property
    def fired_alarm(self) -> str | None:
        """The alarm that rolled it back (a deployment) or that triggered it (a rollback)."""
        if self.alarm:
            return self.alarm
        details = self.trigger.model_extra if self.trigger is not None else None
        name = (details or {}).get("alarm_name")
        return str(name) if name else None

    @property
    def duration_seconds(self) -> float | None:
        """Seconds from start to finish (the recorded total, else the difference of the timestamps)."""
        if self.durations is not None and self.durations.total_seconds is not None:
            return self.durations.total_seconds
        if self.finished_at is None:
            return None
        return round((parse_stamp(self.finished_at) - self.started).total_seconds(), 3)


#: An endpoint's deployment lock: its holder (a deployment or rollback id) and until when it holds.
LockRecord = LockItem


def timestamp(moment: datetime | str | None) -> str | None:
    """A timestamp as the commands print it: ISO 8601 in UTC (``2026-01-01T00:00:00.000Z``), from a time or from
    the ledger's text in any spelling it has had."""
    if isinstance(moment, str):
        moment = parse_stamp(moment)
    return stamp(moment) if moment is not None else None


def _refused(item: Mapping[str, Any], what: str, exc: ValidationError) -> RecordError:
    problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(item)'}: {e['msg']}" for e in exc.errors())
    return RecordError(f"ledger item {item.get('pk')} {item.get('sk')} is not {what}: {problems}")


def parse_deployment(item: Mapping[str, Any]) -> DeploymentRecord:
    """A deployment item (plain values, as :func:`mlops_core.aws.dynamodb.deserialize` gives them) as a record."""
    try:
        return DeploymentRecord.model_validate(item)
    except ValidationError as exc:
        raise _refused(item, "a deployment record", exc) from exc


def parse_lock(item: Mapping[str, Any]) -> LockRecord:
    """The lock item as a record (``expires_at`` is epoch seconds, the table's TTL attribute)."""
    try:
        return LockItem.of_item(item)
    except ValidationError as exc:
        raise _refused(item, "an endpoint lock", exc) from exc


# -- queries ------------------------------------------------------------------------------------------------------


def _deployment_items(client: Any, table: str, endpoint_name: str, limit: int | None) -> Iterator[dict[str, Any]]:
    condition = Expression(
        "pk = :pk AND begins_with(sk, :prefix)",
        values={":pk": f"ENDPOINT#{endpoint_name}", ":prefix": "DEPLOYMENT#"},
    )
    params: dict[str, Any] = {
        "TableName": table,
        "ScanIndexForward": False,  # newest first: the sort key starts with the start time
        **condition.params("KeyConditionExpression"),
    }
    if limit is not None:
        params["PaginationConfig"] = {"MaxItems": limit, "PageSize": limit}
    for page in client.get_paginator("query").paginate(**params):
        for item in page.get("Items", []):
            yield deserialize(item)


def deployments(client: Any, table: str, endpoint_name: str, *, limit: int | None = None) -> list[DeploymentRecord]:
    """The endpoint's deployment and rollback records, newest first by ``started_at`` (at most ``limit``).

    The query reads newest first by sort key; keys in the previous version's spelling sort correctly against the
    ledger's to the second (both start ``YYYY-MM-DDTHH:MM:SS``), and the parsed ``started_at`` orders the rest.
    """
    records = [parse_deployment(item) for item in _deployment_items(client, table, endpoint_name, limit)]
    return sorted(records, key=lambda record: record.started, reverse=True)


def lock(client: Any, table: str, endpoint_name: str) -> LockRecord | None:
    """The endpoint's lock as stored (it may have expired), ``None`` when nobody holds it."""
    response = client.get_item(TableName=table, Key=serialize(lock_key(endpoint_name)), ConsistentRead=True)
    item = response.get("Item")
    return parse_lock(deserialize(item)) if item else None
