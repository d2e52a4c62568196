"""Rewriting the ledger's deployment records keyed in the previous timestamp spelling (``mlopsctl ledger migrate``).

The previous version keyed a deployment record ``DEPLOYMENT#<started_at.isoformat()>#<id>``
(``2026-01-01T00:00:00+00:00``); this one keys it ``DEPLOYMENT#<stamp>#<id>`` (:mod:`mlops_core.timefmt`:
``2026-01-01T00:00:00.000Z``). Both read correctly (readers order by the parsed ``started_at``, and an execution in
flight across the upgrade keeps updating the record it started with: :class:`mlops_core.deploy.store.DeploymentKey`),
so the rewrite is for the one spelling, not for correctness. For each record in the old spelling, one
``TransactWriteItems``: ``Put`` the record under the new key (``started_at`` respelled, every other attribute as it
is) and ``Delete`` the old one on the condition that it still exists. Should the new key hold a record too (the
previous version's preflight and this version's later steps of one execution, which the store prevents), the two are
merged, the newer record's attributes winning. A second run finds nothing to rewrite.

Refused while any endpoint lock is held (an unexpired ``ENDPOINT#<name>``/``LOCK``) or a record in the old spelling is
still ``IN_PROGRESS``: its execution may still write it.

Examples
--------
>>> moment = "2026-01-01T00:00:00+00:00"
>>> old = {"pk": "ENDPOINT#e", "sk": f"DEPLOYMENT#{moment}#d1", "started_at": moment}
>>> respelled(old)["sk"]
'DEPLOYMENT#2026-01-01T00:00:00.000Z#d1'
>>> needs_rewrite(old), needs_rewrite(respelled(old))
(True, False)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mlops_core.aws.dynamodb import deserialize, serialize
from mlops_core.aws.ledger import TTL_ATTRIBUTE, deployment_key
from mlops_core.timefmt import is_stamp, parse_stamp, stamp
from mlopsctl.ops.errors import OpsError

_PREFIX = "DEPLOYMENT#"


def _parts(item: Mapping[str, Any]) -> tuple[str, str]:
    """The sort key's start time text and deployment id (the id has no ``#``; the time never has one)."""
    moment, _, deployment_id = str(item["sk"])[len(_PREFIX) :].partition("#")
    return moment, deployment_id


def needs_rewrite(item: Mapping[str, Any]) -> bool:
    """Whether a deployment record's key is in a spelling other than the ledger's."""
    return not is_stamp(_parts(item)[0])


def respelled(item: Mapping[str, Any]) -> dict[str, Any]:
    """The record under its key in the ledger's spelling, ``started_at`` respelled with it."""
    moment, deployment_id = _parts(item)
    started = stamp(parse_stamp(moment))
    key = deployment_key(str(item["pk"])[len("ENDPOINT#") :], started, deployment_id)
    return {**item, **key, "started_at": started}


@dataclass(frozen=True)
class Rewrite:
    """One record to move: its partition, old and new sort keys, and whether it merges into a record there."""

    pk: str
    old_sk: str
    new_sk: str
    merged: bool = False

    def as_json(self) -> dict[str, Any]:
        """Its part of the command's ``--json`` document."""
        return {"pk": self.pk, "from": self.old_sk, "to": self.new_sk, "merged": self.merged}


def _scan(client: Any, table: str) -> Iterator[dict[str, Any]]:
    """Every endpoint item (deployment records and locks), consistently read, page after page."""
    params = {
        "TableName": table,
        "ConsistentRead": True,
        "FilterExpression": "begins_with(pk, :endpoint)",
        "ExpressionAttributeValues": {":endpoint": {"S": "ENDPOINT#"}},
    }
    for page in client.get_paginator("scan").paginate(**params):
        for item in page.get("Items", []):
            yield deserialize(item)


def _blockers(items: list[dict[str, Any]], now: datetime) -> list[str]:
    reasons = []
    for item in items:
        if item["sk"] == "LOCK" and int(item.get(TTL_ATTRIBUTE, 0)) > int(now.timestamp()):
            reasons.append(f"{item['pk']} is locked by {item.get('owner')}")
        elif str(item["sk"]).startswith(_PREFIX) and needs_rewrite(item) and item.get("outcome") == "IN_PROGRESS":
            reasons.append(f"{item['pk']} {item.get('deployment_id')} is IN_PROGRESS")
    return reasons


def migrate(client: Any, table: str, now: datetime, *, dry_run: bool = False) -> list[Rewrite]:
    """Rewrite every deployment record keyed in the old spelling (none with ``dry_run``); what was (would be) done.

    :class:`OpsError` (nothing changed) while an endpoint lock is held or an old-spelling record is in progress.
    """
    items = list(_scan(client, table))
    blockers = _blockers(items, now)
    if blockers:
        raise OpsError("not migrating while an execution may still write the ledger: " + "; ".join(blockers))
    present = {(item["pk"], item["sk"]): item for item in items}
    rewrites = []
    for item in items:
        if not str(item["sk"]).startswith(_PREFIX) or not needs_rewrite(item):
            continue
        new = respelled(item)
        existing = present.get((new["pk"], new["sk"]))
        rewrites.append(Rewrite(str(item["pk"]), str(item["sk"]), str(new["sk"]), merged=existing is not None))
        if dry_run:
            continue
        merged = {**new, **(existing or {}), "started_at": new["started_at"]}
        put: dict[str, Any] = {"TableName": table, "Item": serialize(merged)}
        if existing is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        delete = {
            "TableName": table,
            "Key": serialize({"pk": item["pk"], "sk": item["sk"]}),
            "ConditionExpression": "attribute_exists(pk)",
        }
        client.transact_write_items(TransactItems=[{"Put": put}, {"Delete": delete}])
    return rewrites
