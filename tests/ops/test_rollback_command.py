"""``mlopsctl rollback`` against the local stack over HTTP: the system's own rollback path, asked by an operator."""

from __future__ import annotations

import contextvars
import json
from collections.abc import Iterator
from typing import Any

import pytest

from mlops_core.aws.ledger import Ledger
from mlops_core.deploy.store import LedgerDeploymentStore
from mlopsctl.local.runtime.actionlog import a_person_acts
from mlopsctl.ops import execution_wait
from tests.support.deploy_flow import IMAGE
from tests.support.ledger_records import items_of
from tests.support.ops_stack import OpsStack, ops_stack

pytestmark = pytest.mark.flow


@pytest.fixture
def ops() -> Iterator[OpsStack]:
    with ops_stack() as running:
        yield running


def released(ops: OpsStack, count: int) -> list[str]:
    """``count`` versions registered and approved one after the other, each deployed; their configs, in order."""
    configs = []
    for _ in range(count):
        ops.flow.release()
        configs.append(str(ops.flow.serves()))
    assert ops.flow.outcomes() == dict.fromkeys(range(1, count + 1), "SUCCEEDED")
    return configs


def time_passes(ops: OpsStack, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--wait``'s pauses let the local stack's virtual time pass (as `mlopsctl local up` does by itself); what
    happens meanwhile is the system's own doing (a fresh context: not the person's calls)."""
    monkeypatch.setattr(execution_wait, "pause", lambda seconds: contextvars.Context().run(ops.flow.wait, seconds))


def ledger(ops: OpsStack) -> list[dict[str, Any]]:
    """Every record of the endpoint, newest first (deployments and rollbacks)."""
    table = Ledger(ops.stack.client("dynamodb"), ops.stack.physical_name("LedgerTable"))
    return items_of(LedgerDeploymentStore(table).deployments(ops.flow.endpoint))


def rollback_messages(ops: OpsStack) -> list[dict[str, Any]]:
    return [m for n in ops.stack.notifications() if (m := json.loads(n["Message"])).get("kind") == "rollback"]


def test_rollback_restores_the_last_known_good_model_records_and_notifies(
    ops: OpsStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1_config, _ = released(ops, 2)
    time_passes(ops, monkeypatch)
    document = ops.json("rollback", "--reason", "wrong answers for new customers")
    decision = document["decision"]
    assert (decision["action"], decision["from_version"], decision["to_version"]) == ("RESTORE", 2, 1)
    assert "the last known-good" in decision["reason"]
    assert (document["result"]["outcome"], document["restored"]) == ("SUCCEEDED", True)
    ops.stack.settle()
    assert ops.flow.serves() == v1_config
    assert ops.flow.outcomes()[2] == "ROLLED_BACK"
    record = next(r for r in ledger(ops) if r["deployment_id"] == decision["rollback_id"])
    trigger = record["trigger_chain"]["rollback_trigger"]
    assert (record["outcome"], trigger["kind"], trigger["reason"]) == (
        "SUCCEEDED",
        "OPERATOR",
        "operator: wrong answers for new customers",
    )
    assert trigger["requested_by"] == document["request"]["requested_by"]
    assert document["request"]["requested_by"].startswith("arn:aws:")
    (message,) = rollback_messages(ops)
    assert (message["outcome"], message["trigger"], message["from_version"], message["to_version"]) == (
        "ROLLED_BACK",
        "OPERATOR",
        2,
        1,
    )
    v2 = ops.flow.records()[2]["model_package_arn"]
    assert ops.flow.package(v2)["ModelApprovalStatus"] == "Rejected"


def test_rollback_to_a_named_version_after_three(ops: OpsStack) -> None:
    v1_config, _, _ = released(ops, 3)
    result = ops.run("rollback", "--to", "1", "--reason", "v2 and v3 drift", "--no-wait")
    assert result.exit_code == 0, result.output
    assert "RESTORE" in result.stdout
    ops.stack.settle()
    assert ops.flow.serves() == v1_config
    assert ops.flow.outcomes() == {1: "SUCCEEDED", 2: "SUCCEEDED", 3: "ROLLED_BACK"}


@pytest.mark.parametrize(
    ("version", "refusal"),
    [
        ("9", "there is no model package version 9 in the registry"),
        ("3", "model package version 3 is PendingManualApproval"),
        ("2", "v2 is what"),
    ],
)
def test_rollback_refuses_an_unknown_unapproved_or_live_version_with_one_line(
    ops: OpsStack, version: str, refusal: str
) -> None:
    released(ops, 2)
    ops.flow.register()  # v3: registered, never approved
    before = ops.flow.records()
    result = ops.run("rollback", "--to", version, "--reason", "try")
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: ")
    assert refusal in line
    assert ops.flow.records() == before


def test_rollback_refuses_an_approved_version_that_never_served(ops: OpsStack) -> None:
    released(ops, 2)
    bucket = ops.stack.physical_name("ArtifactsBucket")
    spec = {
        "Containers": [{"Image": IMAGE, "ModelDataUrl": f"s3://{bucket}/pipelines/runs/gone/model.tar.gz"}],
        "SupportedContentTypes": ["text/plain"],
        "SupportedResponseMIMETypes": ["application/json"],
    }
    sagemaker = "sagemaker"
    created = ops.stack.aws(
        sagemaker, "create_model_package", ModelPackageGroupName=ops.flow.group, InferenceSpecification=spec
    )
    ops.flow.approve(created["ModelPackageArn"])  # approved; its preflight fails (no model data): it never serves
    assert ops.flow.outcomes()[3] == "FAILED"
    result = ops.run("rollback", "--to", "3", "--reason", "try")
    assert result.exit_code == 2
    assert "v3 never served" in result.stderr


def test_rollback_with_nothing_to_restore_exits_1_with_the_reason(ops: OpsStack) -> None:
    v1_config, *_ = released(ops, 1)
    result = ops.run("rollback", "--reason", "just in case", "--json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["decision"]["action"] == "NO_TARGET"
    assert "no known-good version precedes v1" in document["decision"]["reason"]
    assert (document["started"], document["restored"]) == (False, False)
    ops.stack.settle()
    assert ops.flow.serves() == v1_config
    (message,) = rollback_messages(ops)
    assert message["outcome"] == "NO_TARGET"


def test_the_same_request_twice_converges_on_one_restore(ops: OpsStack) -> None:
    v1_config, _ = released(ops, 2)
    with a_person_acts():
        target = ops.target()
        function = target.stack().output("RollbackFunctionArn")
        request = {
            "operator_rollback": {
                "request_id": "3b0b8e36-0000-4000-8000-000000000001",
                "endpoint_name": ops.flow.endpoint,
                "reason": "sent twice",
                "requested_by": "arn:aws:iam::123456789012:user/ana",
            }
        }
        answers = [
            json.loads(
                target.client("lambda").invoke(FunctionName=function, Payload=json.dumps(request))["Payload"].read()
            )
            for _ in range(2)
        ]
    assert answers[0]["rollback_id"] == answers[1]["rollback_id"]
    assert (answers[0]["already_started"], answers[1]["already_started"]) == (False, True)
    ops.stack.settle()
    assert ops.flow.serves() == v1_config
    rollbacks = [e for e in ops.stack.log.entries("execution") if e["state_machine"] == "RollbackStateMachine"]
    assert [e["status"] for e in rollbacks] == ["SUCCEEDED"]
    assert len(rollback_messages(ops)) == 1
