"""``mlopsctl status`` over HTTP against the local stack: before any deployment, after one, mid-canary, after a
rollback; its JSON schema; its human view; a refused call named as IAM names it."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from click.testing import CliRunner

from mlopsctl.cli import build_cli
from tests.support.ops_stack import OpsStack, ops_stack

pytestmark = pytest.mark.flow

ENDPOINT_KEYS = {"name", "status", "serving", "in_progress", "lock", "alarms"}
SERVING_KEYS = {"endpoint_config", "model_package_arn", "version", "since", "execution_arn", "deployment_id", "kind",
                "in_ledger"}  # fmt: skip
PROGRESS_KEYS = {"kind", "execution_arn", "deployment_id", "started_at", "phase", "model_package_arn", "version",
                 "endpoint_config", "strategy", "holds_lock", "traffic", "bake", "alarms", "waiting"}  # fmt: skip


def wide() -> Any:
    """A wide terminal: rich folds lines at the width (80 columns when it is not a terminal)."""
    return mock.patch.dict(os.environ, {"COLUMNS": "200"})


@pytest.fixture(scope="module")
def seen() -> Iterator[dict[str, Any]]:
    """``status`` at each point of a story: nothing deployed; v1 live; v2's canary baking; v2 live; v1 being restored
    after the errors alarm fired; v2 rolled back (v1 restored)."""
    with ops_stack() as ops:
        flow, out = ops.flow, {}
        out["before"] = ops.json("status", obj=ops.clock())
        flow.release()
        out["v1"] = ops.json("status", obj=ops.clock())
        v2 = flow.register()
        flow.approve(v2, settle=False)
        ops.pass_time_until(flow.baking)
        out["canary_at"] = ops.stack.clock.now()
        out["canary"] = ops.json("status", obj=ops.clock())
        with wide():
            out["canary_text"] = ops.run("status", obj=ops.clock()).stdout
        out["records"] = flow.records()
        ops.stack.settle()
        out["v2"] = ops.json("status", obj=ops.clock())
        flow.set_alarm(flow.alarms[0])
        ops.pass_time_until(lambda: (flow.described() or {}).get("EndpointStatus") == "Updating", step=1)
        out["restoring"] = ops.json("status", obj=ops.clock())
        ops.stack.settle()
        out["rolled_back"] = ops.json("status", obj=ops.clock())
        with wide():
            out["rolled_back_text"] = ops.run("status").stdout
        out["ops"] = ops
        yield out


def only(document: dict[str, Any]) -> dict[str, Any]:
    (endpoint,) = document["endpoints"]
    assert set(endpoint) == ENDPOINT_KEYS
    return dict(endpoint)


def test_before_any_deployment_the_endpoint_is_absent_and_nothing_serves(seen: dict[str, Any]) -> None:
    endpoint = only(seen["before"])
    ops: OpsStack = seen["ops"]
    assert endpoint["name"] == ops.flow.endpoint
    assert (endpoint["status"], endpoint["serving"], endpoint["in_progress"], endpoint["lock"]) == (
        "absent", None, None, None
    )  # fmt: skip
    assert [(a["name"], a["state"]) for a in endpoint["alarms"]] == [(name, "OK") for name in ops.flow.alarms]


def test_after_one_deployment_it_serves_that_version_since_its_execution_finished(seen: dict[str, Any]) -> None:
    endpoint, record = only(seen["v1"]), seen["records"][1]
    assert endpoint["status"] == "InService"
    assert endpoint["serving"] == {
        "endpoint_config": record["endpoint_config_name"],
        "model_package_arn": record["model_package_arn"],
        "version": 1,
        "since": record["finished_at"],
        "execution_arn": record["execution_arn"],
        "deployment_id": record["deployment_id"],
        "kind": "deployment",
        "in_ledger": True,
    }
    assert (endpoint["in_progress"], endpoint["lock"]) == (None, None)


def test_mid_canary_it_shows_the_phase_the_traffic_the_bake_left_and_the_lock(seen: dict[str, Any]) -> None:
    endpoint, records = only(seen["canary"]), seen["records"]
    v1, v2 = records[1], records[2]
    assert endpoint["status"] == "Updating"
    assert endpoint["serving"]["version"] == 1, "the old fleet serves until the update lands"
    progress = endpoint["in_progress"]
    assert set(progress) == PROGRESS_KEYS
    assert progress["kind"] == "deployment"
    assert (progress["version"], progress["execution_arn"]) == (2, v2["execution_arn"])
    assert progress["phase"] == "WaitForEndpoint"
    assert (progress["strategy"], progress["endpoint_config"], progress["holds_lock"]) == (
        "CANARY", v2["endpoint_config_name"], True
    )  # fmt: skip
    new, old = progress["traffic"]["new"], progress["traffic"]["serving"]
    assert (old["endpoint_config"], old["instances"]) == (v1["endpoint_config_name"], 2)
    assert (new["endpoint_config"], new["instances"], new["desired_instances"], new["status"]) == (
        v2["endpoint_config_name"], 1, 2, "Baking"
    )  # fmt: skip
    bake = progress["bake"]
    assert bake["seconds"] == 300
    assert 0 < bake["seconds_left"] <= 300
    assert [a["name"] for a in progress["alarms"]] == v2["new_fleet_alarms"]
    assert {a["state"] for a in progress["alarms"]} == {"OK"}
    lock = endpoint["lock"]
    assert (lock["holder"], lock["expired"], lock["waiting_for_endpoint"]) == (v2["deployment_id"], False, True)


def test_mid_canary_the_human_view_says_the_same(seen: dict[str, Any]) -> None:
    text, v2 = seen["canary_text"], seen["records"][2]
    assert "endpoint mlops-endpoint: Updating" in text
    assert "deployment v2 (CANARY)" in text
    assert "WaitForEndpoint" in text
    assert f"{v2['endpoint_config_name']}: 1 of 2 instance(s), Baking" in text
    assert "300 s bake since" in text
    assert f"held by {v2['deployment_id']}" in text


def test_after_the_canary_the_new_version_serves(seen: dict[str, Any]) -> None:
    endpoint = only(seen["v2"])
    assert (endpoint["serving"]["version"], endpoint["in_progress"], endpoint["lock"]) == (2, None, None)


def test_during_a_rollback_it_shows_the_restore_in_progress(seen: dict[str, Any]) -> None:
    endpoint, ops = only(seen["restoring"]), seen["ops"]
    progress = endpoint["in_progress"]
    assert (progress["kind"], progress["version"], progress["strategy"]) == ("rollback", 1, "ALL_AT_ONCE")
    assert progress["execution_arn"].split(":")[-2] == ops.stack.physical_name("RollbackStateMachine")
    assert progress["endpoint_config"] == seen["records"][1]["endpoint_config_name"]
    assert progress["traffic"]["new"]["endpoint_config"] == seen["records"][1]["endpoint_config_name"]
    assert endpoint["serving"]["version"] == 2, "v2's fleet serves until the restore lands"
    assert endpoint["lock"]["holder"] == progress["deployment_id"]


def test_after_a_rollback_the_restored_version_serves_restored_by_the_rollback(seen: dict[str, Any]) -> None:
    endpoint, ops = only(seen["rolled_back"]), seen["ops"]
    serving = endpoint["serving"]
    assert (serving["version"], serving["kind"], serving["in_ledger"]) == (1, "rollback", True)
    assert serving["endpoint_config"] == seen["records"][1]["endpoint_config_name"]
    assert serving["execution_arn"].split(":")[-2] == ops.stack.physical_name("RollbackStateMachine")
    assert {a["name"]: a["state"] for a in endpoint["alarms"]}[ops.flow.alarms[0]] == "ALARM"
    text = seen["rolled_back_text"]
    assert re.search(r"serving\s+v1 since ", text)
    assert seen["records"][1]["model_package_arn"] in text
    assert re.search(rf"restored by rollback\s+{serving['deployment_id']}", text)


@pytest.mark.iam_denials
def test_a_refused_call_is_one_line_naming_the_iam_action(seen: dict[str, Any]) -> None:
    ops: OpsStack = seen["ops"]
    # outside a_person_acts() a call is nobody's: the local IAM refuses it, as AWS refuses a caller without the
    # permission
    denied = CliRunner().invoke(build_cli(), ["status", *ops.options])
    assert denied.exit_code == 1
    assert denied.stdout == ""
    # the command's one line (the local stack's IAM logs its denial in this process too: not the command's output)
    (line,) = [line for line in denied.stderr.splitlines() if not line.startswith("IAM denied")]
    assert line.startswith("error: missing permission cloudformation:DescribeStacks (AccessDenied")
