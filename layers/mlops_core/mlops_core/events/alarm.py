"""CloudWatch ``Alarm State Change`` events, as CloudWatch sends them to EventBridge (the Rollback trigger).

Only the EventBridge shape is consumed: data under ``detail``, the alarm ARN in ``resources[0]`` (CloudWatch User
Guide, "Alarm events and EventBridge",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html). The CloudWatch
*Lambda alarm action* payload (top-level ``alarmArn``/``alarmData``) and SNS alarm messages are other formats and are
unsupported (see :mod:`mlops_core.events.classifier`).

What the rollback feature reads:

- ``state``/``previous_state`` in the API's spelling (``ALARM``, ``OK``, ``INSUFFICIENT_DATA``); ``previous_state`` is
  ``None`` when the event has no ``previousState`` (a captured Model Monitor alarm has none);
- ``reason`` and ``reason_data`` (the JSON-encoded ``reasonData`` decoded to a dict; kept as text if not JSON);
- the watched metric(s) from ``detail.configuration.metrics``: every entry in :attr:`AlarmStateChangeEvent.metrics`,
  and the *primary* one in ``metric_name``/``metric_namespace``/``dimensions`` (the only metric of a single-metric
  alarm; otherwise the first metric whose data the alarm returns; ``None`` for metric-math or composite alarms
  without one);
- ``threshold`` from ``detail.configuration.threshold`` when present, else from ``reasonData.threshold``
  (EventBridge alarm events carry it there); ``None`` for anomaly-detection and composite alarms.

What is refused (``InvalidEventError``), from the CloudWatch API Reference (``MetricAlarm``, ``PutMetricAlarm``,
``SetAlarmState``): an alarm ARN that is not ``arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>`` or is
longer than 1,600 characters; an alarm name outside 1-255 printable characters, or other than the name in the ARN; a
state outside ``OK``, ``ALARM``, ``INSUFFICIENT_DATA``; a state reason over 1,023 or reason data over 4,000
characters.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, AliasPath, Field, ValidationError, field_validator, model_validator

from mlops_core.events.arns import alarm_arn, check_alarm_name, check_length
from mlops_core.events.envelope import EventEnvelope, EventModel, detail_of
from mlops_core.events.timestamps import UtcDateTime
from mlops_core.events.values import AlarmState, read_json_text

MAX_STATE_REASON = 1023
MAX_STATE_REASON_DATA = 4000


class AlarmMetric(EventModel):
    """One entry of ``configuration.metrics``: a metric (``metricStat``) or an expression."""

    id: str | None = None
    namespace: str | None = Field(default=None, validation_alias=AliasPath("metricStat", "metric", "namespace"))
    name: str | None = Field(default=None, validation_alias=AliasPath("metricStat", "metric", "name"))
    dimensions: dict[str, str] = Field(
        default_factory=dict, validation_alias=AliasPath("metricStat", "metric", "dimensions")
    )
    stat: str | None = Field(default=None, validation_alias=AliasPath("metricStat", "stat"))
    # A Metrics Insights alarm's entry has ``expression`` and ``period`` and no ``metricStat`` (CloudWatch User Guide,
    # "Partial data alarms", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-alarms-partial-data.html).
    period: int | None = Field(default=None, validation_alias=AliasChoices(AliasPath("metricStat", "period"), "period"))
    expression: str | None = None
    label: str | None = None
    return_data: bool | None = Field(default=None, validation_alias="returnData")


def _primary_metric(metrics: list[AlarmMetric]) -> AlarmMetric | None:
    with_stat = [metric for metric in metrics if metric.name is not None]
    if len(with_stat) == 1:
        return with_stat[0]
    returned = [metric for metric in with_stat if metric.return_data]
    return returned[0] if returned else None


def _threshold(configuration: dict[str, Any], reason_data: object) -> object:
    if "threshold" in configuration:
        return configuration["threshold"]
    decoded = read_json_text(reason_data)
    if isinstance(decoded, dict):
        return decoded.get("threshold")
    return None


class AlarmStateChangeEvent(EventEnvelope):
    """``CloudWatch Alarm State Change`` from ``aws.cloudwatch``.

    Attributes
    ----------
    alarm_name, alarm_arn
        The alarm (ARN from ``resources[0]``).
    state, previous_state
        ``ALARM``, ``OK`` or ``INSUFFICIENT_DATA``.
    reason, reason_data, state_timestamp
        Why the alarm changed state (``reason_data`` decoded from JSON), and when.
    previous_reason, previous_state_timestamp
        The same for the state it left, when the event says.
    evaluation_state, actions_suppressed_by
        ``PARTIAL_DATA`` etc.; ``WaitPeriod``/``ExtensionPeriod``/``Alarm`` when actions are suppressed.
    description, alarm_rule, metrics, metric_name, metric_namespace, dimensions, threshold
        From ``detail.configuration`` (see the module docstring for the primary metric and the threshold).
    """

    DETAIL_TYPE = "CloudWatch Alarm State Change"
    SOURCE = "aws.cloudwatch"

    alarm_name: str = Field(min_length=1, validation_alias=AliasPath("detail", "alarmName"))
    alarm_arn: str = Field(min_length=1, validation_alias=AliasPath("resources", 0))
    state: AlarmState = Field(validation_alias=AliasPath("detail", "state", "value"))
    previous_state: AlarmState | None = Field(
        default=None, validation_alias=AliasPath("detail", "previousState", "value")
    )
    reason: str | None = Field(
        default=None, max_length=MAX_STATE_REASON, validation_alias=AliasPath("detail", "state", "reason")
    )
    reason_data: dict[str, Any] | str | None = Field(
        default=None, validation_alias=AliasPath("detail", "state", "reasonData")
    )
    state_timestamp: UtcDateTime | None = Field(
        default=None, validation_alias=AliasPath("detail", "state", "timestamp")
    )
    previous_reason: str | None = Field(default=None, validation_alias=AliasPath("detail", "previousState", "reason"))
    previous_state_timestamp: UtcDateTime | None = Field(
        default=None, validation_alias=AliasPath("detail", "previousState", "timestamp")
    )
    evaluation_state: str | None = Field(default=None, validation_alias=AliasPath("detail", "state", "evaluationState"))
    actions_suppressed_by: str | None = Field(
        default=None, validation_alias=AliasPath("detail", "state", "actionsSuppressedBy")
    )
    description: str | None = Field(default=None, validation_alias=AliasPath("detail", "configuration", "description"))
    alarm_rule: str | None = Field(default=None, validation_alias=AliasPath("detail", "configuration", "alarmRule"))
    metrics: tuple[AlarmMetric, ...] = Field(
        default=(), validation_alias=AliasPath("detail", "configuration", "metrics")
    )
    metric_name: str | None = None
    metric_namespace: str | None = None
    dimensions: dict[str, str] = Field(default_factory=dict)
    threshold: float | None = None

    @field_validator("reason_data", mode="before")
    @classmethod
    def _decode_reason_data(cls, value: Any) -> Any:
        if isinstance(value, str):
            check_length(value, "reasonData", maximum=MAX_STATE_REASON_DATA)
        return read_json_text(value)

    @field_validator("alarm_name")
    @classmethod
    def _is_an_alarm_name(cls, value: str) -> str:
        return check_alarm_name(value, "alarmName")

    @field_validator("alarm_arn")
    @classmethod
    def _is_an_alarm_arn(cls, value: str) -> str:
        alarm_arn(value)
        return value

    @model_validator(mode="after")
    def _arn_names_the_alarm(self) -> AlarmStateChangeEvent:
        _, name = alarm_arn(self.alarm_arn)
        if name != self.alarm_name:
            raise ValueError(f"the alarm ARN names alarm {name!r}, the detail says {self.alarm_name!r}")
        return self

    def carried_arns(self) -> tuple[str, ...]:
        """``resources[]`` and the alarm ARN."""
        return (*self.resources, self.alarm_arn)

    @model_validator(mode="before")
    @classmethod
    def _primary_metric_and_threshold(cls, data: Any) -> Any:
        detail = detail_of(data)
        if detail is None:
            return data
        configuration = detail.get("configuration")
        configuration = configuration if isinstance(configuration, dict) else {}
        state = detail.get("state")
        reason_data = state.get("reasonData") if isinstance(state, dict) else None
        derived: dict[str, Any] = {"threshold": _threshold(configuration, reason_data)}
        raw_metrics = configuration.get("metrics")
        if isinstance(raw_metrics, list):
            try:
                primary = _primary_metric([AlarmMetric.model_validate(item) for item in raw_metrics])
            except ValidationError:
                primary = None  # the ``metrics`` field reports what is wrong, with its location
            if primary is not None:
                derived |= {"metric_name": primary.name, "metric_namespace": primary.namespace}
                derived["dimensions"] = primary.dimensions
        return {**data, **derived}
