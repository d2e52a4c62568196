"""The demo's timeline and summary table (pure rendering of its results)."""

from __future__ import annotations

from mlopsctl.demo.report import Check, DemoReport, Status, StepResult, condense, render_step, summary_table


def event(detail_type: str, t: float, source: str = "aws.sagemaker") -> dict[str, object]:
    return {"kind": "event", "source": source, "detail_type": detail_type, "t": t}


def call(service: str, operation: str, t: float, **params: str) -> dict[str, object]:
    return {"kind": "aws_call", "service": service, "operation": operation, "params": params, "t": t}


def step(*checks: Check, key: str = "k") -> StepResult:
    return StepResult(key, "1 happy path", "approve v1", list(checks), virtual_seconds=90, wall_seconds=1.25)


OK = Check("endpoint", "InService serving v1", Status.OK, "InService, serving v1")
FAILED = Check("ledger", "SUCCEEDED", Status.FAILED, "ROLLED_BACK")
SKIPPED = Check("prerequisites", "drop-1 ended as expected", Status.SKIPPED, "needs: drop-1")


def test_repeated_entries_are_merged_and_offsets_are_relative_to_the_step() -> None:
    entries = [event("Object Created", 100, "aws.s3")] * 150 + [event("Labeling Job State Change", 160)]
    assert condense(entries, start=100) == [
        "+00:00:00  event      aws.s3  Object Created  x150",
        "+00:01:00  event      aws.sagemaker  Labeling Job State Change",
    ]


def test_sagemaker_calls_are_shown_with_their_resource_and_other_calls_are_counted() -> None:
    entries = [
        call("sagemaker", "update_endpoint", 0, EndpointName="mlops-endpoint"),
        call("dynamodb", "put_item", 0),
        call("dynamodb", "query", 0),
        call("sns", "publish", 0),
        {"kind": "handler", "function": "RollbackFunction", "outcome": "ignored", "reason": "alarm is OK", "t": 5},
    ]
    assert condense(entries) == [
        "+00:00:00  call       sagemaker.update_endpoint  mlops-endpoint",
        "+00:00:05  handler    RollbackFunction → ignored  (alarm is OK)",
        "           (+3 other AWS calls: dynamodb x2, sns x1)",
    ]


def test_a_step_is_as_bad_as_its_worst_check() -> None:
    assert step(OK).status is Status.OK
    assert step(OK, SKIPPED).status is Status.SKIPPED
    assert step(SKIPPED, FAILED, OK).status is Status.FAILED
    assert step().status is Status.SKIPPED


def test_a_check_that_did_not_end_as_expected_shows_what_was_expected() -> None:
    lines = render_step(step(OK, FAILED), timeline=False)
    assert "  ✓ endpoint: InService, serving v1" in lines
    assert "  ✗ ledger: ROLLED_BACK" in lines
    assert "      expected: SUCCEEDED" in lines
    assert lines[-1] == "  ⏱ virtual 00:01:30  wall 1.2s"


def test_the_report_is_ok_only_when_every_check_is() -> None:
    assert DemoReport([step(OK)]).ok
    assert not DemoReport([step(OK), step(SKIPPED, key="other")]).ok
    assert not DemoReport([]).ok


def test_the_summary_has_one_row_per_check_the_counts_and_the_verdict() -> None:
    report = DemoReport([step(OK, FAILED), step(SKIPPED, key="k2")], wall_seconds=31.5, virtual_seconds=3600)
    lines = summary_table(report)
    rows = [line for line in lines[2:] if line and not line.startswith(("total", "1 ok"))]
    assert len(rows) == 3
    assert rows[0].startswith("1 happy path")
    assert "✗ failed" in rows[1]
    assert "1 ok · 1 failed · 1 skipped — SOME CHECKS DID NOT END AS EXPECTED" in lines
    assert lines[-1] == "total: virtual 01:00:00, wall 31.5s"
