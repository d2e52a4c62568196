"""``mlopsctl dlq replay QUEUE`` against the local stack over HTTP: each queue's dead letters replayed by their route
(an SQS redrive, an invoke of the function that failed), nothing done twice, a failed replay kept."""

from __future__ import annotations

import pytest

from tests.support.dead_letter_flow import LATE_TICKET, approval_fails, fresh, handlers_fail, messages
from tests.support.stack_queries import handler_runs, labeling_jobs
from tests.support.training_flow import TICKETS, drop

pytestmark = pytest.mark.flow


def test_replaying_a_failed_approval_invokes_the_approval_function_and_deploys() -> None:
    with fresh() as ops:
        ops.flow.register()
        approval_fails(ops, 1)
        assert ops.flow.records() == {}

        replay = ops.json("dlq replay", "deployment-events")
        ops.stack.settle()

        assert (len(replay["replayed"]), replay["failed"]) == (1, [])
        assert ops.flow.outcomes() == {1: "SUCCEEDED"}
        assert messages(ops, "deployment-events") == []


def test_replaying_a_data_arrival_dead_letter_redrives_it_to_its_queue() -> None:
    with fresh() as ops:
        with handlers_fail(ops.stack, "DataArrivalFunction"):
            drop(ops.stack, LATE_TICKET)
        assert labeling_jobs(ops.stack) == []

        replay = ops.json("dlq replay", "data-arrival")
        ops.stack.settle()

        assert (len(replay["replayed"]), replay["failed"]) == (1, [])
        assert handler_runs(ops.stack)[-1]["outcome"] == "ok"
        (job,) = labeling_jobs(ops.stack)
        assert job["LabelingJobStatus"] == "Completed"
        assert messages(ops, "data-arrival") == []


def test_replaying_failed_pipeline_events_records_the_training_outcome() -> None:
    with fresh() as ops:
        with handlers_fail(ops.stack, "PipelineEventsFunction"):
            drop(ops.stack, TICKETS)
        assert ops.json("lineage", "1")["pipeline_execution"]["status"] != "Succeeded"

        replay = ops.json("dlq replay", "training-events")
        ops.stack.settle()

        assert replay["failed"] == []
        assert ops.json("lineage", "1")["pipeline_execution"]["status"] == "Succeeded"
        assert messages(ops, "training-events") == []


def test_replaying_an_approval_whose_work_was_done_meanwhile_changes_nothing() -> None:
    with fresh() as ops:
        ops.flow.register()
        approval_fails(ops, 1)
        (letter,) = messages(ops, "deployment-events")
        ops.stack.bus.inject(letter["payload"])  # EventBridge delivers at least once: the same event, handled
        ops.stack.settle()
        assert ops.flow.outcomes() == {1: "SUCCEEDED"}
        executions = len(ops.flow.executions())

        replay = ops.json("dlq replay", "deployment-events")
        ops.stack.settle()

        assert (len(replay["replayed"]), replay["failed"]) == (1, [])
        assert ops.flow.outcomes() == {1: "SUCCEEDED"}
        assert len(ops.flow.executions()) == executions
        assert len(ops.flow.records()) == 1


def test_replaying_a_failed_alarm_rolls_the_endpoint_back() -> None:
    with fresh() as ops:
        ops.flow.release()
        first = ops.flow.serves()
        ops.flow.release()
        with handlers_fail(ops.stack, "RollbackFunction"):
            ops.flow.set_alarm(ops.flow.alarms[0])
            ops.stack.settle()
        assert ops.flow.outcomes()[2] == "SUCCEEDED"

        replay = ops.json("dlq replay", "rollback")
        ops.stack.settle()

        assert replay["failed"] == []
        assert ops.flow.serves() == first
        (rolled_back,) = ops.json("lineage", "2")["deployments"]
        assert (rolled_back["outcome"], rolled_back["alarm"]) == ("ROLLED_BACK", ops.flow.alarms[0])
        deployed, restored = ops.json("lineage", "1")["deployments"]
        assert deployed["outcome"] == "SUCCEEDED"
        assert restored["rollback_of"] == rolled_back["deployment_id"]
        assert rolled_back["rolled_back_by"] == restored["deployment_id"]


def test_a_replay_that_fails_again_keeps_the_message_and_exits_1() -> None:
    with fresh() as ops:
        ops.flow.register()
        approval_fails(ops, 1)
        (letter,) = messages(ops, "deployment-events")

        with handlers_fail(ops.stack, "ApprovalFunction"):
            result = ops.run("dlq replay", "deployment-events", "--json")

        assert result.exit_code == 1
        assert [m["message_id"] for m in messages(ops, "deployment-events")] == [letter["message_id"]]
