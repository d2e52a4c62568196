"""``mlopsctl ledger migrate`` over HTTP against the local stack: a deployment record keyed in the previous timestamp
spelling is listed by ``--dry-run``, rewritten once (``history`` reads it the same before and after), a second run
rewrites nothing, and the command is refused (exit 1, nothing changed) while the endpoint's lock is held."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mlops_core.aws.dynamodb import deserialize, serialize
from mlops_core.timefmt import legacy_stamp, parse_stamp
from tests.support.ops_stack import OpsStack, ops_stack

pytestmark = pytest.mark.flow


@pytest.fixture(scope="module")
def ops() -> Iterator[OpsStack]:
    """v1 deployed; its record then moved under the previous version's key, as that version wrote it."""
    with ops_stack() as running:
        running.flow.release()
        yield running


def deployment_items(ops: OpsStack) -> list[dict[str, Any]]:
    stack = ops.stack
    answer = stack.client("dynamodb").query(
        TableName=stack.physical_name("LedgerTable"),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :d)",
        ExpressionAttributeValues={":pk": {"S": f"ENDPOINT#{ops.flow.endpoint}"}, ":d": {"S": "DEPLOYMENT#"}},
    )
    return [deserialize(item) for item in answer["Items"]]


def respell_as_before(ops: OpsStack, item: dict[str, Any]) -> str:
    table, dynamodb = ops.stack.physical_name("LedgerTable"), ops.stack.client("dynamodb")
    old = legacy_stamp(parse_stamp(item["started_at"]))
    moved = {**item, "sk": f"DEPLOYMENT#{old}#{item['deployment_id']}", "started_at": old}
    dynamodb.put_item(TableName=table, Item=serialize(moved))
    dynamodb.delete_item(TableName=table, Key=serialize({"pk": item["pk"], "sk": item["sk"]}))
    return str(moved["sk"])


def test_migrate_rewrites_an_old_record_once_and_is_refused_while_the_lock_is_held(ops: OpsStack) -> None:
    (item,) = deployment_items(ops)
    new_sk = item["sk"]
    old_sk = respell_as_before(ops, item)
    history = ops.json("history")["deployments"]
    assert [entry["deployment_id"] for entry in history] == [item["deployment_id"]]

    table, dynamodb = ops.stack.physical_name("LedgerTable"), ops.stack.client("dynamodb")
    lock = {"pk": item["pk"], "sk": "LOCK", "owner": "someone", "expires_at": 4_000_000_000}
    dynamodb.put_item(TableName=table, Item=serialize(lock))
    refused = ops.run("ledger migrate")
    assert refused.exit_code == 1
    assert "locked by someone" in refused.stderr
    assert [i["sk"] for i in deployment_items(ops)] == [old_sk]
    dynamodb.delete_item(TableName=table, Key=serialize({"pk": item["pk"], "sk": "LOCK"}))

    planned = ops.json("ledger migrate", "--dry-run")
    assert planned == {
        "dry_run": True,
        "rewritten": [{"pk": item["pk"], "from": old_sk, "to": new_sk, "merged": False}],
    }
    assert [i["sk"] for i in deployment_items(ops)] == [old_sk]
    done = ops.json("ledger migrate")
    assert done["rewritten"] == planned["rewritten"]
    (after,) = deployment_items(ops)
    assert after == item  # exactly the record this version writes
    assert ops.json("history")["deployments"] == history
    assert ops.json("ledger migrate") == {"dry_run": False, "rewritten": []}
