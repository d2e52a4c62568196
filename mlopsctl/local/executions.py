"""Follows the executions of the template's state machines and logs each run once it ends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlopsctl.local.actionlog import ActionLog
from mlopsctl.local.clients import StackClients
from mlopsctl.local.provision import StackResources
from mlopsctl.local.sfn_time import ParkingLot


@dataclass(frozen=True)
class ExecutionState:
    """What the stack knows of the running executions."""

    running: list[str]
    busy: list[str]  # running and not idle (computing, not parked)


class ExecutionMonitor:
    """Polls ``ListExecutions`` of every state machine of the stack."""

    def __init__(self, clients: StackClients, resources: StackResources, log: ActionLog, lot: ParkingLot) -> None:
        self._clients = clients
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
        for machine_arn, logical_id in self._machines.items():
            for execution in self._executions(machine_arn):
                arn, status = execution["executionArn"], execution["status"]
                if status == "RUNNING":
                    running.append(arn)
                elif arn not in self._logged:
                    self._logged.add(arn)
                    self._log.execution(logical_id, status, **self._details(sfn, execution))
        return ExecutionState(running, [arn for arn in running if not self._lot.is_idle(arn)])

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
