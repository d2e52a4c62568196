"""Contradictory and unknown pipeline execution events (#12, point 8), on the local stack from the project's
template: the execution's own status (``DescribePipelineExecution``) decides, a final status is never replaced by a
late event, and an event for an execution that does not exist is ignored with the reason, never retried into the
dead-letter queue. For each bad event the action log shows no call that changes anything."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from mlopsctl.local.runtime.stack import LocalStack
from tests.support.stack_queries import executions, messages
from tests.support.training_flow import Emulators, drop
from tests.support.untrusted_events import after, changes, runs, sample

pytestmark = pytest.mark.flow

FUNCTION = "PipelineEventsFunction"


@pytest.fixture
def emulators() -> Emulators:
    return Emulators()


@pytest.fixture
def stack(emulators: Emulators) -> Iterator[LocalStack]:
    with LocalStack(parameters={"LabelingBackend": "none"}, emulators=[emulators]) as running:
        yield running


def status_event(stack: LocalStack, execution_arn: str, status: str, previous: str = "Executing") -> dict[str, Any]:
    """``events/pipeline_execution_succeeded.json`` for ``execution_arn`` of our pipeline, saying ``status``."""
    event = sample("pipeline_execution_succeeded.json")
    pipeline_arn = execution_arn.split("/execution/", maxsplit=1)[0]
    event.update(account=stack.template.account_id, region=stack.template.region)
    event["resources"] = [pipeline_arn, execution_arn]
    detail = event["detail"]
    detail.update(pipelineArn=pipeline_arn, pipelineExecutionArn=execution_arn)
    detail.update(currentPipelineExecutionStatus=status, previousPipelineExecutionStatus=previous)
    return event


def execution_item(stack: LocalStack, execution_id: str) -> dict[str, Any]:
    items = stack.client("dynamodb").scan(TableName=stack.physical_name("LedgerTable"))["Items"]
    (item,) = [i for i in items if i["sk"]["S"] == f"EXECUTION#{execution_id}"]
    return item


def dead_letters(stack: LocalStack) -> list[dict[str, Any]]:
    sqs = stack.client("sqs")
    url = sqs.get_queue_url(QueueName=stack.physical_name("TrainingEventsDeadLetterQueue"))["QueueUrl"]
    return list(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []))


def trained(stack: LocalStack, status: str = "Succeeded") -> str:
    """Drop labeled tickets; the pipeline runs and ends with ``status``. The execution's ARN."""
    rows = [{"text": f"ticket {n}", "label": ("billing", "technical")[n % 2]} for n in range(8)]
    drop(stack, {"tickets.jsonl": "".join(json.dumps(r) + "\n" for r in rows)}, prefix="labeled/")
    (execution,) = executions(stack)
    assert execution.pipeline_execution_status == status
    return str(execution.arn)


@pytest.mark.parametrize("late", ["Failed", "Stopped", "Executing"])
def test_a_late_contradictory_event_never_replaces_a_final_status_nor_pages(stack: LocalStack, late: str) -> None:
    arn = trained(stack)
    reports = [m for m in messages(stack) if m["kind"] == "training"]
    assert [r["outcome"] for r in reports] == ["SUCCEEDED"]
    mark = len(stack.log.entries())

    stack.put_event(status_event(stack, arn, late))

    entries = after(stack, mark)
    (run,) = runs(entries, FUNCTION)
    assert run["outcome"] == "ignored"
    assert f"says {late}" in run["reason"]
    assert "is Succeeded" in run["reason"]
    assert changes(entries) == []
    assert messages(stack) == []  # since the run's own report
    assert execution_item(stack, arn.rsplit("/", 1)[1])["status"]["S"] == "Succeeded"


def test_an_event_saying_succeeded_for_a_failed_execution_reports_nothing_new(
    stack: LocalStack, emulators: Emulators
) -> None:
    assert emulators.sagemaker is not None
    emulators.sagemaker.fail_pipeline_execution(stack.physical_name("TrainingPipeline"), "Train", "out of memory")
    arn = trained(stack, "Failed")
    assert [m["outcome"] for m in messages(stack) if m["kind"] == "training"] == ["FAILED"]
    mark = len(stack.log.entries())

    stack.put_event(status_event(stack, arn, "Succeeded", previous="Failed"))

    entries = after(stack, mark)
    (run,) = runs(entries, FUNCTION)
    assert run["outcome"] == "ignored"
    assert "says Succeeded" in run["reason"]
    assert "is Failed" in run["reason"]
    assert changes(entries) == []
    assert messages(stack) == []
    assert execution_item(stack, arn.rsplit("/", 1)[1])["status"]["S"] == "Failed"


def test_an_event_for_an_execution_that_does_not_exist_is_ignored_not_dead_lettered(stack: LocalStack) -> None:
    arn = trained(stack)
    assert [m["outcome"] for m in messages(stack) if m["kind"] == "training"] == ["SUCCEEDED"]
    unknown = arn.rsplit("/", 1)[0] + "/zzzz0000zzzz"
    mark = len(stack.log.entries())

    stack.put_event(status_event(stack, unknown, "Failed"))

    entries = after(stack, mark)
    (run,) = runs(entries, FUNCTION)
    assert run["outcome"] == "ignored"
    assert "does not exist" in run["reason"]
    assert changes(entries) == []
    assert dead_letters(stack) == []
    assert messages(stack) == []
