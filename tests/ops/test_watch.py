"""``mlopsctl watch`` over HTTP against the local stack, on its virtual time (the command's clock sleeps by letting
that time pass): nothing in progress; a canary followed from mid-bake to its success; a canary rolled back."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest

from tests.support.ops_stack import OpsStack, ops_stack

pytestmark = pytest.mark.flow


def change_key(document: dict[str, Any]) -> str:
    """A document without its time and the seconds left of the bake (which change at every poll)."""
    progress = dict(document["in_progress"])
    progress["bake"] = {k: v for k, v in (progress["bake"] or {}).items() if k != "seconds_left"}
    return json.dumps({"in_progress": progress, "alarms": document["alarms"]}, sort_keys=True)


def lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


@pytest.fixture(scope="module")
def seen() -> Iterator[dict[str, Any]]:
    """``watch`` with nothing in progress; from v2's canary bake to its end; v3's canary, erring, to its end."""
    with ops_stack() as ops:
        flow, out = ops.flow, dict[str, Any](ops=ops)
        out["idle"] = ops.run("watch", "--json")
        out["idle_text"] = ops.run("watch")
        flow.release()
        flow.approve(flow.register(), settle=False)
        ops.pass_time_until(flow.baking)
        out["v2_from"] = ops.stack.clock.now()
        out["v2"] = ops.run("watch", "--json", "--interval", "20", obj=ops.clock())
        out["v2_until"] = ops.stack.clock.now()
        flow.approve(flow.register(), settle=False)
        ops.pass_time_until(flow.baking)
        flow.fleet_errors()  # the canary answers with errors: its fleet's alarm copy fires
        with mock.patch.dict(os.environ, {"COLUMNS": "200"}):
            out["v3"] = ops.run("watch", "--interval", "5", obj=ops.clock())
        out["records"] = flow.records()
        flow.set_alarm(flow.alarms[0], "OK")
        ops.stack.settle()
        flow.approve(flow.register(), settle=False)
        ops.pass_time_until(flow.baking)
        out["timed_out"] = ops.run("watch", "--json", "--interval", "30", "--timeout", "60", obj=ops.clock())
        yield out


def test_with_nothing_in_progress_it_says_so_at_once_and_exits_0(seen: dict[str, Any]) -> None:
    ops: OpsStack = seen["ops"]
    assert seen["idle"].exit_code == 0
    (line,) = lines(seen["idle"].stdout)
    assert (line["endpoint"], line["in_progress"], line["ended"]) == (ops.flow.endpoint, None, None)
    assert seen["idle_text"].exit_code == 0
    assert seen["idle_text"].stdout.strip() == f"nothing in progress on {ops.flow.endpoint}"


def test_it_follows_a_canary_from_mid_bake_to_its_success_one_line_per_change(seen: dict[str, Any]) -> None:
    result, v2 = seen["v2"], seen["records"][2]
    assert result.exit_code == 0, result.output
    *changes, last = lines(result.stdout)
    assert last["ended"] == {
        "kind": "deployment",
        "execution_arn": v2["execution_arn"],
        "deployment_id": v2["deployment_id"],
        "version": 2,
        "execution_status": "SUCCEEDED",
        "outcome": "SUCCEEDED",
        "reason": v2["reason"],
        "alarm": None,
    }
    assert changes, "at least the canary's bake was reported"
    assert {c["in_progress"]["execution_arn"] for c in changes} == {v2["execution_arn"]}
    first = changes[0]["in_progress"]
    assert (first["phase"], first["traffic"]["new"]["status"]) == ("WaitForEndpoint", "Baking")
    assert (first["traffic"]["new"]["instances"], first["bake"]["seconds"]) == (1, 300)
    assert [a["name"] for a in first["alarms"]] == v2["new_fleet_alarms"]
    bakes = {(b["started_at"], b["seconds"]) for c in changes if (b := c["in_progress"]["bake"])}
    # the canary's bake (WaitIntervalInSeconds), then the whole new fleet's (TerminationWaitInSeconds), 300 s each
    assert sorted(seconds for _, seconds in bakes) == [300, 300]
    keys = [change_key(c) for c in changes]
    assert all(a != b for a, b in itertools.pairwise(keys)), "one line per change, not one per poll"
    waited = (seen["v2_until"] - seen["v2_from"]).total_seconds()
    assert 0 < waited <= 630, "it ended when the rollout ended, on virtual time"


def test_a_canary_rolled_back_ends_the_watch_with_exit_1_naming_the_alarm(seen: dict[str, Any]) -> None:
    result, v3, ops = seen["v3"], seen["records"][3], seen["ops"]
    assert v3["outcome"] == "ROLLED_BACK"
    assert result.exit_code == 1
    text = " ".join(result.stdout.split())  # the reason is long: rich folds it
    assert f"watching {ops.flow.endpoint} at " in text
    ended = f"deployment v3 on {ops.flow.endpoint} ended: ROLLED_BACK"
    assert f"{ended} (rolled back by SageMaker: alarm {ops.flow.alarms[0]} " in text


def test_it_gives_up_after_its_timeout_with_exit_1(seen: dict[str, Any]) -> None:
    result = seen["timed_out"]
    assert result.exit_code == 1
    assert all(line["in_progress"]["version"] == 4 for line in lines(result.stdout))
    (error,) = result.stderr.splitlines()
    assert error.startswith("error: deployment mlops-local-v4-")
    assert error.endswith(" still in progress after 60 s")
