"""A Rollback execution that ends outside its ``RecordAndNotify`` is still closed, on the local stack from the
project's template.

``RecordAndNotify`` records the rollback's outcome, releases the endpoint lock and notifies; nothing catches that
step failing, an execution timeout or an operator's ``StopExecution``. The execution's ``Execution Status Change``
event reaches ExecutionEventsFunction (its rule matches the Deploy and the Rollback machines), which releases the
lock the rollback still holds, records the rollback ``FAILED`` with the reason and notifies once
(:mod:`tests.support.execution_faults` injects the faults, as for the Deploy machine's flows).
"""

from __future__ import annotations

from typing import Any

import pytest

from mlopsctl.local.runtime.stack import LocalStack
from tests.support.execution_faults import (
    dynamodb_fails_during,
    faulted_stack,
    operator_stops,
    redeliver_status_change,
    running,
)
from tests.support.ledger_records import items_of
from tests.support.rollback_registry import Registry

pytestmark = pytest.mark.flow

MACHINE = "RollbackStateMachine"


def two_versions_deployed(stack: LocalStack) -> tuple[Registry, str]:
    """v1 then v2 deployed; the registry and v1's endpoint config (what a rollback restores)."""
    registry = Registry(stack)
    registry.approve_new_version()
    v1_config = registry.serves()
    registry.approve_new_version()
    registry.notifications()
    return registry, v1_config


def rollback_record(registry: Registry) -> dict[str, Any]:
    (record,) = [d for d in items_of(registry.store.deployments(registry.endpoint)) if "rollback_of" in d]
    return record


def rollback_executions(stack: LocalStack) -> list[dict[str, Any]]:
    return [e for e in stack.log.entries("execution") if e["state_machine"] == MACHINE]


def closing_runs(stack: LocalStack) -> list[str]:
    runs = stack.log.entries("handler")
    return [str(e["outcome"]) for e in runs if e["function"] == "ExecutionEventsFunction"]


def assert_closed(registry: Registry, status: str) -> dict[str, Any]:
    """The rollback's lock released, its record FAILED with the reason, operators told once; the record."""
    stack = registry.stack
    assert [e["status"] for e in rollback_executions(stack)] == [status]
    assert registry.store.read_lock(registry.endpoint) is None, "the rollback's lock is released"
    record = rollback_record(registry)
    assert (record["outcome"], record["execution_status"]) == ("FAILED", status)
    assert f"the Rollback execution ended {status} outside its RecordAndNotify step" in record["reason"]
    (message,) = registry.notifications()
    assert (message["kind"], message["outcome"]) == ("rollback", "ROLLBACK_FAILED")
    assert message["rollback_id"] == record["deployment_id"]
    assert closing_runs(stack) == ["ok"]
    return record


def test_a_record_and_notify_that_cannot_reach_dynamodb_still_releases_the_lock_records_and_notifies_once() -> None:
    stack, _ = faulted_stack()
    with stack:
        registry, v1_config = two_versions_deployed(stack)
        finishes = dynamodb_fails_during(stack, "RollbackTasksFunction", "finish")

        registry.set_alarm("ALARM")

        assert len(finishes) == 4, "RecordAndNotify and its three retries each found DynamoDB throttled"
        record = assert_closed(registry, "FAILED")
        assert registry.serves() == v1_config, "the restore itself had succeeded"

        redeliver_status_change(stack, MACHINE, record["deployment_id"])  # EventBridge delivers at least once

        assert closing_runs(stack) == ["ok", "ignored"]
        assert registry.notifications() == []
        assert rollback_record(registry) == record


def test_an_aborted_rollback_releases_its_lock_is_recorded_failed_and_notified() -> None:
    stack, steering = faulted_stack()
    with stack:
        registry, _ = two_versions_deployed(stack)
        steering.once(lambda: bool(running(stack, MACHINE)), lambda: operator_stops(stack, MACHINE))

        registry.set_alarm("ALARM")

        assert_closed(registry, "ABORTED")
