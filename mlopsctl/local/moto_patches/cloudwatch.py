"""CloudWatch alarms: emulated ``CloudWatch Alarm State Change`` notifications, and ``DescribeAlarmHistory``.

moto's ``SetAlarmState`` changes the alarm but sends no event. When emulated, a change of the state *value* records
the previous and new state and the alarm's configuration for the emulator, which emits the event and lets an
endpoint deployment that watches the alarm roll back.

``DescribeAlarmHistory`` is missing from moto. Each change of an alarm's state value is kept as a ``StateUpdate``
history item shaped as the API reference describes ``AlarmHistoryItem`` (``AlarmName``, ``AlarmType``, ``Timestamp``,
``HistoryItemType``, ``HistorySummary``, ``HistoryData``: a JSON document with ``oldState``/``newState``),
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_AlarmHistoryItem.html; the action filters by
``AlarmName``, ``HistoryItemType`` and ``StartDate``/``EndDate`` and returns the newest first (``ScanBy`` defaults
to ``TimestampDescending``), https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html.
Only state updates are kept (configuration updates and actions are not emulated), and, as in CloudWatch, the
history outlives the alarm.

Metric alarms follow ``PutMetricData`` when emulated (moto never evaluates them): a datum of an alarm's namespace,
metric and *exact* dimension set (CloudWatch matches a metric by all its dimensions) that breaches the threshold
puts the alarm in ``ALARM``, one that does not puts it back in ``OK``. Emulated simplification: one datapoint
decides (periods, statistics and ``DatapointsToAlarm`` are not evaluated). SageMaker publishes an endpoint's
invocation metrics per ``EndpointName`` + ``VariantName`` and, for each fleet of a blue/green update, also with
``EndpointConfigName`` (:mod:`mlopsctl.local.emulators.sagemaker.endpoint_metrics` publishes both, as SageMaker does).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from moto.cloudwatch.models import CloudWatchBackend

from mlopsctl.local.moto_patches.state import NotificationKind, extension_state


def _state_view(value: str, reason: str, reason_data: str | None, timestamp: Any) -> dict[str, Any]:
    return {"value": value, "reason": reason, "reason_data": reason_data, "timestamp": timestamp}


def set_alarm_state(  # noqa: PLR0917 - mirrors moto's positional signature
    backend: CloudWatchBackend, original: Any, alarm_name: str, reason: str, reason_data: str, state_value: str
) -> None:
    """``SetAlarmState``: as moto, plus (when emulated) a notification when the state value changes."""
    state = extension_state(backend.account_id, backend.region_name)
    alarm = backend.alarms.get(alarm_name)
    previous = (
        _state_view(alarm.state_value, alarm.state_reason, alarm.state_reason_data, alarm.state_updated_timestamp)
        if alarm is not None
        else None
    )
    original(backend, alarm_name, reason, reason_data, state_value)
    if not state.active or previous is None:
        return
    alarm = backend.alarms[alarm_name]
    now = state.now()
    alarm.state_updated_timestamp = now.replace(tzinfo=None)
    if previous["value"] == state_value:
        return
    data = {
        "version": "1.0",
        "oldState": {"stateValue": previous["value"], "stateReason": previous["reason"]},
        "newState": {"stateValue": state_value, "stateReason": reason},
    }
    with state.lock:
        state.alarm_history.setdefault(alarm_name, []).append(
            {
                "AlarmName": alarm_name,
                "AlarmType": "CompositeAlarm" if alarm.rule else "MetricAlarm",
                "Timestamp": now,
                "HistoryItemType": "StateUpdate",
                "HistorySummary": f"Alarm updated from {previous['value']} to {state_value}",
                "HistoryData": json.dumps(data),
            }
        )
    state.notify(
        NotificationKind.ALARM_CHANGED,
        alarm_name=alarm_name,
        alarm_arn=alarm.alarm_arn,
        state=_state_view(state_value, reason, reason_data, now),
        previous_state=previous,
        configuration=alarm_configuration(alarm),
    )


def put_metric_alarm(backend: CloudWatchBackend, original: Any, *args: Any, **kwargs: Any) -> Any:
    """``PutMetricAlarm``: as moto; when emulated, the alarm's timestamps are virtual time."""
    alarm = original(backend, *args, **kwargs)
    state = extension_state(backend.account_id, backend.region_name)
    if state.active:
        now = state.now().replace(tzinfo=None)
        alarm.state_updated_timestamp = alarm.configuration_updated_timestamp = now
    return alarm


