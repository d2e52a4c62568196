"""CloudWatch alarms: emulated ``CloudWatch Alarm State Change`` notifications.

moto's ``SetAlarmState`` changes the alarm but sends no event. When emulated, a change of the state *value* records
the previous and new state and the alarm's configuration for the emulator, which emits the event and lets an
endpoint deployment that watches the alarm roll back.
"""

from __future__ import annotations

import uuid
from typing import Any

from moto.cloudwatch.models import CloudWatchBackend

from mlopsctl.local.moto_ext.state import NotificationKind, extension_state


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
