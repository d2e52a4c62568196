"""RollbackFunction: an alarm of ours went to ALARM → decide once, restore in three AWS calls, start the Rollback
state machine with the plan (:mod:`mlops_core.rollback.hot_path`). Transient failures propagate (retries, then DLQ)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Metrics

from mlops_core.events import AlarmStateChangeEvent, Origin
from mlops_core.handler import EventHandler, read_origin
from mlops_core.rollback.hot_path import RollbackConfig, RollbackPorts, handle_alarm
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
    """Parse the alarm event, decide and act; return ``{"outcome": "ok" | "ignored", "reason": ...}``."""
    return handler.handle(
        event, origin(), lambda alarm: handle_alarm(alarm, *dependencies(), datetime.now(UTC)).reported()
    )
