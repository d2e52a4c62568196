"""The benchmarks' computations: counts from action logs and histories, ratios, budgets, the results table."""

from __future__ import annotations

from typing import Any

import pytest

from bench.metrics import (
    alarm_to_update,
    calls_between,
    calls_by_function,
    constant,
    fan_in,
    job_budget,
    median,
    ratio,
    transitions,
)
from bench.render import (
    cold_start_verdict,
    demo_verdict,
    deploy_verdict,
    fan_in_verdicts,
    render,
    rollback_verdict,
)


def call(service: str, operation: str) -> dict[str, Any]:
    return {"kind": "aws_call", "service": service, "operation": operation, "params": {}}


def handler(function: str) -> dict[str, Any]:
    return {"kind": "handler", "function": function, "outcome": "ok"}


ALARM = {"kind": "event", "source": "aws.cloudwatch", "detail_type": "CloudWatch Alarm State Change"}


def test_median_and_ratio_to_the_baseline() -> None:
    assert median([410.0, 250.0, 260.0, 900.0]) == 335.0
    assert ratio(520.0, 400.0) == 1.3
    with pytest.raises(ValueError, match="positive"):
        ratio(1.0, 0.0)


def test_fan_in_counts_jobs_invocations_and_sagemaker_calls_from_the_action_log() -> None:
    log = [
        call("dynamodb", "transact_write_items"),
        call("sagemaker", "create_labeling_job"),
        handler("DataArrivalFunction"),
        call("sagemaker", "create_labeling_job"),
        handler("DataArrivalFunction"),
        call("sagemaker", "describe_labeling_job"),
        call("sagemaker", "start_pipeline_execution"),
        handler("LabelingEventsFunction"),
    ]
    counted = fan_in(10_000, log)
    assert counted.labeling_jobs == 2
    assert counted.invocations == {"DataArrivalFunction": 2, "LabelingEventsFunction": 1}
    assert counted.lambda_invocations == 3
    assert counted.sagemaker_calls == 4
    assert counted.sagemaker_calls_per_job == 2.0
    assert calls_by_function(log, "sagemaker") == {"DataArrivalFunction": 2, "LabelingEventsFunction": 2}
    assert calls_between(log) == 5


def test_the_job_budget_is_the_ceiling_of_objects_over_the_batch_maximum() -> None:
    assert job_budget(10_000, 1_000) == 10
    assert job_budget(10_001, 1_000) == 11
    assert job_budget(1, 1_000) == 1


def test_transitions_count_states_entered_among_history_events() -> None:
    history = [
        {"type": "ExecutionStarted"},
        {"type": "TaskStateEntered"},
        {"type": "TaskScheduled"},
        {"type": "TaskStateExited"},
        {"type": "ChoiceStateEntered"},
        {"type": "ExecutionSucceeded"},
    ]
    counted = transitions(history)
    assert (counted.events, counted.states_entered) == (6, 2)


def test_alarm_to_update_counts_calls_up_to_the_first_update_endpoint_after_the_alarm() -> None:
    log = [
        call("sagemaker", "update_endpoint"),  # an earlier deployment: before the alarm, not counted
        ALARM,
        call("dynamodb", "query"),
        call("dynamodb", "put_item"),
        handler("RollbackFunction"),
        call("sagemaker", "update_endpoint"),
        call("stepfunctions", "start_execution"),
    ]
    counted = alarm_to_update(log)
    assert counted.found
    assert counted.aws_calls == 3
    assert counted.operations[-1] == "sagemaker.update_endpoint"


def test_alarm_without_an_update_is_reported_as_not_reached() -> None:
    assert not alarm_to_update([ALARM, call("dynamodb", "query")]).found
    assert not alarm_to_update([call("sagemaker", "update_endpoint")]).found


def test_constant_means_no_growth_beyond_the_tolerance() -> None:
    assert constant([12, 12, 12])
    assert not constant([12, 12, 16])
    assert constant([12, 13], tolerance=1)
    assert not constant([])


