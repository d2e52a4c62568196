"""Malformed or oversized fields in the events the rollback, training and data-arrival functions consume (#12,
point 9), on the local stack from the project's template: each event passes its rule (the pattern matches our alarm,
pipeline or bucket), is refused by ``parse_event`` with the reason, and the action log shows no call that changes
anything. One stack for all (v1 then v2 deployed, so an alarm could roll back): none of these may change it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mlopsctl.local.runtime.stack import LocalStack
from tests.support.deploy_flow import DeployFlow, start_flow
from tests.support.untrusted_events import after, alarm_event, changes, object_created, runs, sample

pytestmark = pytest.mark.flow


@pytest.fixture(scope="module")
def deployed() -> Iterator[DeployFlow]:
    stack, flow = start_flow()
    with stack:
        flow.release()
        flow.release()
        yield flow


def _alarm(flow: DeployFlow, arn_name: str) -> dict[str, Any]:
    event = alarm_event(flow.stack, flow.alarms[0], account=flow.stack.template.account_id)
    event["resources"] = [event["resources"][0].rsplit(":alarm:", 1)[0] + f":alarm:{arn_name}"]
    return event


def _pipeline(flow: DeployFlow, status: str) -> dict[str, Any]:
    stack: LocalStack = flow.stack
    event = sample("pipeline_execution_succeeded.json")
    pipeline = stack.physical_name("TrainingPipeline")
    arn = f"arn:aws:sagemaker:{stack.template.region}:{stack.template.account_id}:pipeline/{pipeline}"
    detail = event["detail"]
    detail.update(pipelineArn=arn, pipelineExecutionArn=f"{arn}/execution/p4jn9xou8a8s")
    detail["currentPipelineExecutionStatus"] = status
    event["resources"] = [arn, detail["pipelineExecutionArn"]]
    return event


CASES: list[tuple[str, str, Callable[[DeployFlow], dict[str, Any]], str]] = [
    ("alarm-arn-of-100-kb", "RollbackFunction", lambda f: _alarm(f, "a" * 100_000), "AWS allows at most 1600"),
    ("alarm-arn-of-another-alarm", "RollbackFunction", lambda f: _alarm(f, "someone-elses-alarm"),
     "the alarm ARN names alarm 'someone-elses-alarm'"),
    ("pipeline-status-not-documented", "PipelineEventsFunction", lambda f: _pipeline(f, "Succeeded2"),
     "PipelineExecutionStatus 'Succeeded2' is not one of"),
    ("s3-key-over-1024-bytes", "DataArrivalFunction",
     lambda f: object_created(f.stack, "incoming/" + "é" * 600 + ".txt", account=f.stack.template.account_id),
     "object key has 1213 bytes; S3 allows at most 1024"),
]  # fmt: skip


@pytest.mark.parametrize(("function", "build", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_an_event_with_a_malformed_field_is_refused_before_any_call_that_changes_anything(
    deployed: DeployFlow, function: str, build: Callable[[DeployFlow], dict[str, Any]], reason: str
) -> None:
    stack = deployed.stack
    live, mark = deployed.serves(), len(stack.log.entries())

    stack.put_event(build(deployed))

    entries = after(stack, mark)
    (run,) = runs(entries, function)
    assert run["outcome"] == "ignored"
    assert reason in run["reason"]
    assert len(run["reason"]) < 1000
    assert changes(entries) == []
    assert deployed.serves() == live
    assert deployed.outcomes() == {1: "SUCCEEDED", 2: "SUCCEEDED"}
