"""Rewriting the ledger's items keyed in the previous timestamp spelling (``mlopsctl ledger migrate``).

The previous version keyed a deployment record ``DEPLOYMENT#<started_at.isoformat()>#<id>``
(``2026-01-01T00:00:00+00:00``); this one keys it ``DEPLOYMENT#<stamp>#<id>`` (:mod:`mlops_core.timefmt`:
``2026-01-01T00:00:00.000Z``). Both read correctly (readers order by the parsed ``started_at``, and an execution in
flight across the upgrade keeps updating the record it started with: :class:`mlops_core.deploy.store.DeploymentKey`),
so the rewrite is for the one spelling, not for correctness. For each record in the old spelling, one
``TransactWriteItems``: ``Put`` the record under the new key (``started_at`` respelled, every other attribute as it
is) and ``Delete`` the old one on the condition that it still exists. Should the new key hold a record too (the
previous version's preflight and this version's later steps of one execution, which the store prevents), the two are
merged, the newer record's attributes winning. Model package events (``EVENT#<event time>#<event id>``) are moved the
same way, and a package's ``LATEST`` gets its ``event_time`` respelled in place (its conditional write compares it as
text: both spellings compare correctly to the second, the rewrite makes it one spelling). A second run finds nothing
to rewrite. Other times inside items (``updated_at``, ``acquired_at`` ...) stay as they are: no key or condition
holds them, and :func:`mlops_core.timefmt.parse_stamp` reads both spellings.

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
#: The items whose sort key holds a time: (partition prefix, sort key prefix).
_TIMED_KEYS = (("ENDPOINT#", _PREFIX), ("MODEL_PACKAGE#", "EVENT#"))


def _timed(item: Mapping[str, Any]) -> str | None:
    """The sort key prefix of an item keyed by a time (a deployment record, a model package event), else ``None``."""
    pk, sk = str(item["pk"]), str(item["sk"])
    return next((prefix for part, prefix in _TIMED_KEYS if pk.startswith(part) and sk.startswith(prefix)), None)


def _parts(item: Mapping[str, Any], prefix: str = _PREFIX) -> tuple[str, str]:
    """The sort key's time text and id (the id has no ``#``; the time never has one)."""
    moment, _, identifier = str(item["sk"])[len(prefix) :].partition("#")
    return moment, identifier


def needs_rewrite(item: Mapping[str, Any]) -> bool:
    """Whether an item keyed by a time (or a package's ``LATEST`` ``event_time``) is in another spelling."""
    if str(item["sk"]) == "LATEST":
        return "event_time" in item and not is_stamp(str(item["event_time"]))
    prefix = _timed(item)
    return prefix is not None and not is_stamp(_parts(item, prefix)[0])


def respelled(item: Mapping[str, Any]) -> dict[str, Any]:
    """The item in the ledger's spelling: its sort key, and ``started_at`` (a deployment) or ``event_time``."""
    if str(item["sk"]) == "LATEST":
        return {**item, "event_time": stamp(parse_stamp(str(item["event_time"])))}
    prefix = _timed(item) or _PREFIX
    moment, identifier = _parts(item, prefix)
    spelled = stamp(parse_stamp(moment))
    if prefix != _PREFIX:
        return {**item, "sk": f"{prefix}{spelled}#{identifier}"}
    key = deployment_key(str(item["pk"])[len("ENDPOINT#") :], spelled, identifier)
    return {**item, **key, "started_at": spelled}


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
    """Every endpoint and model package item (records, locks, events), consistently read, page after page."""
    params = {
        "TableName": table,
        "ConsistentRead": True,
        "FilterExpression": "begins_with(pk, :endpoint) OR begins_with(pk, :package)",
        "ExpressionAttributeValues": {":endpoint": {"S": "ENDPOINT#"}, ":package": {"S": "MODEL_PACKAGE#"}},
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
        if not needs_rewrite(item):
            continue
        new = respelled(item)
        existing = present.get((new["pk"], new["sk"])) if new["sk"] != item["sk"] else None
        rewrites.append(Rewrite(str(item["pk"]), str(item["sk"]), str(new["sk"]), merged=existing is not None))
        if dry_run:
            continue
        if new["sk"] == item["sk"]:  # a package's LATEST: its event_time respelled in place
            client.put_item(TableName=table, Item=serialize(new))
            continue
        merged = {**new, **(existing or {}), **{k: new[k] for k in ("started_at",) if k in new}}
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
