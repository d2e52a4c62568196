"""Follows the executions of the template's state machines, logs each run once it ends, and announces it.

Step Functions sends a ``Step Functions Execution Status Change`` event to the default bus when a Standard
execution's status changes (Step Functions Developer Guide, "Automating Step Functions event delivery with
EventBridge", https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html); moto sends none. The monitor puts
one on the bus for every execution it sees end (``SUCCEEDED``, ``FAILED``, ``TIMED_OUT``, ``ABORTED``), shaped as
the guide's samples (``aws-events/stepfunctions-execution-status-change/``): camelCase ``detail`` with
``executionArn``, ``stateMachineArn``, ``name``, ``status``, ``startDate``/``stopDate`` in epoch milliseconds,
``input`` as JSON text with ``inputDetails``, ``output`` (text, only when ``SUCCEEDED``) with ``outputDetails``;
``resources`` holds the execution ARN. No ``error``/``cause``: the samples carry none, so no consumer may rely on
them. ``RUNNING`` is not announced (an execution is seen only once it ended, and nothing consumes that status): the
local stack sends less than AWS here, never more.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mlopsctl.local.runtime.actionlog import ActionLog
from mlopsctl.local.runtime.clients import StackClients
from mlopsctl.local.runtime.provision import StackResources
from mlopsctl.local.runtime.sfn_time import ParkingLot


@dataclass(frozen=True)
class ExecutionState:
    """What the stack knows of the running executions."""

    running: list[str]
    busy: list[str]  # running and not idle (computing, not parked)
    announced: int = 0  # status change events put on the bus by this poll


class ExecutionMonitor:
    """Polls ``ListExecutions`` of every state machine of the stack."""

    def __init__(
        self,
        clients: StackClients,
        resources: StackResources,
        log: ActionLog,
        lot: ParkingLot,
        announce: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        self._clients = clients
        self._announce = announce
        self._log = log
        self._lot = lot
        self._machines = {
            record.ref: logical_id
            for logical_id, record in resources.records.items()
            if record.type == "AWS::StepFunctions::StateMachine"
        }
        self._logged: set[str] = set()

    def poll(self) -> ExecutionState:
        """Log executions that ended since the last poll; return the running ones."""
        sfn = self._clients.client("stepfunctions")
        running: list[str] = []
        announced = 0
        for machine_arn, logical_id in self._machines.items():
            for execution in self._executions(machine_arn):
                arn, status = execution["executionArn"], execution["status"]
                if status == "RUNNING":
                    running.append(arn)
                elif arn not in self._logged:
                    self._logged.add(arn)
                    self._log.execution(logical_id, status, **self._details(sfn, execution))
                    if self._announce is not None:
                        self._announce(status_change_event(sfn.describe_execution(executionArn=arn)))
                        announced += 1
        return ExecutionState(running, [arn for arn in running if not self._lot.is_idle(arn)], announced)

    def log_running(self) -> None:
        """Log the executions still running (once each), e.g. waiting for a task token at the end of a replay."""
        sfn = self._clients.client("stepfunctions")
        for machine_arn, logical_id in self._machines.items():
            for execution in self._executions(machine_arn):
                if execution["status"] == "RUNNING" and execution["executionArn"] not in self._logged:
                    self._logged.add(execution["executionArn"])
                    self._log.execution(logical_id, "RUNNING", **self._details(sfn, execution))

    def _executions(self, machine_arn: str) -> list[dict[str, Any]]:
        paginator = self._clients.client("stepfunctions").get_paginator("list_executions")
        return [e for page in paginator.paginate(stateMachineArn=machine_arn) for e in page["executions"]]

    @staticmethod
    def _details(sfn: Any, execution: dict[str, Any]) -> dict[str, Any]:
        details: dict[str, Any] = {"execution": execution.get("name") or execution["executionArn"].rsplit(":", 1)[-1]}
        if execution["status"] in ("FAILED", "TIMED_OUT", "ABORTED"):
            described = sfn.describe_execution(executionArn=execution["executionArn"])
            for key in ("error", "cause"):
                if described.get(key):
                    details[key] = described[key]
        return details


def _epoch_ms(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return int(aware.timestamp() * 1000)


def status_change_event(described: dict[str, Any]) -> dict[str, Any]:
    """The ``Step Functions Execution Status Change`` event of an execution, from its ``DescribeExecution``."""
    status, arn = described["status"], described["executionArn"]
    output = described.get("output") if status == "SUCCEEDED" else None
    return {
        "source": "aws.states",
        "detail-type": "Step Functions Execution Status Change",
        "resources": [arn],
        "detail": {
            "executionArn": arn,
            "stateMachineArn": described["stateMachineArn"],
            "name": described.get("name") or arn.rsplit(":", 1)[-1],
            "status": status,
            "startDate": _epoch_ms(described.get("startDate")),
            "stopDate": _epoch_ms(described.get("stopDate")),
            "input": described.get("input") or json.dumps({}),
            "inputDetails": {"included": True},
            "output": output,
            "outputDetails": {"included": True} if output is not None else None,
        },
    }
