"""``mlopsctl history`` over HTTP against the local stack: newest first, ``--limit``, ``--endpoint``, outcomes,
reasons, timings and the alarm that fired; its JSON schema and its table."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from rich.console import Console

from mlopsctl.ops.history import render
from tests.support.ops_stack import OpsStack, ops_stack

pytestmark = pytest.mark.flow

ENTRY_KEYS = {"endpoint", "kind", "deployment_id", "execution_arn", "model_package_arn", "version", "endpoint_config",
              "strategy", "outcome", "reason", "alarm", "trigger", "trigger_reason", "rolled_back_by", "rollback_of",
              "started_at", "finished_at", "duration_seconds"}  # fmt: skip


@pytest.fixture(scope="module")
def ops() -> Iterator[OpsStack]:
    """v1 and v2 deployed; v2 rolled back after its rollout by the errors alarm (v1 restored); v3's canary rolled
    back by SageMaker; v4 failing preflight (the latency alarm deleted)."""
    with ops_stack() as running:
        flow = running.flow
        flow.release()
        flow.release()
        flow.set_alarm(flow.alarms[0])
        running.stack.settle()
        flow.set_alarm(flow.alarms[0], "OK")
        running.stack.settle()
        flow.steering.once(flow.baking, flow.fleet_errors)
        flow.release()
        flow.set_alarm(flow.alarms[0], "OK")
        running.stack.settle()
        running.stack.aws("cloudwatch", "delete_alarms", AlarmNames=[flow.alarms[1]])
        flow.release()
        yield running


def summary(entries: list[dict[str, Any]]) -> list[tuple[str, int | None, str]]:
    return [(e["kind"], e["version"], e["outcome"]) for e in entries if e["outcome"] != "SKIPPED"]


def test_history_lists_deployments_and_rollbacks_newest_first_with_outcomes(ops: OpsStack) -> None:
    entries = ops.json("history")["deployments"]
    assert all(set(e) == ENTRY_KEYS for e in entries)
    assert [e["started_at"] for e in entries] == sorted((e["started_at"] for e in entries), reverse=True)
    assert summary(entries) == [
        ("deployment", 4, "FAILED"),
        ("deployment", 3, "ROLLED_BACK"),
        ("rollback", 1, "SUCCEEDED"),
        ("deployment", 2, "ROLLED_BACK"),
        ("deployment", 1, "SUCCEEDED"),
    ]


def test_each_entry_says_why_when_and_which_alarm_fired(ops: OpsStack) -> None:
    entries = ops.json("history")["deployments"]
    by = {(e["kind"], e["version"]): e for e in entries if e["outcome"] != "SKIPPED"}
    errors_alarm, latency_alarm = ops.flow.alarms
    records = ops.flow.records()
    v4, v3, v2, v1 = by["deployment", 4], by["deployment", 3], by["deployment", 2], by["deployment", 1]
    restore = by["rollback", 1]
    assert f"rollback alarm(s) not found: {latency_alarm}" in v4["reason"]
    assert (v3["alarm"], v3["rolled_back_by"]) == (errors_alarm, None)
    assert "rolled back by SageMaker" in v3["reason"]
    assert (v2["alarm"], v2["rolled_back_by"]) == (errors_alarm, restore["deployment_id"])
    assert v2["reason"].startswith("rolled back after the rollout: alarm ")
    assert (restore["trigger"], restore["alarm"]) == ("ALARM", errors_alarm)
    assert restore["trigger_reason"]  # the alarm's state reason, as the trigger recorded it
    assert restore["rollback_of"] == v2["deployment_id"]
    assert restore["execution_arn"].split(":")[-2] == ops.stack.physical_name("RollbackStateMachine")
    assert v1["model_package_arn"] == records[1]["model_package_arn"]
    assert (v1["strategy"], v1["endpoint_config"]) == ("CANARY", records[1]["endpoint_config_name"])
    assert v1["started_at"] == records[1]["started_at"][:19] + ".000Z"  # the ledger's key spells it +00:00
    assert v1["finished_at"] == records[1]["finished_at"]
    assert v1["duration_seconds"] == 30.0  # the emulated endpoint takes 30 s to create
    assert v2["duration_seconds"] == 630.0  # provisioning, the canary's bake and the termination wait


def test_limit_keeps_the_newest_and_the_endpoint_can_be_named(ops: OpsStack) -> None:
    everything = ops.json("history")["deployments"]
    assert ops.json("history", "--limit", "2")["deployments"] == everything[:2]
    assert ops.json("history", "--endpoint", ops.flow.endpoint)["deployments"] == everything


def test_an_unknown_endpoint_or_a_bad_limit_is_a_usage_error(ops: OpsStack) -> None:
    unknown = ops.run("history", "--endpoint", "nope")
    assert unknown.exit_code == 2
    assert unknown.stderr.strip().splitlines() == [
        f"error: stack {ops.stack.template.stack_name} has no endpoint nope (it has: {ops.flow.endpoint})"
    ]
    assert ops.run("history", "--limit", "0").exit_code == 2


def test_the_table_shows_the_same(ops: OpsStack) -> None:
    with mock.patch.dict(os.environ, {"COLUMNS": "250"}):
        text = ops.run("history").stdout
    assert "deployments and rollbacks, newest first" in text
    for what in ("deployment v4", "deployment v3", "rollback v1 (ALARM)", "FAILED", "ROLLED_BACK", "630 s"):
        assert what in text


def test_with_no_records_the_table_says_so() -> None:
    out = io.StringIO()
    render(Console(file=out, width=120), {"deployments": []})
    assert out.getvalue() == "no deployments recorded\n"
