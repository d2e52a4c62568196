"""What triggers a rollback: an alarm of ours going to ALARM, the rejection of the live model package, or an operator's
request (``mlopsctl rollback``, :mod:`mlops_core.rollback.operator`).

Pure. A :class:`Trigger` carries what the notification and the ledger say about it, and a ``marker`` that tells one
trigger from another: duplicated events of one alarm transition (or of one rejection) share it, so they map to one
:func:`rollback_id` (lock owner, execution name and record id), and a new transition gets a new one.

Examples
--------
>>> trigger = Trigger(TriggerKind.ALARM, "arn:aws:cloudwatch:us-east-1:1:alarm:a#2024-05-01T12:00:00.000Z", None, "")
>>> rollback_id("mlops-dev", trigger)
'mlops-dev-rb-0a36d86f9c811f51'
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mlops_core.timefmt import parse_stamp, stamp

if TYPE_CHECKING:  # annotations only: DeployTasks, which reads no event, imports no event model
    from mlops_core.events import AlarmStateChangeEvent, ModelPackageStateChangeEvent


class TriggerKind(StrEnum):
    """What asked for the rollback."""

    ALARM = "ALARM"
    REJECTION = "REJECTION"
    OPERATOR = "OPERATOR"


@dataclass(frozen=True)
class Trigger:
    """An alarm that went to ALARM, the rejection of a package, or an operator's request, with what notifications
    should say about it.

    ``marker`` tells one trigger from another (duplicated events share it); ``at`` is when the alarm went to ALARM,
    the package was rejected or RollbackFunction received the operator's request (``None`` when unknown);
    ``details`` are the event's facts (alarm, metric, threshold; package and approval description; or who asked).
    """

    kind: TriggerKind
    marker: str
    at: datetime | None
    reason: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON for the execution input and the ledger."""
        at = stamp(self.at) if self.at else None
        return {"kind": self.kind.value, "marker": self.marker, "at": at, "reason": self.reason, **self.details}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Trigger:
        """Read :meth:`as_dict`'s output."""
        own = {"kind", "marker", "at", "reason"}
        at = data.get("at")
        details = {key: value for key, value in data.items() if key not in own}
        moment = parse_stamp(at) if at else None
        return cls(TriggerKind(data["kind"]), str(data["marker"]), moment, str(data["reason"]), details)

    @property
    def package_arn(self) -> str | None:
        """The rejected package (rejections only)."""
        value = self.details.get("model_package_arn")
        return str(value) if value else None


def _number(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def alarm_trigger(event: AlarmStateChangeEvent) -> Trigger:
    """The trigger of an alarm's change to ALARM (the transition's time tells duplicates from a new transition)."""
    at = event.state_timestamp or event.time
    marker = f"{event.alarm_arn}#{stamp(at) if at else event.id}"
    metric = event.metric_name or "its metric"
    reason = f"alarm {event.alarm_name} went to ALARM ({metric}, threshold {_number(event.threshold)})"
    if event.reason:
        reason += f": {event.reason}"
    details = {
        "alarm_name": event.alarm_name,
        "alarm_arn": event.alarm_arn,
        "previous_state": event.previous_state,
        "metric_name": event.metric_name,
        "metric_namespace": event.metric_namespace,
        "threshold": event.threshold,
        "alarm_reason": event.reason,
        "event_id": event.id,
    }
    return Trigger(TriggerKind.ALARM, marker, at, reason, details)


def rejection_trigger(event: ModelPackageStateChangeEvent, change_marker: str) -> Trigger:
    """The trigger of a live package's rejection (``change_marker`` tells one rejection from another)."""
    at = event.last_modified_time or event.time
    why = f": {event.approval_description}" if event.approval_description else ""
    reason = f"model package version {event.model_package_version} was rejected{why}"
    details = {
        "model_package_arn": event.model_package_arn,
        "model_package_version": event.model_package_version,
        "approval_description": event.approval_description,
        "event_id": event.id,
    }
    return Trigger(TriggerKind.REJECTION, f"{event.model_package_arn}#{change_marker}", at, reason, details)


def rollback_id(stack_name: str, trigger: Trigger) -> str:
    """``<stack>-rb-<digest>``: the lock owner, execution name and record id of one trigger's rollback (≤ 80 chars)."""
    digest = hashlib.sha256(f"{trigger.kind.value}\n{trigger.marker}".encode()).hexdigest()[:16]
    return f"{stack_name}-rb-{digest}"


def is_rollback_id(stack_name: str, name: str) -> bool:
    """Whether ``name`` (a lock owner, an execution name) is one of :func:`rollback_id`'s."""
    return name.startswith(f"{stack_name}-rb-")


def alarm_not_ours(event: AlarmStateChangeEvent, alarm_prefix: str, endpoint_name: str) -> str | None:
    """Why an alarm event does not trigger a rollback of ``endpoint_name`` (``None`` when it does)."""
    if not event.alarm_name.lower().startswith(alarm_prefix.lower()):
        return f"alarm {event.alarm_name} is not one of this stack's endpoint alarms ({alarm_prefix}*)"
    if event.state != "ALARM":
        return f"alarm {event.alarm_name} is {event.state}; only a change to ALARM triggers a rollback"
    watched = event.dimensions.get("EndpointName")
    if watched is not None and watched.lower() != endpoint_name.lower():
        return f"alarm {event.alarm_name} watches endpoint {watched}, not {endpoint_name}"
    return None
