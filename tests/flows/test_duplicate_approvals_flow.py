"""Duplicate approvals arriving at the same moment deploy once and notify once (#12, point 14), on the local stack
from the project's template.

In AWS two copies of one approval can be handled by two Approval functions at once: each reads the ledger before the
other records, and when the copies differ in their change marker (``LastModifiedTime``, or the envelope's time when
a capture has none) each starts a Deploy execution. The local stack runs handlers one at a time, so that moment is
played by starting the two executions together, as the two functions would; the second finds the package live when
its turn at the lock comes. It is recorded as ``SKIPPED``, and no notification announces it: the run that deployed
the package has said so.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from mlops_core.aws.ledger import Ledger
from mlops_core.deploy.store import LedgerDeploymentStore
from tests.support.deploy_flow import DEPLOY_CALLS, DeployFlow, start_flow
from tests.support.ledger_records import items_of
from tests.support.untrusted_events import package_event, runs

pytestmark = pytest.mark.flow


def _deployment_input(flow: DeployFlow, arn: str, version: int, marker: str) -> str:
    request = {
        "endpoint_name": flow.endpoint,
        "model_package_arn": arn,
        "model_package_group_name": flow.group,
        "model_package_version": version,
        "trigger": {"event_id": marker, "last_modified_time": marker},
    }
    return json.dumps({"request": request})


def _messages_for(flow: DeployFlow, version: int) -> list[dict[str, Any]]:
    return [m for m in flow.deployment_messages() if m["model_package_version"] == version]


def test_two_copies_of_an_approval_arriving_together_start_one_deployment() -> None:
    stack, flow = start_flow()
    with stack:
        flow.release()
        arn = flow.register()
        stack.aws(
            "sagemaker", "update_model_package", ModelPackageArn=arn, ModelApprovalStatus="Approved", settle=False
        )
        copy = package_event(stack, 2, LastModifiedTime="2030-01-01T00:00:01Z")  # its own marker: a second name
        copy["detail"].pop("UpdatedModelPackageFields", None)
        stack.put_event(copy, settle=False)

        stack.settle()

        assert [r["outcome"] for r in runs(stack.log.entries(), "ApprovalFunction")][-2:] == ["ok", "ignored"]
        assert len(flow.executions()) == 2
        assert [m["outcome"] for m in _messages_for(flow, 2)] == ["SUCCEEDED"]


def test_deployments_of_one_approval_started_at_the_same_moment_notify_only_the_one_that_deployed() -> None:
    stack, flow = start_flow()
    with stack:
        flow.release()
        arn = flow.register()
        before = len(flow.calls(*DEPLOY_CALLS))
        # the reviewer approves: one Approval function handles SageMaker's event ...
        stack.aws(
            "sagemaker", "update_model_package", ModelPackageArn=arn, ModelApprovalStatus="Approved", settle=False
        )
        # ... while another, handling a copy with its own marker, starts its execution at the same moment
        stack.aws(
            "stepfunctions",
            "start_execution",
            stateMachineArn=stack.arn("DeployStateMachine"),
            name="copy-of-the-approval",
            input=_deployment_input(flow, arn, 2, "2030-01-01T00:00:01Z"),
            settle=False,
        )

        stack.settle()

        assert [e["status"] for e in flow.executions()] == ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]
        assert len(flow.calls(*DEPLOY_CALLS)) - before == 1
        store = LedgerDeploymentStore(Ledger(stack.client("dynamodb"), stack.physical_name("LedgerTable")))
        records = [r for r in items_of(store.deployments(flow.endpoint)) if r.get("model_package_version") == 2]
        assert sorted((r["outcome"], r["reason"]) for r in records)[0] == ("SKIPPED", "already live")
        assert sorted(r["outcome"] for r in records) == ["SKIPPED", "SUCCEEDED"]
        assert [m["outcome"] for m in _messages_for(flow, 2)] == ["SUCCEEDED"]
