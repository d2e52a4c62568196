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
    runs = [(e["outcome"], e["reason"]) for e in entries if e.get("function") == "DataArrivalFunction"]
    # one job per settled drop; the .exe is ignored with its reason; notes/ never reaches the handler
    assert runs == [("ok", None), ("ok", None), ("ignored", "nothing accepted from 1 object: extension-not-allowed x1")]
    jobs = [e["params"] for e in entries if e["kind"] == "aws_call" and e["operation"] == "create_labeling_job"]
    manifests = {
        e["params"]["Key"]: e["params"]["Body"]
        for e in entries
        if e["kind"] == "aws_call" and e["operation"] == "put_object" and e["params"]["Key"].endswith("input.manifest")
    }
    listed = []
    for job in jobs:
        uri = job["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"]
        listed += [json.loads(line)["source-ref"] for line in manifests[uri.split("/", 3)[3]].splitlines()]
    bucket = "s3://mlops-local-databucket/"
    assert listed == [bucket + "incoming/reviews/0001.txt", bucket + "incoming/avis clients/été 2024+1.txt"]
    completed = [e for e in entries if e.get("detail_type") == "SageMaker Ground Truth Labeling Job State Change"]
    assert len(completed) == len(jobs)
