"""Replay timing: ``together``, ``"after": {"seconds": N}`` and ``"after": {"event": PATTERN}`` give the interleavings
a settled replay cannot (the contract: :mod:`mlopsctl.local.commands.replay`). These tests assert *when* things happen,
not
whether the deployment logic handles them well (that is issue #12's business).

The deployment replays run on the project's template (``tests/fixtures/replay/deploy_*.json``); the quick ones on the
local stack's fixture template.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlopsctl.cli import main
from mlopsctl.local.commands.replay import parse_items, play
from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from mlopsctl.local.runtime.stack import LocalStack

pytestmark = pytest.mark.flow

TESTS = Path(__file__).resolve().parents[1]
REPLAYS = TESTS / "fixtures" / "replay"
FIXTURE = TESTS / "fixtures" / "local_stack" / "template.yaml"
PACKAGE_EVENT = ("aws.sagemaker", "SageMaker Model Package State Change")
ENDPOINT_EVENT = ("aws.sagemaker", "SageMaker Endpoint State Change")


def replay(capsys: pytest.CaptureFixture[str], path: Path, *options: str) -> list[dict[str, Any]]:
    code = main(["local", "replay", str(path), *options])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return [json.loads(line) for line in captured.out.splitlines()]


def write(tmp_path: Path, items: list[dict[str, Any]]) -> Path:
    path = tmp_path / "replay.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


def positions(entries: list[dict[str, Any]], kind: tuple[str, str]) -> list[int]:
    return [i for i, e in enumerate(entries) if e["kind"] == "event" and (e["source"], e["detail_type"]) == kind]


def put(key: str, **timing: Any) -> dict[str, Any]:
    return {"aws": "s3.put_object", "params": {"Bucket": "${DataBucket}", "Key": key, "Body": "x"}, **timing}


class ReviewedStack(LocalStack):
    """The project's stack with the SageMaker emulator, noting the endpoint's status whenever a user rejects a
    package (what DescribeEndpoint says at the moment the reject is performed)."""

    def __init__(self) -> None:
        def sagemaker(stack: LocalStack) -> SageMakerEmulator:
            return SageMakerEmulator(stack.clock.now, stack.template.account_id, stack.template.region)

        super().__init__(emulators=[sagemaker])
        self.statuses_at_reject: list[str] = []

    def aws(self, service: str, operation: str, *, settle: bool = True, **params: Any) -> Any:
        if (service, operation) == ("sagemaker", "update_model_package") and (
            params.get("ModelApprovalStatus") == "Rejected"
        ):
            name = str(self.template.parameters["EndpointName"])
            described = self.client("sagemaker").describe_endpoint(EndpointName=name)
            self.statuses_at_reject.append(str(described["EndpointStatus"]))
        return super().aws(service, operation, settle=settle, **params)


# -- the deployment interleavings the issue asks for -----------------------------------------------------------------
@pytest.mark.parametrize("name", ["deploy_reject_while_updating.json", "deploy_reject_during_bake.json"])
def test_a_reject_timed_by_event_or_seconds_is_performed_while_the_v2_canary_updates_the_endpoint(name: str) -> None:
    stack = ReviewedStack()
    with stack:
        play(stack, parse_items((REPLAYS / name).read_text(encoding="utf-8")))
        entries = stack.log.entries()

    assert stack.statuses_at_reject == ["Updating"]
    packages, endpoints = positions(entries, PACKAGE_EVENT), positions(entries, ENDPOINT_EVENT)
    approved_v2, rejected_v2 = packages[3], packages[4]  # create v1, approve v1, create v2, approve v2, reject v2
    during = [i for i in endpoints if i > approved_v2]
    updating, in_service = during[0], during[-1]
    assert updating < rejected_v2 < in_service
    deploys = [i for i, e in enumerate(entries) if e["kind"] == "execution"]
    assert deploys[-1] > rejected_v2, "the v2 deployment was still running when v2 was rejected"
    if name == "deploy_reject_while_updating.json":
        assert entries[rejected_v2]["t"] == entries[updating]["t"]  # at once, before the UPDATING event's targets ran
        assert all(e["kind"] != "handler" for e in entries[updating:rejected_v2])
    else:
        assert entries[rejected_v2]["t"] == entries[approved_v2]["t"] + 120


def test_five_approvals_together_are_all_put_before_any_handler_sees_one(capsys: pytest.CaptureFixture[str]) -> None:
    entries = replay(capsys, REPLAYS / "deploy_five_approvals_together.json")

    approvals = positions(entries, PACKAGE_EVENT)[-5:]
    assert approvals == list(range(approvals[0], approvals[0] + 5)), "nothing happens between the five approvals"
    assert len({entries[i]["t"] for i in approvals}) == 1
    runs = [i for i, e in enumerate(entries) if e.get("function") == "ApprovalFunction" and i > approvals[0]]
    assert len(runs) == 5
    assert runs[0] > approvals[-1]


def test_three_files_dropped_together_arrive_at_one_instant_and_make_one_batch(
    capsys: pytest.CaptureFixture[str],
) -> None:
    entries = replay(capsys, REPLAYS / "data_arrival_together.json")

    created = positions(entries, ("aws.s3", "Object Created"))[:3]
    assert created == [0, 1, 2]
    assert {entries[i]["t"] for i in created} == {0.0}
    runs = [e for e in entries if e.get("function") == "DataArrivalFunction"]
    assert [r["outcome"] for r in runs] == ["ok"]
    manifests = [
        e["params"]["Body"]
        for e in entries
        if e["kind"] == "aws_call" and e["operation"] == "put_object" and e["params"]["Key"].endswith("input.manifest")
    ]
    (manifest,) = manifests
    keys = sorted(json.loads(line)["source-ref"].rsplit("/", 1)[-1] for line in manifest.splitlines())
    assert keys == ["0101.txt", "0102.txt", "0103.txt"]


# -- the timing rules, on the fixture template -----------------------------------------------------------------------
def test_an_item_after_n_seconds_comes_before_the_previous_items_batch_window_closed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, [put("incoming/a.txt"), put("incoming/b.txt", after={"seconds": 10})])

    entries = replay(capsys, path, "--template", str(FIXTURE))

    created = [entries[i]["t"] for i in positions(entries, ("aws.s3", "Object Created"))]
    assert created == [0.0, 10.0]
    runs = [e for e in entries if e["kind"] == "handler"]
    assert [(r["function"], r["t"]) for r in runs] == [("DataArrivalFunction", 30.0)]  # one batch: a's window
    writes = [e["params"]["Item"] for e in entries if e["kind"] == "aws_call" and e["operation"] == "put_item"]
    assert {w["batch_size"]["N"] for w in writes} == {"2"}


def test_a_settled_replay_handles_each_drop_on_its_own(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entries = replay(
        capsys, write(tmp_path, [put("incoming/a.txt"), put("incoming/b.txt")]), "--template", str(FIXTURE)
    )

    runs = [(e["function"], e["t"]) for e in entries if e["kind"] == "handler"]
    assert runs == [("DataArrivalFunction", 30.0), ("DataArrivalFunction", 60.0)]


def test_an_item_waiting_for_an_event_that_never_comes_fails_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    never = {"source": ["aws.sagemaker"], "detail-type": ["SageMaker Endpoint State Change"]}
    path = write(tmp_path, [put("incoming/a.txt"), put("incoming/b.txt", after={"event": never})])

    code = main(["local", "replay", str(path), "--template", str(FIXTURE)])

    captured = capsys.readouterr()
    assert code == 2
    assert "item 2: s3.put_object: no event matching" in captured.err
    assert "before the stack settled" in captured.err
    assert [json.loads(line)["kind"] for line in captured.out.splitlines()].count("handler") == 1


def test_an_item_waiting_for_an_event_is_performed_when_it_comes_not_when_the_stack_settles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    created = {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"object": {"key": ["incoming/a.txt"]}},
    }
    path = write(tmp_path, [put("incoming/a.txt"), put("incoming/b.txt", after={"event": created})])

    entries = replay(capsys, path, "--template", str(FIXTURE))

    runs = [e for e in entries if e["kind"] == "handler"]
    assert [(r["function"], r["t"]) for r in runs] == [("DataArrivalFunction", 30.0)]  # both objects in a's batch


# -- faults on the command line ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("server", [False, True], ids=["in-process", "moto_server"])
def test_faulted_calls_carry_the_aws_error_and_the_users_actions_go_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: bool
) -> None:
    options = ["--template", str(FIXTURE), "--faults", "dynamodb:1", "--seed", "3", *(["--server"] if server else [])]

    entries = replay(capsys, write(tmp_path, [put("incoming/a.txt")]), *options)

    writes = [e for e in entries if e["kind"] == "aws_call" and e["service"] == "dynamodb"]
    assert writes
    assert {e["error"] for e in writes} == {"ThrottlingException"}
    assert all(e["attempts"] > 1 for e in writes)  # botocore retried each one
    assert [e["kind"] for e in entries].count("event") >= 1  # the user's put_object went through
    assert {e["outcome"] for e in entries if e["kind"] == "handler"} == {"error"}
