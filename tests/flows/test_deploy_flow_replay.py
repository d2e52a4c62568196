"""``mlopsctl local replay`` of the deployment scenarios in ``tests/fixtures/replay/deploy_*.json``, on the project's
template: what an operator sees in the action log. (Items timed to land *while* an update bakes, with ``"after"``:
:mod:`tests.flows.test_replay_timing`; a rollback during the bake: :mod:`tests.flows.test_deploy_flow`.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlopsctl.cli import main

pytestmark = pytest.mark.flow

TESTS = Path(__file__).resolve().parents[1]
REPLAYS = TESTS / "fixtures" / "replay"
TEMPLATE = TESTS.parent / "template.yaml"


def replay(name: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    code = main(["local", "replay", str(REPLAYS / name), "--template", str(TEMPLATE)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return [json.loads(line) for line in captured.out.splitlines()]


def sagemaker_calls(entries: list[dict[str, Any]], operation: str) -> list[dict[str, Any]]:
    return [
        e for e in entries if e["kind"] == "aws_call" and (e["service"], e["operation"]) == ("sagemaker", operation)
    ]


def deployments(entries: list[dict[str, Any]]) -> list[str]:
    return [e["status"] for e in entries if e["kind"] == "execution" and e["state_machine"] == "DeployStateMachine"]


def test_replay_of_two_approvals_shows_a_create_then_a_canary_update(capsys: pytest.CaptureFixture[str]) -> None:
    entries = replay("deploy_canary.json", capsys)

    assert deployments(entries) == ["SUCCEEDED", "SUCCEEDED"]
    assert len(sagemaker_calls(entries, "create_endpoint")) == 1
    (update,) = sagemaker_calls(entries, "update_endpoint")
    config = update["params"]["DeploymentConfig"]
    assert config["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["Type"] == "CANARY"
    # copies of mlops-local-endpointerrorsalarm and -latencyalarm that watch only the new fleet
    new_config = update["params"]["EndpointConfigName"]
    assert [a["AlarmName"] for a in config["AutoRollbackConfiguration"]["Alarms"]] == [
        f"{new_config}-newfleet-0",
        f"{new_config}-newfleet-1",
    ]
    (copy, _) = [e["params"] for e in entries if e["kind"] == "aws_call" and e["operation"] == "put_metric_alarm"]
    assert {d["Name"]: d["Value"] for d in copy["Dimensions"]}["EndpointConfigName"] == new_config
    assert copy["MetricName"] == "Invocation5XXErrors"
    assert [e for e in entries if e["kind"] == "handler" and e["outcome"] == "error"] == []


def test_replay_of_foreign_pending_and_duplicate_approvals_deploys_once(capsys: pytest.CaptureFixture[str]) -> None:
    entries = replay("deploy_guards.json", capsys)

    assert deployments(entries) == ["SUCCEEDED"]
    assert len(sagemaker_calls(entries, "create_endpoint")) == 1
    approvals = [
        (e["outcome"], e["reason"]) for e in entries if e["kind"] == "handler" and e["function"] == "ApprovalFunction"
    ]
    # our pending version (recorded), its approval (deployed), the late duplicate; their group's never reached us
    assert [outcome for outcome, _ in approvals] == ["ok", "ok", "ignored"]
    assert approvals[-1][1] == "approved package is already live"


def test_replay_of_an_approval_after_an_alarm_was_deleted_fails_preflight(capsys: pytest.CaptureFixture[str]) -> None:
    entries = replay("deploy_preflight_missing_alarm.json", capsys)

    assert deployments(entries) == ["SUCCEEDED", "FAILED"]
    assert len(sagemaker_calls(entries, "create_endpoint")) == 1
    assert sagemaker_calls(entries, "update_endpoint") == []
