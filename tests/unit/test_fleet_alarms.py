"""The new fleet's alarm copies: what a copy watches, and which history counts as a rollback alarm having fired."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from mlops_core.deploy.fleet_alarm_rules import fired, fleet_alarm_name, fleet_alarm_request, source_alarm, watching

T0 = datetime(2025, 1, 1, 12, tzinfo=UTC)
ERRORS = {
    "AlarmName": "stack-EndpointErrorsAlarm-ABC",
    "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:stack-EndpointErrorsAlarm-ABC",
    "StateValue": "OK",
    "MetricName": "Invocation5XXErrors",
    "Namespace": "AWS/SageMaker",
    "Statistic": "Sum",
    "Dimensions": [{"Name": "EndpointName", "Value": "ep"}, {"Name": "VariantName", "Value": "AllTraffic"}],
    "Period": 60,
    "EvaluationPeriods": 1,
    "Threshold": 1.0,
    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    "TreatMissingData": "notBreaching",
    "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:topic"],
}


def update(name: str, at: datetime, old: str, new: str) -> dict[str, Any]:
    data = {"oldState": {"stateValue": old}, "newState": {"stateValue": new, "stateReason": f"{old}->{new}"}}
    return {"AlarmName": name, "Timestamp": at, "HistoryItemType": "StateUpdate", "HistoryData": json.dumps(data)}


def test_a_copy_keeps_the_metric_and_threshold_adds_the_new_config_and_has_no_actions() -> None:
    request = fleet_alarm_request(ERRORS, "stack-c2-abc", fleet_alarm_name("stack-c2-abc", 0))
    assert request["AlarmName"] == "stack-c2-abc-newfleet-0"
    assert request["Dimensions"] == [*ERRORS["Dimensions"], {"Name": "EndpointConfigName", "Value": "stack-c2-abc"}]
    kept = ("MetricName", "Namespace", "Statistic", "Period", "Threshold", "ComparisonOperator", "TreatMissingData")
    assert {key: request[key] for key in kept} == {key: ERRORS[key] for key in kept}
    assert request["ActionsEnabled"] is False
    assert "AlarmActions" not in request
    assert "StateValue" not in request
    assert "AlarmArn" not in request


def test_only_a_change_to_alarm_within_the_rollout_counts_and_the_first_one_is_named() -> None:
    history = [
        update("c-newfleet-0", T0 - timedelta(minutes=1), "OK", "ALARM"),  # before the rollout
        update("c-newfleet-0", T0 + timedelta(minutes=1), "INSUFFICIENT_DATA", "OK"),  # not a firing
        update("c-newfleet-1", T0 + timedelta(minutes=3), "OK", "ALARM"),
        update("c-newfleet-0", T0 + timedelta(minutes=2), "OK", "ALARM"),
        update("c-newfleet-0", T0 + timedelta(minutes=30), "OK", "ALARM"),  # after it
    ]
    first = fired(history, T0, T0 + timedelta(minutes=10))
    assert first is not None
    assert (first.alarm_name, first.at, first.reason) == ("c-newfleet-0", T0 + timedelta(minutes=2), "OK->ALARM")
    assert fired(history[:2], T0, T0 + timedelta(minutes=10)) is None


def test_the_update_names_the_copies_and_a_copy_maps_back_to_its_alarm() -> None:
    config = {"BlueGreenUpdatePolicy": {}, "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "a"}]}}
    named = watching(config, ["c-newfleet-0"])["AutoRollbackConfiguration"]
    assert named == {"Alarms": [{"AlarmName": "c-newfleet-0"}]}
    assert config["AutoRollbackConfiguration"] == {"Alarms": [{"AlarmName": "a"}]}  # not changed in place
    assert watching(config, []) == config
    assert source_alarm("c-newfleet-1", ["errors", "latency"]) == "latency"
    assert source_alarm("something-else", ["errors"]) == "something-else"
