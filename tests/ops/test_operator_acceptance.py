"""Issue 15's acceptance, as a user does it: ``mlopsctl local up`` live, versions registered and approved with boto3
over HTTP, ``mlopsctl status`` showing each deploy, ``mlopsctl rollback --to 1`` restoring the first.

The operator commands run as real processes (``python -m mlopsctl …`` with the environment ``local up`` prints), so
nothing of the test process's own hooks reaches their calls: the same code path as against AWS. Waits are polls with a
bounded real-time deadline.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.local_up import LocalUp, eventually, local_up

pytestmark = pytest.mark.flow

ROOT = Path(__file__).resolve().parents[2]


def mlopsctl(up: LocalUp, *argv: str) -> subprocess.CompletedProcess[str]:
    """``python -m mlopsctl ARGV`` in a process of its own, with what ``local up`` tells a user to export."""
    pythonpath = os.pathsep.join([str(ROOT / "layers" / "mlops_core"), str(ROOT)])
    env = {**os.environ, **up.environment(), "PYTHONPATH": pythonpath}
    return subprocess.run(  # noqa: S603 - our own command, no shell
        [sys.executable, "-m", "mlopsctl", *argv], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def status(up: LocalUp) -> dict[str, Any]:
    done = mlopsctl(up, "status", "--json")
    assert done.returncode == 0, done.stderr
    (endpoint,) = json.loads(done.stdout)["endpoints"]
    return dict(endpoint)


def serving(up: LocalUp, version: int) -> dict[str, Any] | None:
    """The endpoint's status once it serves ``version`` with nothing in progress, else None."""
    endpoint = status(up)
    if endpoint["in_progress"] is None and (endpoint["serving"] or {}).get("version") == version:
        return endpoint
    return None


def test_a_user_deploys_three_versions_and_rolls_back_to_the_first_with_mlopsctl() -> None:
    with local_up() as up:
        for version in (1, 2, 3):
            up.approve(up.register())
            eventually(lambda v=version: serving(up, v), within=120, what=f"version {version} serving")
        rolled = mlopsctl(up, "rollback", "--to", "1", "--reason", "v3 misbehaves", "--json")
        assert rolled.returncode == 0, rolled.stderr
        restored = eventually(lambda: serving(up, 1), within=60, what="version 1 serving again")
        history = mlopsctl(up, "history", "--json", "--limit", "1")
        others = {
            "watch": mlopsctl(up, "watch", "--json"),
            "lineage": mlopsctl(up, "lineage", "3", "--json"),
            "abort": mlopsctl(up, "abort", "--reason", "nothing to stop", "--json"),
            "dlq list": mlopsctl(up, "dlq", "list", "--json"),
            "dlq replay": mlopsctl(up, "dlq", "replay", "rollback", "--dry-run", "--json"),
        }
    assert restored["status"] == "InService"
    assert history.returncode == 0, history.stderr
    (last,) = json.loads(history.stdout)["deployments"]
    assert (last["version"], last["outcome"]) == (1, "SUCCEEDED")
    assert (last["kind"], last["trigger"], last["trigger_reason"]) == (
        "rollback",
        "OPERATOR",
        "operator: v3 misbehaves",
    )

    # every other command, against the same live stack: nothing in progress to watch or abort, a version registered
    # by hand, empty dead-letter queues
    assert {name: done.returncode for name, done in others.items()} == {
        "watch": 0, "lineage": 0, "abort": 1, "dlq list": 0, "dlq replay": 0,
    }  # fmt: skip
    (watched,) = [json.loads(line) for line in others["watch"].stdout.splitlines()]
    assert watched["in_progress"] is None
    lineage = json.loads(others["lineage"].stdout)
    assert (lineage["model_package"]["version"], lineage["pipeline_execution"]) == (3, None)
    assert "ROLLED_BACK" in [d["outcome"] for d in lineage["deployments"]]  # v3, rolled back by the operator
    assert others["abort"].stdout == ""
    assert len(others["abort"].stderr.strip().splitlines()) == 1
    assert all(not queue["messages"] for queue in json.loads(others["dlq list"].stdout)["queues"])
