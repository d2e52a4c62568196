"""``mlopsctl local replay``: files played against a fresh local stack, on the fixture and on the project's template."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlopsctl.cli import main

pytestmark = pytest.mark.flow

TESTS = Path(__file__).resolve().parents[1]
FIXTURE = TESTS / "fixtures" / "local_stack" / "template.yaml"
REPLAYS = TESTS / "fixtures" / "replay"
ROOT_TEMPLATE = TESTS.parent / "template.yaml"


def test_replay_prints_the_action_log_as_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["local", "replay", str(REPLAYS / "fixture_flow.jsonl"), "--template", str(FIXTURE)])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    entries = [json.loads(line) for line in captured.out.splitlines()]
    handlers = [(e["function"], e["outcome"]) for e in entries if e["kind"] == "handler"]
    assert handlers == [("DataArrivalFunction", "ok"), ("ApprovalFunction", "ignored")]
    calls = [(e["service"], e["operation"]) for e in entries if e["kind"] == "aws_call"]
    assert calls == [("dynamodb", "put_item")]  # the handler's write; not the user's two put_object calls
    events = [(e["source"], e["detail_type"]) for e in entries if e["kind"] == "event"]
    assert events.count(("aws.s3", "Object Created")) == 2
    assert events[-1] == ("aws.sagemaker", "SageMaker Model Package State Change")


def test_replay_pretty_prints_a_timeline_with_one_heading_per_item(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["local", "replay", str(REPLAYS / "fixture_flow.jsonl"), "--template", str(FIXTURE), "--pretty"])

    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert [line for line in lines if line.startswith("──")] == [
        "── item 1: s3.put_object",
        "── item 2: s3.put_object",
        "── item 3: event aws.sagemaker / SageMaker Model Package State Change",
    ]
    assert "+00:00:30  handler   DataArrivalFunction → ok" in lines  # after the 30 s batching window
    assert "+00:00:30  handler   ApprovalFunction → ignored  (approval status is PendingManualApproval)" in lines


def test_replay_of_objects_dropped_into_the_data_bucket_of_the_projects_template(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["local", "replay", str(REPLAYS / "data_arrival.json"), "--template", str(ROOT_TEMPLATE)])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    entries = [json.loads(line) for line in captured.out.splitlines()]
    runs = [e for e in entries if e["kind"] == "handler" and e["function"] == "DataArrivalFunction"]
    assert runs, "DataArrivalFunction never ran"
    assert [r for r in runs if r["outcome"] == "error"] == []
