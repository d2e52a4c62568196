"""``mlopsctl dlq list`` and ``dlq replay --dry-run`` against the local stack over HTTP, with dead letters the system's
own failure paths landed in every queue: a data-arrival event redriven after ``maxReceiveCount`` receives, and events
that failed every attempt of the Lambda functions that consume them (training, deployment and rollback events)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.dead_letter_flow import LATE_TICKET, approval_fails, fresh, handlers_fail, queue
from tests.support.ops_stack import OpsStack
from tests.support.training_flow import TICKETS, drop

pytestmark = pytest.mark.flow


@pytest.fixture(scope="module")
def landed() -> Iterator[OpsStack]:
    """One dead letter or more in every queue, each by the failure path AWS gives it."""
    with fresh() as ops:
        with handlers_fail(ops.stack, "DataArrivalFunction"):
            drop(ops.stack, LATE_TICKET)  # received 5 times, never deleted → redriven to the dead-letter queue
        with handlers_fail(ops.stack, "PipelineEventsFunction"):
            drop(ops.stack, TICKETS)  # labeled, trained, registered as version 1; its pipeline events fail
        approval_fails(ops, 1)
        ops.flow.release()  # version 2, deployed
        with handlers_fail(ops.stack, "RollbackFunction"):
            ops.flow.set_alarm(ops.flow.alarms[0])
            ops.stack.settle()
        yield ops


def test_every_dead_letter_queue_is_listed_with_each_payload_why_it_failed_and_its_route(landed: OpsStack) -> None:
    listed = landed.json("dlq list")

    assert [q["name"] for q in listed["queues"]] == ["data-arrival", "deployment-events", "rollback", "training-events"]
    (redriven,) = queue(listed, "data-arrival")["messages"]
    source = landed.stack.client("sqs").get_queue_url(QueueName=landed.stack.physical_name("DataArrivalQueue"))
    assert redriven["failure"]["by"] == "sqs-redrive"
    assert redriven["route"] == {"kind": "redrive", "to": source["QueueUrl"]}
    assert redriven["payload"]["detail"]["object"]["key"] == "incoming/late.txt"
    expected = {
        "deployment-events": ("ApprovalFunction", {"SageMaker Model Package State Change"}),
        "rollback": ("RollbackFunction", {"CloudWatch Alarm State Change"}),
        "training-events": ("PipelineEventsFunction", {"SageMaker Model Building Pipeline Execution Status Change"}),
    }
    for name, (function, detail_types) in expected.items():
        letters = queue(listed, name)["messages"]
        assert letters, name
        assert {m["payload"]["detail-type"] for m in letters} == detail_types
        for letter in letters:
            assert letter["failure"]["by"] == "lambda"
            assert "ThrottlingException" in letter["failure"]["error_message"]
            assert letter["failure"]["request_id"]
            assert letter["route"] == {"kind": "invoke", "to": landed.stack.physical_name(function)}


def test_people_see_one_table_per_queue(landed: OpsStack) -> None:
    result = landed.run("dlq list")

    assert result.exit_code == 0, result.output
    for name in ("data-arrival", "deployment-events", "rollback", "training-events"):
        assert name in result.stdout


def test_a_dry_run_shows_what_would_be_replayed_and_touches_nothing(landed: OpsStack) -> None:
    before = landed.json("dlq list")
    runs = len(landed.stack.log.entries("handler"))

    for name in ("data-arrival", "deployment-events", "rollback", "training-events"):
        planned = landed.json("dlq replay", name, "--dry-run")
        listed = queue(before, name)["messages"]
        assert [m["message_id"] for m in planned["replayed"]] == [m["message_id"] for m in listed]
        assert planned["failed"] == []
    landed.stack.settle()

    after = landed.json("dlq list")
    ids = [[m["message_id"] for m in q["messages"]] for q in after["queues"]]
    assert ids == [[m["message_id"] for m in q["messages"]] for q in before["queues"]]
    assert len(landed.stack.log.entries("handler")) == runs
    assert 1 not in landed.flow.records()  # the failed approval deployed nothing


def test_an_unknown_queue_is_one_line_and_exit_2(landed: OpsStack) -> None:
    result = landed.run("dlq replay", "nope")

    assert result.exit_code == 2
    assert "data-arrival" in result.output.strip().splitlines()[0]
