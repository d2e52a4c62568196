"""Rollback alarms that watch only the new fleet of a blue/green update, and whether one of them fired (pure).

The template's rollback alarms watch ``EndpointName`` + ``VariantName``: during a blue/green update the old (blue)
and the new (green) fleet share the variant, so they count both fleets' traffic. SageMaker's guide warns that such an
alarm stops a deployment for the old fleet's errors, and shows how to watch the new fleet only: "CloudWatch publishes
the metrics with the dimension ``EndpointConfigName:{New-Ep-Config}`` after the new fleet starts receiving traffic"
(SageMaker Developer Guide, Auto-Rollback Configuration and Monitoring, "Monitor model latency on the new fleet",
https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html).

So each update gets a copy of every rollback alarm with that third dimension (:func:`fleet_alarm_request`), named
``<endpoint config>-newfleet-<n>`` (:func:`fleet_alarm_name`); the update's ``AutoRollbackConfiguration`` names the
copies, and a rollback rejects the package only when a copy went to ``ALARM`` during the rollout
(:func:`fired`, from ``DescribeAlarmHistory``). A rollback without one (SageMaker's execution timeout, a capacity
shortage, failed health checks) is recorded with SageMaker's ``FailureReason`` and leaves the approval alone.

Examples
--------
>>> fleet_alarm_name("mlops-dev-c2-0123456789", 0)
'mlops-dev-c2-0123456789-newfleet-0'
>>> request = fleet_alarm_request({"AlarmName": "a", "MetricName": "ModelLatency", "Namespace": "AWS/SageMaker",
...     "Dimensions": [{"Name": "EndpointName", "Value": "e"}], "Period": 60, "EvaluationPeriods": 1,
...     "Threshold": 1.0, "ComparisonOperator": "GreaterThanThreshold", "Statistic": "Average"}, "e-c2", "e-c2-n")
>>> request["Dimensions"][-1]
{'Name': 'EndpointConfigName', 'Value': 'e-c2'}
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: The copies' name suffix (the IAM policies match ``<stack>-c*-newfleet-*``).
FLEET_ALARM_MARK = "-newfleet-"

#: What a copy keeps of its alarm's ``DescribeAlarms`` definition (PutMetricAlarm's parameters of a metric alarm).
_KEPT = (
    "MetricName",
    "Namespace",
    "Statistic",
    "ExtendedStatistic",
    "Period",
    "Unit",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "EvaluateLowSampleCountPercentile",
)


def fleet_alarm_name(config_name: str, index: int) -> str:
    """The copy of the ``index``-th rollback alarm for the fleet of ``config_name``."""
    return f"{config_name}{FLEET_ALARM_MARK}{index}"


def fleet_alarm_request(definition: Mapping[str, Any], config_name: str, name: str) -> dict[str, Any]:
    """``PutMetricAlarm``'s parameters for a copy of ``definition`` that counts only ``config_name``'s fleet."""
    request = {key: definition[key] for key in _KEPT if definition.get(key) is not None}
    dimensions = [dict(d) for d in definition.get("Dimensions", []) if d.get("Name") != "EndpointConfigName"]
    request |= {
        "AlarmName": name,
        "AlarmDescription": f"{definition.get('AlarmName')} on the fleet of {config_name} only (rollback alarm)",
        "Dimensions": [*dimensions, {"Name": "EndpointConfigName", "Value": config_name}],
        "ActionsEnabled": False,
    }
    return request


@dataclass(frozen=True)
class Firing:
    """An alarm's change to ``ALARM``: which alarm, when, and why."""

    alarm_name: str
    at: datetime
    reason: str | None = None


def fired(history: Sequence[Mapping[str, Any]], since: datetime, until: datetime) -> Firing | None:
    """The first change to ``ALARM`` in ``DescribeAlarmHistory`` items (``StateUpdate``) within ``[since, until]``."""
    firings = []
    for item in history:
        if item.get("HistoryItemType") != "StateUpdate":
            continue
        at = item.get("Timestamp")
        if not isinstance(at, datetime) or not since <= at <= until:
            continue
        data = json.loads(item.get("HistoryData") or "{}")
        new = data.get("newState") or {}
        if new.get("stateValue") == "ALARM":
            firings.append(Firing(str(item.get("AlarmName")), at, new.get("stateReason")))
    return min(firings, key=lambda firing: firing.at, default=None)


def watching(deployment_config: Mapping[str, Any], alarm_names: Sequence[str]) -> dict[str, Any]:
    """``deployment_config`` whose ``AutoRollbackConfiguration`` names ``alarm_names`` (unchanged when none)."""
    config = json.loads(json.dumps(deployment_config))
    if alarm_names:
        config["AutoRollbackConfiguration"] = {"Alarms": [{"AlarmName": name} for name in alarm_names]}
    return dict(config)


def source_alarm(copy_name: str, alarm_names: Sequence[str]) -> str:
    """The rollback alarm a copy was made from (the copy's own name if it is not one of ``alarm_names``'s)."""
    _, _, index = copy_name.rpartition(FLEET_ALARM_MARK)
    return alarm_names[int(index)] if index.isdigit() and int(index) < len(alarm_names) else copy_name