def alarm_configuration(alarm: Any) -> dict[str, Any]:
    """The ``configuration`` block of the alarm event: description and metrics, or the composite rule."""
    config: dict[str, Any] = {}
    if alarm.description:
        config["description"] = alarm.description
    if alarm.rule:
        config["alarmRule"] = alarm.rule
        return config
    if alarm.metric_data_queries:
        config["metrics"] = [_query_view(query) for query in alarm.metric_data_queries]
        return config
    metric: dict[str, Any] = {"namespace": alarm.namespace, "name": alarm.metric_name}
    metric["dimensions"] = {d.name: d.value for d in alarm.dimensions}
    stat = alarm.statistic or alarm.extended_statistic
    config["metrics"] = [
        {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, alarm.alarm_arn)),
            "metricStat": {"metric": metric, "period": alarm.period, "stat": stat},
            "returnData": True,
        }
    ]
    return config


def _query_view(query: Any) -> dict[str, Any]:
    view: dict[str, Any] = {"id": query.id, "returnData": str(query.return_data).lower() != "false"}
    if query.label:
        view["label"] = query.label
    if query.expression:
        view["expression"] = query.expression
    if query.metric_stat is not None:
        stat = query.metric_stat
        view["metricStat"] = {
            "metric": {
                "namespace": stat.metric.namespace,
                "name": stat.metric.metric_name,
                "dimensions": {d.name: d.value for d in stat.metric.dimensions},
            },
            "period": int(stat.period),
            "stat": stat.stat,
        }
    if query.period:
        view["period"] = int(query.period)
    return view


def alarm_history(  # noqa: PLR0917 - the action's filters
    account_id: str,
    region: str,
    alarm_name: str | None,
    item_type: str | None,
    start: datetime | None,
    end: datetime | None,
    oldest_first: bool,
) -> list[dict[str, Any]]:
    """``DescribeAlarmHistory``'s items (see the module docstring)."""
    state = extension_state(account_id, region)
    with state.lock:
        items = [item for name, kept in state.alarm_history.items() if alarm_name in (None, name) for item in kept]
    if item_type:
        items = [item for item in items if item["HistoryItemType"] == item_type]
    if start is not None:
        items = [item for item in items if item["Timestamp"] >= start]
    if end is not None:
        items = [item for item in items if item["Timestamp"] <= end]
    return sorted(items, key=lambda item: item["Timestamp"], reverse=not oldest_first)


_COMPARISONS = {
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
}


def put_metric_data(
    backend: CloudWatchBackend, original: Any, namespace: str, metric_data: list[dict[str, Any]]
) -> Any:
    """``PutMetricData``: as moto; when emulated, the metric alarms of each datum's exact metric follow it."""
    result = original(backend, namespace, metric_data)
    if not extension_state(backend.account_id, backend.region_name).active:
        return result
    for datum in metric_data:
        values = [float(v) for v in datum.get("Values") or [datum.get("Value", 0)]]
        dimensions = {str(d["Name"]): str(d["Value"]) for d in datum.get("Dimensions") or []}
        for alarm in list(backend.alarms.values()):
            compare = _COMPARISONS.get(str(alarm.comparison_operator))
            if alarm.rule or alarm.metric_data_queries or compare is None:
                continue
            if (alarm.namespace, alarm.metric_name) != (namespace, datum["MetricName"]):
                continue
            if {d.name: d.value for d in alarm.dimensions} != dimensions:
                continue
            value, threshold = max(values), float(alarm.threshold)
            breaching = compare(value, threshold)
            new = "ALARM" if breaching else "OK"
            if alarm.state_value == new:
                continue
            verb = "breaching" if breaching else "not breaching"
            reason = (
                f"Threshold Crossed: 1 datapoint [{value:g}] was {verb} the threshold ({threshold:g}) "
                "(emulated: one datapoint decides)."
            )
            backend.set_alarm_state(alarm.name, reason, json.dumps({"version": "1.0", "emulated": True}), new)
    return result
