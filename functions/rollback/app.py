"""RollbackFunction: an alarm of ours went to ALARM, or an operator's request (``mlopsctl rollback``'s synchronous
invoke) → decide once, restore (:mod:`mlops_core.rollback.hot_path`, :mod:`mlops_core.rollback.operator_requests`).
Transient failures propagate (an alarm is retried, then kept in the DLQ)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Metrics

from mlops_core.events import AlarmStateChangeEvent, Origin
from mlops_core.handler import EventHandler, read_origin
from mlops_core.rollback.hot_path import RollbackConfig, RollbackPorts, handle_alarm
from mlops_core.rollback.operator_requests import operator_answer
from mlops_core.rollback.wiring import alarm_dependencies

handler = EventHandler(AlarmStateChangeEvent, "a CloudWatch alarm state change", metrics=Metrics(),
                       ignored_metric="RollbackEventsIgnored")  # fmt: skip


@cache
def origin() -> Origin:
    """This function's account and Region (``ACCOUNT_ID``, ``AWS_REGION``), read once per cold start."""
    return read_origin()


@cache
def dependencies() -> tuple[RollbackConfig, RollbackPorts]:
    """Settings and adapters, built on the first invocation of a cold start (tests replace this function)."""
    return alarm_dependencies()


@handler.entry
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:  # noqa: ARG001 - Lambda signature
    """Decide and act on an alarm event or an operator's request; return ``{"outcome": ..., "reason": ...}``."""
    if (operator := operator_answer(event, dependencies, now := datetime.now(UTC))) is not None:
        return handler.answer(operator)
    return handler.handle(event, origin(), lambda alarm: handle_alarm(alarm, *dependencies(), now).reported())
