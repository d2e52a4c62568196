"""Wait for a Step Functions execution to end (``--wait`` of ``rollback`` and ``abort``): bounded polling.

The command asks ``DescribeExecution`` every ``interval`` seconds, at most ``timeout / interval`` times (never an
unbounded loop), and returns how the execution ended: its status and, for a succeeded one, its output (the Rollback
machine's ``Restored`` and ``NothingRestored`` states output RecordAndNotify's result, ``{"outcome", "reason"}``);
for a failed one, its error and cause.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlopsctl.ops.errors import OpsError

#: How the command lets time pass between two polls (tests replace it: the local stack's time is virtual).
pause: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class Ended:
    """How an execution ended: its status and output (``SUCCEEDED``), or its error and cause."""

    status: str
    output: dict[str, Any]
    error: str | None = None
    cause: str | None = None


def wait_for_execution(stepfunctions: Any, execution_arn: str, *, timeout: float, interval: float = 5.0) -> Ended:
    """Poll ``execution_arn`` until it is no longer ``RUNNING``; :class:`OpsError` after ``timeout`` seconds."""
    for attempt in range(max(1, math.ceil(timeout / interval)) + 1):
        if attempt:
            pause(interval)
        described = stepfunctions.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            output = json.loads(described.get("output") or "{}")
            return Ended(
                str(described["status"]),
                output if isinstance(output, dict) else {},
                described.get("error"),
                described.get("cause"),
            )
    raise OpsError(f"{execution_arn} still runs after {timeout:g} s; see `mlopsctl status` (it goes on without us)")
