"""The local stack announces an ended execution with the shape of Step Functions' real event (the guide's samples)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from mlops_core.events import ExecutionStatusChangeEvent, parse_event
from mlopsctl.local.runtime.executions import status_change_event
from tests.support.events import load_sample

FOLDER = "stepfunctions-execution-status-change"
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:mlops-local-deploystatemachine"


def described(status: str) -> dict[str, object]:
    """``DescribeExecution`` as boto3 returns it (datetimes)."""
    return {
        "executionArn": MACHINE.replace(":stateMachine:", ":execution:") + ":mlops-local-v2-0123456789abcdef",
        "stateMachineArn": MACHINE,
        "name": "mlops-local-v2-0123456789abcdef",
        "status": status,
        "startDate": datetime(2026, 12, 2, 18, 0, 0, 123000, tzinfo=UTC),
        "stopDate": datetime(2026, 12, 2, 18, 10, 0, tzinfo=UTC),
        "input": json.dumps({"request": {}}),
        "output": json.dumps({"result": {}}),
    }


@pytest.mark.parametrize(
    ("status", "sample"), [("FAILED", "failed"), ("SUCCEEDED", "succeeded"), ("ABORTED", "aborted")]
)
def test_the_announced_event_has_the_keys_and_types_of_the_real_one(status: str, sample: str) -> None:
    real = load_sample(f"{FOLDER}/awsdocs-sfn-devguide-2023-{sample}.json")
    ours = status_change_event(described(status))
    assert {"source", "detail-type", "resources", "detail"} <= ours.keys()
    assert (ours["source"], ours["detail-type"]) == (real["source"], real["detail-type"])
    assert ours["detail"].keys() == real["detail"].keys()
    for key, value in real["detail"].items():
        assert type(ours["detail"][key]) is type(value), key
    assert ours["resources"] == [ours["detail"]["executionArn"]]


def test_the_announced_event_parses_with_the_execution_times_to_the_millisecond() -> None:
    envelope = {"version": "0", "id": "1", "account": "123456789012", "region": "us-east-1"}
    event = envelope | {"time": "2026-12-02T18:10:00Z"}
    parsed = parse_event(event | status_change_event(described("TIMED_OUT")))
    assert isinstance(parsed, ExecutionStatusChangeEvent)
    assert parsed.start_date == datetime(2026, 12, 2, 18, 0, 0, 123000, tzinfo=UTC)
    assert (parsed.status, parsed.unsuccessful) == ("TIMED_OUT", True)
