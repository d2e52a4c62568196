"""A deployment's orchestration does not grow with bake time (#12, point 12), on the local stack from the project's
template, in virtual time.

A user sets only the bake (``DeployWaitIntervalSeconds``) and, for a long bake, SageMaker's own timeout
(``DeployMaxExecutionTimeoutSeconds``); nothing else. The fallback wait of the event-driven wait is derived from the
update's own ``DeploymentConfig``, so one wait always covers the whole update and the endpoint's event ends it early:
the same task runs and the same AWS calls for a 1, 10 or 60-minute bake, at most 40 task runs.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.support.deploy_flow import start_flow

pytestmark = pytest.mark.flow

MAX_TASK_RUNS = 40
TERMINATION_WAIT = 300  # the template's default DeployTerminationWaitSeconds
PROVISIONING = 300  # preflight's allowance for SageMaker to provision the new fleet


def user_parameters(bake_minutes: int) -> dict[str, str]:
    """What a user sets for a bake: the bake, and SageMaker's timeout only when the default does not cover it."""
    bake = bake_minutes * 60
    parameters = {"DeployWaitIntervalSeconds": str(bake)}
    needed = bake + TERMINATION_WAIT + PROVISIONING
    if needed > 1800:  # the template's default DeployMaxExecutionTimeoutSeconds
        parameters["DeployMaxExecutionTimeoutSeconds"] = str(needed)
    return parameters


def measure_update(bake_minutes: int) -> dict[str, Any]:
    """Deploy v1 (CreateEndpoint), then measure v2's canary update: its outcome, task runs and AWS calls."""
    stack, flow = start_flow(parameters=user_parameters(bake_minutes))
    with stack:
        flow.release()
        mark = len(stack.log.entries())
        started = stack.clock.now()
        flow.release()
        entries = stack.log.entries()[mark:]
        elapsed = (stack.clock.now() - started).total_seconds()
        record = flow.records()[2]
    tasks = [e for e in entries if e["kind"] == "handler" and e["function"] == "DeployTasksFunction"]
    calls = Counter(f"{e['service']}.{e['operation']}" for e in entries if e["kind"] == "aws_call")
    return {
        "outcome": record["outcome"],
        "reason": record.get("reason"),
        "task_runs": len(tasks),
        "aws_calls": dict(sorted(calls.items())),
        "virtual_seconds": elapsed,
    }


def test_a_60_minute_bake_with_only_the_bake_and_sagemakers_timeout_set_passes_preflight_and_deploys() -> None:
    result = measure_update(60)

    assert result["outcome"] == "SUCCEEDED", result["reason"]
    assert result["virtual_seconds"] >= 3600 + TERMINATION_WAIT, "the canary baked for the full hour"


def test_task_runs_and_aws_calls_are_the_same_for_bakes_of_1_10_and_60_minutes() -> None:
    results = {bake: measure_update(bake) for bake in (1, 10, 60)}

    assert {bake: r["outcome"] for bake, r in results.items()} == dict.fromkeys(results, "SUCCEEDED")
    runs = {bake: r["task_runs"] for bake, r in results.items()}
    assert len(set(runs.values())) == 1, f"task runs grow with bake time: {runs}"
    assert runs[60] <= MAX_TASK_RUNS
    assert results[1]["aws_calls"] == results[10]["aws_calls"] == results[60]["aws_calls"]
