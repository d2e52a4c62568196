"""ExecutionEventsFunction on ``events/execution_failed.json`` (what ``sam local invoke`` is fed), with fakes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from mlops_core.aws.notifications import Notifier
from mlops_core.deploy.execution_outcomes import ExecutionOutcomeConfig, ExecutionOutcomePorts
from mlops_core.deploy.ledger_items import DeploymentFields, DeploymentRecord
from mlops_core.deploy.store import DeploymentKey
from mlops_core.deploy.unfinished import UnfinishedDeployments
from tests.support.deploy.handlers import context, load_handler
from tests.support.events import project_event

MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:mlops-dev-deploy"
ROLLBACK_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:mlops-dev-rollback"
ROLLBACK_ID = "mlops-dev-rb-0123456789abcdef"
ENDPOINT = "mlops-dev-endpoint"


class FakeDeployments(UnfinishedDeployments):
    """Records by key and one lock holder, with the adapter's conditions."""

    def __init__(self, holder: str | None, outcome: str | None) -> None:
        self.holder = holder
        self.records: dict[DeploymentKey, dict[str, Any]] = {}
        self.outcome = outcome

    def close(self, key: DeploymentKey, fields: DeploymentFields) -> DeploymentRecord | None:
        current = self.records.get(key, {"outcome": self.outcome} if self.outcome else {})
        if current.get("outcome") not in (None, "IN_PROGRESS"):
            return None
        identity = {"endpoint_name": key.endpoint_name, "deployment_id": key.deployment_id}
        self.records[key] = {**current, **identity, "started_at": key.started_text, **fields.as_update()}
        return DeploymentRecord.of_item(self.records[key])

    def release_lock(self, endpoint_name: str, deployment_id: str) -> bool:
        if endpoint_name != ENDPOINT or self.holder != deployment_id:
            return False
        self.holder = None
        return True


class FakeNotifier(Notifier):
    def __init__(self) -> None:
        self.published: list[tuple[str, dict[str, Any]]] = []

    def publish(self, subject: str, message: Mapping[str, Any]) -> None:
        self.published.append((subject, dict(message)))


def run(event: dict[str, Any], deployments: FakeDeployments, notifier: FakeNotifier) -> dict[str, Any]:
    app = load_handler("execution_events")
    ports = ExecutionOutcomePorts(deployments=deployments, notifier=notifier)
    app.dependencies = lambda: (ExecutionOutcomeConfig(ENDPOINT, MACHINE, ROLLBACK_MACHINE), ports)
    result: dict[str, Any] = app.lambda_handler(event, context())
    return result


@pytest.fixture(autouse=True)
def our_account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCOUNT_ID", "123456789012")
    monkeypatch.setenv("AWS_REGION", "us-east-1")


def sample() -> dict[str, Any]:
    return project_event("execution_failed.json")


def rollback_sample(status: str = "FAILED") -> dict[str, Any]:
    """The sample as a Rollback execution's (named by its rollback id) that ended ``status``."""
    text = json.dumps(sample()).replace("mlops-dev-v3-0123456789abcdef", ROLLBACK_ID)
    event: dict[str, Any] = json.loads(text.replace(":mlops-dev-deploy", ":mlops-dev-rollback"))
    event["detail"]["status"] = status
    return event


def test_a_failed_execution_holding_the_lock_is_unlocked_recorded_and_notified_once() -> None:
    deployments, notifier = FakeDeployments("mlops-dev-v3-0123456789abcdef", "IN_PROGRESS"), FakeNotifier()

    first = run(sample(), deployments, notifier)
    again = run(sample(), deployments, notifier)

    assert (first["outcome"], first["lock_released"], first["record_closed"]) == ("ok", True, True)
    assert again["outcome"] == "ignored"
    (record,) = deployments.records.values()
    assert (record["outcome"], record["execution_status"]) == ("FAILED", "FAILED")
    assert [message["outcome"] for _, message in notifier.published] == ["FAILED"]
    assert deployments.holder is None


def test_an_execution_that_recorded_its_outcome_and_unlocked_is_left_alone() -> None:
    deployments, notifier = FakeDeployments(None, "ROLLED_BACK"), FakeNotifier()
    assert run(sample(), deployments, notifier)["outcome"] == "ignored"
    assert deployments.records == {}
    assert notifier.published == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "SUCCEEDED"),
        ("stateMachineArn", MACHINE.replace("mlops-dev-deploy", "another")),
    ],
)
def test_a_succeeded_execution_or_another_machines_is_ignored(field: str, value: str) -> None:
    event = sample()
    event["detail"][field] = value
    deployments, notifier = FakeDeployments("mlops-dev-v3-0123456789abcdef", "IN_PROGRESS"), FakeNotifier()
    result = run(event, deployments, notifier)
    assert result["outcome"] == "ignored"
    assert deployments.holder is not None
    assert notifier.published == []


@pytest.mark.parametrize("status", ["FAILED", "TIMED_OUT", "ABORTED"])
def test_an_unfinished_rollback_is_unlocked_recorded_failed_and_notified_once(status: str) -> None:
    deployments, notifier = FakeDeployments(ROLLBACK_ID, "IN_PROGRESS"), FakeNotifier()

    first = run(rollback_sample(status), deployments, notifier)
    again = run(rollback_sample(status), deployments, notifier)

    assert (first["outcome"], first["lock_released"], first["record_closed"]) == ("ok", True, True)
    assert again["outcome"] == "ignored"
    assert deployments.holder is None
    (record,) = deployments.records.values()
    assert (record["outcome"], record["execution_status"]) == ("FAILED", status)
    assert f"the Rollback execution ended {status}" in record["reason"]
    ((subject, message),) = notifier.published
    assert (message["kind"], message["outcome"], message["rollback_id"]) == ("rollback", "ROLLBACK_FAILED", ROLLBACK_ID)
    assert message["reason"] == record["reason"]
    assert subject.startswith(f"[ROLLBACK FAILED] {ENDPOINT}")


def test_an_unfinished_rollback_leaves_a_lock_taken_since_by_another_execution() -> None:
    deployments, notifier = FakeDeployments("mlops-dev-v4-0123456789abcdef", "IN_PROGRESS"), FakeNotifier()
    result = run(rollback_sample("TIMED_OUT"), deployments, notifier)
    assert (result["outcome"], result["lock_released"], result["record_closed"]) == ("ok", False, True)
    assert deployments.holder == "mlops-dev-v4-0123456789abcdef"
    assert [message["outcome"] for _, message in notifier.published] == ["ROLLBACK_FAILED"]


def test_a_rollback_that_recorded_its_outcome_and_unlocked_is_left_alone_whatever_the_events_order() -> None:
    deployments, notifier = FakeDeployments(None, "SUCCEEDED"), FakeNotifier()
    for status in ("ABORTED", "FAILED"):  # late and out of order: the execution had closed itself
        assert run(rollback_sample(status), deployments, notifier)["outcome"] == "ignored"
    assert deployments.records == {}
    assert notifier.published == []
