"""The longest stack name the system allows (42 characters) runs the whole lifecycle on the local stack, whose moto
enforces AWS's name limits: every name derived from it (labeling job, pipeline run, models, endpoint configs,
executions) is accepted. One character more fails at the first cold start, with the reason."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mlopsctl.local.emulators.sagemaker import GoldLabelWorkforce, SageMakerEmulator
from mlopsctl.local.runtime.clock import VirtualClock
from mlopsctl.local.runtime.stack import LocalStack
from tests.support.deploy_flow import DeployFlow, Steering
from tests.support.stack_queries import executions, handler_runs, labeling_jobs
from tests.support.training_flow import LABELS, TICKETS, WORKTEAM, drop

pytestmark = pytest.mark.flow

LONGEST = "mlops-" + "l" * 30 + "-stack"
PARAMETERS = {"LabelingBackend": "groundtruth", "LabelingWorkteamArn": WORKTEAM, "LabelingLabels": ",".join(LABELS)}


def _stack(stack_name: str) -> tuple[LocalStack, DeployFlow]:
    clock = VirtualClock()
    steering = Steering(clock.now)

    def sagemaker(stack: LocalStack) -> SageMakerEmulator:
        workforce = GoldLabelWorkforce({}, default="technical")
        return SageMakerEmulator(clock.now, stack.template.account_id, stack.template.region, workforce=workforce)

    stack = LocalStack(stack_name=stack_name, parameters=PARAMETERS, clock=clock, emulators=[sagemaker, steering])
    return stack, DeployFlow(stack, steering)


@pytest.fixture
def longest() -> Iterator[DeployFlow]:
    stack, flow = _stack(LONGEST)
    with stack:
        yield flow


def test_the_longest_allowed_stack_name_labels_trains_and_deploys(longest: DeployFlow) -> None:
    stack = longest.stack
    assert len(LONGEST) == 42

    drop(stack, TICKETS)
    longest.release()
    longest.release()

    (job,) = labeling_jobs(stack)
    assert job["LabelingJobName"].startswith(f"{LONGEST}-")
    assert len(job["LabelingJobName"]) == 63
    assert [e.pipeline_execution_status for e in executions(stack)] == ["Succeeded"]
    assert longest.outcomes() == {1: "SUCCEEDED", 2: "SUCCEEDED"}
    failed = [e for e in stack.log.entries("aws_call") if e.get("error")]
    # the only failed calls are the idempotent lookups a deployment makes before it creates what is missing
    lookups = {"describe_endpoint", "describe_endpoint_config", "describe_model"}
    assert {(e["operation"], e["error"]) for e in failed} <= {(op, "ValidationException") for op in lookups}
    assert [e for e in stack.log.entries("handler") if e["outcome"] == "error"] == []


def test_a_stack_name_one_character_longer_fails_at_the_first_cold_start_with_the_reason() -> None:
    stack, _ = _stack(LONGEST + "x")
    with stack:
        drop(stack, TICKETS)

        runs = handler_runs(stack, "DataArrivalFunction")
        jobs = labeling_jobs(stack)

    assert runs
    assert {run["outcome"] for run in runs} == {"error"}
    assert "STACK_NAME" in runs[0]["reason"]
    assert "at most 42 characters" in runs[0]["reason"]
    assert jobs == []
