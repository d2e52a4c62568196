"""CloudWatch: the per-update copies of the rollback alarms that watch only the new fleet.

:class:`FleetAlarms` is the port; :class:`CloudWatchFleetAlarms` implements it on a boto3 CloudWatch client
(``DescribeAlarms`` of the template's alarms, ``PutMetricAlarm`` / ``DeleteAlarms`` of the copies,
``DescribeAlarmHistory``). What a copy is: :mod:`mlops_core.deploy.fleet_alarm_rules`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any

from mlops_core.aws.calls import aws_call
from mlops_core.aws.errors import RequestRejectedError
from mlops_core.deploy.fleet_alarm_rules import Firing, fired, fleet_alarm_name, fleet_alarm_request


class FleetAlarms(ABC):
    """Copies of the rollback alarms restricted to one endpoint config's fleet."""

    @abstractmethod
    def put_copies(self, names: tuple[str, ...], config_name: str) -> tuple[str, ...]:
        """Create (or overwrite) a copy of each alarm for ``config_name``'s fleet; the copies' names, in order."""

    @abstractmethod
    def first_firing(self, names: tuple[str, ...], since: datetime, until: datetime) -> Firing | None:
        """The first change to ``ALARM`` of any of these alarms within ``[since, until]``."""

    @abstractmethod
    def delete(self, names: tuple[str, ...]) -> None:
        """Delete these alarms (their history stays in CloudWatch)."""


class CloudWatchFleetAlarms(FleetAlarms):
    """:class:`FleetAlarms` on a boto3 CloudWatch client."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def put_copies(self, names: tuple[str, ...], config_name: str) -> tuple[str, ...]:
        if not names:
            return ()
        with aws_call("DescribeAlarms"):
            found = self._client.describe_alarms(AlarmNames=list(names), AlarmTypes=["MetricAlarm"])
        definitions = {alarm["AlarmName"]: alarm for alarm in found.get("MetricAlarms", [])}
        copies = []
        for index, name in enumerate(names):
            if name not in definitions:
                continue  # preflight checked they exist; a composite alarm has no metric to restrict
            copy = fleet_alarm_name(config_name, index)
            with aws_call("PutMetricAlarm"):
                self._client.put_metric_alarm(**fleet_alarm_request(definitions[name], config_name, copy))
            copies.append(copy)
        return tuple(copies)

    def first_firing(self, names: tuple[str, ...], since: datetime, until: datetime) -> Firing | None:
        items: list[dict[str, Any]] = []
        for name in names:
            with aws_call("DescribeAlarmHistory"):
                pages = self._client.get_paginator("describe_alarm_history").paginate(
                    AlarmName=name, HistoryItemType="StateUpdate", StartDate=since, EndDate=until
                )
                for page in pages:
                    items.extend(page.get("AlarmHistoryItems", []))
        return fired(items, since, until)

    def delete(self, names: tuple[str, ...]) -> None:
        if not names:
            return
        try:
            with aws_call("DeleteAlarms"):
                self._client.delete_alarms(AlarmNames=list(names))
        except RequestRejectedError as exc:
            if exc.code != "ResourceNotFound":
                raise
