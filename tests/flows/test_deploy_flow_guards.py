"""What must *not* deploy, on the local stack from the project's template: duplicated events, other groups, versions
awaiting review, and deployments preflight refuses. Helpers and setting: :mod:`tests.support.deploy_flow`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from tests.support.deploy_flow import DEPLOY_CALLS, DeployFlow, start_flow

pytestmark = pytest.mark.flow

PACKAGE_STATE_CHANGE = "SageMaker Model Package State Change"


class DuplicatingSageMaker(SageMakerEmulator):
    """SageMaker as it is: every model package state change is delivered twice (same detail, another event id)."""

    def emit(self, event: dict[str, Any]) -> None:
        super().emit(event)
        if event.get("detail-type") == PACKAGE_STATE_CHANGE:
            super().emit({**event, "id": str(uuid.uuid4())})


@pytest.fixture
def flow() -> Iterator[DeployFlow]:
    stack, deploy_flow = start_flow()
    with stack:
        yield deploy_flow


def approval_runs(flow: DeployFlow) -> list[dict[str, Any]]:
    return flow.runs("ApprovalFunction")


def test_duplicate_approval_events_start_one_deployment() -> None:
    stack, flow = start_flow(emulator=DuplicatingSageMaker)
    with stack:
        arn = flow.register()
        before = len(approval_runs(flow))

        flow.approve(arn)

        # both copies were handled: the second repeats the status the ledger recorded for the first
        assert [r["outcome"] for r in approval_runs(flow)[before:]] == ["ok", "ignored"]
        assert [e["status"] for e in flow.executions()] == ["SUCCEEDED"]
        assert len(flow.calls(*DEPLOY_CALLS)) == 1
        assert flow.outcomes() == {1: "SUCCEEDED"}


def test_approvals_in_another_group_start_nothing(flow: DeployFlow) -> None:
    flow.stack.aws("sagemaker", "create_model_package_group", ModelPackageGroupName="their-models")
    arn = flow.register(group="their-models")

    flow.approve(arn)

    assert flow.package(arn)["ModelApprovalStatus"] == "Approved"
    assert approval_runs(flow) == [], "the rule lets only our group's events through"
    assert flow.executions() == []
    assert flow.described() is None


def test_a_version_pending_manual_approval_starts_nothing(flow: DeployFlow) -> None:
    arn = flow.register()

    assert flow.package(arn)["ModelApprovalStatus"] == "PendingManualApproval"
    assert [r["outcome"] for r in approval_runs(flow)] == ["ok"]  # recorded in the ledger
    assert flow.executions() == []
    assert flow.calls(*DEPLOY_CALLS) == []
    assert flow.described() is None


def test_a_canary_larger_than_half_the_fleet_fails_preflight_and_creates_nothing() -> None:
    stack, flow = start_flow(parameters={"DeployInstanceCount": "2", "DeployStepSizeValue": "2"})
    with stack:
        flow.release()

        record = flow.records()[1]
        assert record["outcome"] == "FAILED"
        assert "canary of 2 instance(s) is more than 50% of a fleet of 2 instance(s)" in record["reason"]
        assert flow.calls(*DEPLOY_CALLS, "create_model", "create_endpoint_config") == []
        assert flow.described() is None
        (message,) = flow.deployment_messages()
        assert (message["outcome"], message["reason"]) == ("FAILED", record["reason"])


def test_a_missing_rollback_alarm_fails_preflight_and_the_endpoint_keeps_its_model(flow: DeployFlow) -> None:
    flow.release()
    live = flow.serves()
    latency_alarm = flow.alarms[1]
    flow.stack.aws("cloudwatch", "delete_alarms", AlarmNames=[latency_alarm])

    flow.release()

    assert flow.outcomes() == {1: "SUCCEEDED", 2: "FAILED"}
    assert f"rollback alarm(s) not found: {latency_alarm}" in flow.records()[2]["reason"]
    assert [c["operation"] for c in flow.calls(*DEPLOY_CALLS)] == ["create_endpoint"]
    assert flow.serves() == live
    assert [e["status"] for e in flow.executions()] == ["SUCCEEDED", "FAILED"]
