"""A Deploy execution that fails outside its ``Catch`` is still closed (#12, point 5), on the local stack from the
project's template.

``Finish`` records the outcome, releases the endpoint lock and notifies; nothing catches ``Finish`` itself failing.
Here DynamoDB fails (throttled, as AWS throttles it: :mod:`mlopsctl.local.runtime.faults`) for every attempt of
``Finish``,
so the execution ends ``FAILED`` with the lock held and nobody told. Step Functions' ``Execution Status Change``
event (the local stack announces every execution that ends, as AWS does) reaches ExecutionEventsFunction, which
releases the lock, records ``FAILED`` with the reason and notifies; the next approval deploys.
"""

from __future__ import annotations

import json

import pytest

from mlops_core.aws.ledger import Ledger
from mlops_core.deploy.store import LedgerDeploymentStore
from mlopsctl.local.runtime.stack import LocalStack
from tests.support.deploy_flow import DeployFlow
from tests.support.execution_faults import (
    dynamodb_fails_during,
    faulted_stack,
    no_more_faults,
    operator_stops,
    redeliver_status_change,
)
from tests.support.ledger_records import items_of

pytestmark = pytest.mark.flow


def faulted_flow() -> tuple[LocalStack, DeployFlow]:
    """The deploy flow on a stack whose fault injector is installed (with no fault until a test adds one)."""
    stack, steering = faulted_stack()
    return stack, DeployFlow(stack, steering)


def dynamodb_fails_during_finish(stack: LocalStack) -> list[int]:
    """Every attempt of the Deploy machine's ``Finish`` step finds DynamoDB throttled; the count of such runs."""
    return dynamodb_fails_during(stack, "DeployTasksFunction", "finish")


def test_a_finish_that_cannot_reach_dynamodb_still_releases_the_lock_records_and_notifies() -> None:
    stack, flow = faulted_flow()
    with stack:
        flow.release()
        live = flow.serves()
        flow.deployment_messages()
        finishes = dynamodb_fails_during_finish(stack)

        flow.release()

        assert len(finishes) == 4, "Finish and its three retries each found DynamoDB throttled"
        assert [e["status"] for e in flow.executions()][-1] == "FAILED"
        store = LedgerDeploymentStore(Ledger(stack.client("dynamodb"), stack.physical_name("LedgerTable")))
        assert store.read_lock(flow.endpoint) is None, "the failed execution's lock is released"
        record = flow.records()[2]
        assert record["outcome"] == "FAILED"
        assert "ended FAILED outside its Finish step" in record["reason"]
        assert record["execution_status"] == "FAILED"
        (message,) = [m for m in flow.deployment_messages() if m["model_package_version"] == 2]
        assert message["outcome"] == "FAILED"
        assert message["deployment_id"] == record["deployment_id"]
        assert [r["outcome"] for r in flow.runs("ExecutionEventsFunction")] == ["ok"]
        assert flow.serves() == record["endpoint_config_name"] != live, "the update itself had succeeded"

        no_more_faults(stack)
        flow.release()

        assert flow.outcomes()[3] == "SUCCEEDED", "the next approval is not blocked by a leftover lock"


def test_a_duplicate_of_the_failed_executions_event_changes_nothing_and_notifies_no_one() -> None:
    stack, flow = faulted_flow()
    with stack:
        flow.release()
        dynamodb_fails_during_finish(stack)
        flow.release()
        announced = [m for m in flow.deployment_messages() if m["model_package_version"] == 2]
        record = flow.records()[2]
        failed = next(e for e in flow.executions() if e["status"] == "FAILED")

        redeliver_status_change(stack, "DeployStateMachine", failed["execution"])  # at least once

        assert [r["outcome"] for r in flow.runs("ExecutionEventsFunction")] == ["ok", "ignored"]
        assert [m for m in flow.deployment_messages() if m["model_package_version"] == 2] == announced
        assert len(announced) == 1
        assert flow.records()[2] == record


def test_an_aborted_deployment_releases_its_lock_is_recorded_and_notified() -> None:
    stack, flow = faulted_flow()
    with stack:
        flow.release()
        flow.steering.once(flow.baking, lambda: operator_stops(stack, "DeployStateMachine"))
        flow.release()

        assert [e["status"] for e in flow.executions()][-1] == "ABORTED"
        store = LedgerDeploymentStore(Ledger(stack.client("dynamodb"), stack.physical_name("LedgerTable")))
        assert store.read_lock(flow.endpoint) is None
        record = flow.records()[2]
        assert (record["outcome"], record["execution_status"]) == ("FAILED", "ABORTED")
        assert "ended ABORTED outside its Finish step" in record["reason"]
        assert [m["outcome"] for m in flow.deployment_messages() if m["model_package_version"] == 2] == ["FAILED"]


def test_a_state_over_256_kib_fails_the_execution_past_every_catch_and_it_is_still_recorded_and_notified() -> None:
    stack, flow = faulted_flow()
    with stack:
        arn = flow.register()
        stack.aws("sagemaker", "update_model_package", ModelPackageArn=arn, ModelApprovalStatus="Approved")
        mark = len(stack.log.entries())
        request = {
            "endpoint_name": flow.endpoint,
            "model_package_arn": arn,
            "model_package_group_name": flow.group,
            "model_package_version": 1,
            "trigger": {"event_id": "by-hand", "note": ""},
        }
        execution_input = {"request": request}
        # StartExecution takes the input (at most 256 KiB); Preflight's plan on top of it is over the quota
        request["trigger"]["note"] = "x" * (256 * 1024 - len(json.dumps(execution_input)) - 400)

        stack.aws(
            "stepfunctions",
            "start_execution",
            stateMachineArn=stack.arn("DeployStateMachine"),
            name="oversized-state",
            input=json.dumps(execution_input),
        )

        entries = stack.log.entries()[mark:]
        (ended,) = [e for e in entries if e["kind"] == "execution"]
        assert (ended["status"], ended.get("error")) == ("FAILED", "States.DataLimitExceeded")
        store = LedgerDeploymentStore(Ledger(stack.client("dynamodb"), stack.physical_name("LedgerTable")))
        (record,) = [r for r in items_of(store.deployments(flow.endpoint)) if r["deployment_id"] == "oversized-state"]
        assert record["outcome"] == "FAILED"
        assert record["execution_status"] == "FAILED"
        assert [m["deployment_id"] for m in flow.deployment_messages() if m["outcome"] == "FAILED"] == [
            "oversized-state"
        ]
        assert store.read_lock(flow.endpoint) is None
