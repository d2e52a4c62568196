"""``mlopsctl abort`` against the local stack over HTTP: a deployment stopped through the system's own paths."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import Result

from mlops_core.aws.ledger import Ledger
from mlops_core.deploy.ledger_items import DeploymentRecord
from mlops_core.deploy.store import LedgerDeploymentStore
from mlopsctl.ops import execution_wait
from mlopsctl.ops.abort import InProgress, mechanism
from mlopsctl.ops.errors import OpsError
from tests.support.ops_stack import OpsStack, ops_stack

pytestmark = pytest.mark.flow


@pytest.fixture
def ops() -> Iterator[OpsStack]:
    with ops_stack() as running:
        yield running


def deployment_messages(ops: OpsStack) -> list[dict[str, Any]]:
    return ops.flow.deployment_messages()


def test_abort_mid_canary_returns_the_endpoint_to_the_old_fleet_records_and_notifies(ops: OpsStack) -> None:
    ops.flow.release()
    v1_config = ops.flow.serves()
    deployment_messages(ops)
    answers: list[Result] = []
    ops.flow.steering.once(
        ops.flow.baking, lambda: answers.append(ops.run("abort", "--reason", "canary looks wrong", "--no-wait"))
    )
    ops.flow.approve(ops.flow.register())
    (answer,) = answers
    assert answer.exit_code == 0, answer.output
    assert "guardrail_alarm" in answer.stdout
    assert ops.flow.serves() == v1_config
    record = ops.flow.records()[2]
    assert record["outcome"] == "ROLLED_BACK"
    assert "mlopsctl abort by arn:aws:" in record["reason"]
    assert "canary looks wrong" in record["reason"]
    message = deployment_messages(ops)[-1]
    assert (message["outcome"], message["model_package_version"]) == ("ROLLED_BACK", 2)
    assert "canary looks wrong" in message["reason"]
    store = LedgerDeploymentStore(Ledger(ops.stack.client("dynamodb"), ops.stack.physical_name("LedgerTable")))
    assert store.read_lock(ops.flow.endpoint) is None  # released by the deployment's own Finish
    rollbacks = [e for e in ops.stack.log.entries("handler") if e["function"] == "RollbackFunction"]
    assert rollbacks == []  # the new-fleet alarm is no trigger of ours


ARN = "arn:aws:states:us-east-1:123456789012:execution:s-deploy:s-v2-0123"


def in_progress(status: str, serves: str, pending: str | None = None) -> InProgress:
    endpoint: dict[str, Any] = {"EndpointName": "e", "EndpointStatus": status, "EndpointConfigName": serves}
    if pending:
        endpoint["PendingDeploymentSummary"] = {"EndpointConfigName": pending}
    record = DeploymentRecord(
        endpoint_name="e", deployment_id="s-v2-0123", started_at="2026-01-01T00:00:00.000Z", outcome="IN_PROGRESS",
        endpoint_config_name="c2",
    )  # fmt: skip
    return InProgress("s-v2-0123", ARN, record, endpoint)


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        (in_progress("Updating", "c1", "c2"), "c2"),  # SageMaker's update in flight: its guardrails roll it back
        (in_progress("InService", "c1"), None),  # preparing (no update yet): the execution is stopped
    ],
)
def test_abort_rolls_an_update_in_flight_back_and_stops_one_not_started(found: InProgress, expected: str) -> None:
    assert mechanism(found) == expected


@pytest.mark.parametrize(
    ("found", "why"),
    [
        (in_progress("InService", "c2"), "has landed (e serves c2)"),
        (in_progress("Creating", "c2"), "there is no old fleet to return to"),
    ],
)
def test_abort_refuses_a_deployment_that_landed_or_creates_the_endpoint(found: InProgress, why: str) -> None:
    with pytest.raises(OpsError, match=re.escape(why)):
        mechanism(found)


def test_abort_with_nothing_in_progress_exits_1_with_one_line(ops: OpsStack, monkeypatch: pytest.MonkeyPatch) -> None:
    ops.flow.release()
    monkeypatch.setattr(execution_wait, "pause", lambda seconds: contextvars.Context().run(ops.flow.wait, seconds))
    result = ops.run("abort", "--reason", "nothing to stop")
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: nothing in progress on ")
    assert result.stdout == ""


def test_abort_waits_for_the_deployment_to_end_rolled_back(ops: OpsStack, monkeypatch: pytest.MonkeyPatch) -> None:
    ops.flow.release()
    v1_config = ops.flow.serves()
    ops.flow.approve(ops.flow.register(), settle=False)
    for _ in range(10):  # SageMaker's events, one at a time, until the canary bakes
        if ops.flow.baking():
            break
        assert ops.stack.run_until_event({"source": ["aws.sagemaker"]}) is not None
    assert ops.flow.baking()
    monkeypatch.setattr(execution_wait, "pause", lambda seconds: contextvars.Context().run(ops.flow.wait, seconds))
    document = ops.json("abort", "--reason", "stop it now")
    assert (document["mechanism"], document["stopped"]) == ("guardrail_alarm", True)
    assert document["result"]["outcome"] == "ROLLED_BACK"
    assert "stop it now" in document["result"]["reason"]
    ops.stack.settle()
    assert ops.flow.serves() == v1_config