def results() -> dict[str, Any]:
    return {
        "machine": "test",
        "coldstart": {
            "repeat": 3,
            "budget": 1.15,
            "functions": [
                {
                    "name": "approval",
                    "clients": ["sagemaker"],
                    "baseline_ms": 400.0,
                    "floor_ms": 280.0,
                    "median_ms": 300.0,
                    "floor_ratio": 0.7,
                    "ratio": 0.75,
                    "over_floor": 1.07,
                },
                {"name": "x", "clients": [], "baseline_ms": 400.0, "median_ms": 560.0, "ratio": 1.4},
            ],
        },
        "fanin": {
            "results": [
                {
                    "objects": 100,
                    "measured": True,
                    "labeling_jobs": 1,
                    "job_budget": 1,
                    "lambda_invocations": 4,
                    "sagemaker_calls": 5,
                    "data_arrival_sagemaker_calls_per_job": 1.0,
                    "sagemaker_calls_per_job": 5.0,
                },
                {"objects": 10_000, "measured": False, "reason": "too slow locally"},
            ]
        },
        "deploy": {
            "runs": [
                {
                    "bake_minutes": 1,
                    "outcome": "SUCCEEDED",
                    "states_entered": 12,
                    "history_events": 48,
                    "sagemaker_calls": 17,
                    "aws_calls": 38,
                    "rollback": {
                        "update_endpoint_reached": True,
                        "aws_calls_to_update": 3,
                        "operations": ["dynamodb.query", "dynamodb.put_item", "sagemaker.update_endpoint"],
                        "rollback_handler_seconds": 0.5,
                    },
                },
                {
                    "bake_minutes": 60,
                    "outcome": "SUCCEEDED",
                    "states_entered": 12,
                    "history_events": 48,
                    "sagemaker_calls": 17,
                    "aws_calls": 38,
                },
            ]
        },
        "demo": {"wall_seconds": 41.2, "virtual_seconds": 5400, "ok": True},
    }


def test_budgets_are_judged_from_the_results() -> None:
    data = results()
    assert cold_start_verdict(data["coldstart"]).mark == "NOT MET"
    assert "worst: x 1.4x" in cold_start_verdict(data["coldstart"]).detail
    assert [v.mark for v in fan_in_verdicts(data["fanin"])] == ["met", "not measured"]
    assert deploy_verdict(data["deploy"]).mark == "met"
    assert rollback_verdict(data["deploy"]).mark == "met"
    assert demo_verdict(data["demo"]).mark == "met"
    data["fanin"]["results"][0].update(labeling_jobs=0, data_arrival_sagemaker_calls_per_job=None)
    assert fan_in_verdicts(data["fanin"])[0].mark == "NOT MET"  # the objects never became a job
    data["deploy"]["runs"][1]["states_entered"] = 20
    assert deploy_verdict(data["deploy"]).mark == "NOT MET"
    data["demo"]["wall_seconds"] = 75.0
    assert demo_verdict(data["demo"]).mark == "NOT MET"


def test_the_results_table_has_every_section_and_the_budgets() -> None:
    text = render(results())
    for heading in ("## Handler cold start", "## Fan-in", "## Deployment orchestration", "## Alarm to rollback"):
        assert heading in text
    assert "| 10,000 | not measured |" in text
    assert "- 10,000: too slow locally" in text
    assert "| every function's cold start ≤ 1.15x boto3 creating its clients | NOT MET | worst: x 1.4x |" in text
    assert "| approval | sagemaker | 400.0 | 280.0 | 300.0 | 0.7 | 0.75 | 1.07 | pass |" in text
    assert "| x | none | 400.0 | — | 560.0 | — | 1.4 | — | FAIL |" in text  # results from before the floor
    assert "| alarm → UpdateEndpoint in ≤ 3 AWS calls | met |" in text
