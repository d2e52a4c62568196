"""What is in progress on an endpoint: the running Deploy or Rollback execution, its phase, the traffic, the bake.

One function, :func:`in_progress`, builds it for ``mlopsctl status`` and ``mlopsctl watch``. It reads:

- ``ListExecutions`` (``RUNNING``) of the Deploy and Rollback state machines (``DeployStateMachineArn``,
  ``RollbackStateMachineArn``) and ``DescribeExecution`` for their input (which endpoint, which package); the one that
  holds the endpoint's lock is *the* rollout, the others wait their turn (``waiting``);
- ``GetExecutionHistory`` for its phase: the state it entered last (``reverseOrder``: the newest events first, one
  page; the local stack's moto returns the whole history in order and ignores ``reverseOrder``, so the newest
  ``…StateEntered`` event is picked by its ``id`` in either case);
- ``DescribeEndpoint`` for the traffic: the fleet serving (``ProductionVariants``) and the new one
  (``PendingDeploymentSummary``, with its ``VariantStatus``: ``Creating``, ``Baking``…);
- the rollout's ``DeploymentConfig`` (in its ledger record) for the bake's length: ``WaitIntervalInSeconds`` while
  the new fleet takes part of the traffic, ``TerminationWaitInSeconds`` once a canary's fleet takes all of it
  (SageMaker Developer Guide, "Blue/Green Deployments": https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green.html);
  a LINEAR or ALL_AT_ONCE fleet at full capacity bakes both in turn, so its time left is not known (``null``);
- ``DescribeAlarms`` for the new fleet's alarm copies the rollout watches (``new_fleet_alarms`` of the record).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mlopsctl.ops.records import DeploymentRecord, LockRecord, timestamp
from mlopsctl.ops.target import Target


@dataclass(frozen=True)
class Machines:
    """The stack's state machines: which kind of rollout each one runs."""

    deploy: str
    rollback: str

    @classmethod
    def of(cls, target: Target) -> Machines:
        stack = target.stack()
        return cls(stack.output("DeployStateMachineArn"), stack.output("RollbackStateMachineArn"))

    def kinds(self) -> dict[str, str]:
        return {self.deploy: "deployment", self.rollback: "rollback"}


@dataclass(frozen=True)
class Running:
    """A running execution and what its input says it does."""

    kind: str
    arn: str
    name: str
    started_at: datetime
    endpoint_name: str | None
    model_package_arn: str | None
    version: int | None


def _running(kind: str, described: Mapping[str, Any]) -> Running:
    document = json.loads(described.get("input") or "{}")
    side = document.get("request") if kind == "deployment" else (document.get("plan") or {}).get("to")
    where = document.get("request") if kind == "deployment" else document.get("plan")
    side, where = side or {}, where or {}
    version = side.get("model_package_version")
    return Running(
        kind=kind,
        arn=str(described["executionArn"]),
        name=str(described["name"]),
        started_at=described["startDate"],
        endpoint_name=where.get("endpoint_name"),
        model_package_arn=side.get("model_package_arn"),
        version=int(version) if version is not None else None,
    )


def running_executions(target: Target, machines: Machines, endpoint_name: str) -> list[Running]:
    """The running Deploy and Rollback executions of the endpoint, oldest first."""
    sfn, found = target.client("stepfunctions"), []
    for machine, kind in machines.kinds().items():
        pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=machine, statusFilter="RUNNING")
        for page in pages:
            for execution in page.get("executions", []):
                described = sfn.describe_execution(executionArn=execution["executionArn"])
                running = _running(kind, described)
                if running.endpoint_name == endpoint_name:
                    found.append(running)
    return sorted(found, key=lambda r: r.started_at)


def phase(target: Target, execution_arn: str) -> str | None:
    """The state the execution entered last."""
    history = target.client("stepfunctions").get_execution_history(executionArn=execution_arn, reverseOrder=True)
    entered = [e for e in history.get("events", []) if str(e.get("type", "")).endswith("StateEntered")]
    newest = max(entered, key=lambda e: int(e["id"]), default=None)
    return str(newest["stateEnteredEventDetails"]["name"]) if newest is not None else None


def _fleet(config: str | None, variants: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    status = next((s for v in variants for s in reversed(v.get("VariantStatus") or [])), None) or {}
    return {
        "endpoint_config": config,
        "instances": sum(int(v.get("CurrentInstanceCount") or 0) for v in variants),
        "desired_instances": sum(int(v.get("DesiredInstanceCount") or 0) for v in variants),
        "weight": sum(float(v.get("CurrentWeight") or 0) for v in variants),
        "status": status.get("Status"),
        "status_message": status.get("StatusMessage"),
        "status_since": timestamp(status.get("StartTime")),
        "_since": status.get("StartTime"),
    }


def traffic(described: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The fleets of an endpoint: the one serving and, during an update, the new one (``None``: no endpoint)."""
    if described is None:
        return None
    pending = described.get("PendingDeploymentSummary") or {}
    new = _fleet(pending.get("EndpointConfigName"), pending.get("ProductionVariants") or []) if pending else None
    serving = _fleet(described.get("EndpointConfigName"), described.get("ProductionVariants") or [])
    return {"serving": serving, "new": new}


def _bake_seconds(record: DeploymentRecord | None, new: Mapping[str, Any]) -> int | None:
    policy = ((record.deployment_config if record else None) or {}).get("BlueGreenUpdatePolicy") or {}
    routing = policy.get("TrafficRoutingConfiguration") or {}
    if not routing:
        return None
    if new["instances"] < new["desired_instances"]:
        return int(routing.get("WaitIntervalInSeconds", 0))
    if routing.get("Type") == "CANARY":
        return int(policy.get("TerminationWaitInSeconds", 0))
    return None


def bake(new: Mapping[str, Any] | None, record: DeploymentRecord | None, now: datetime) -> dict[str, Any] | None:
    """The baking period of the new fleet: its start, length, end and the seconds left (``None``: not baking)."""
    if new is None or new.get("status") != "Baking" or new.get("_since") is None:
        return None
    started: datetime = new["_since"]
    seconds = _bake_seconds(record, new)
    ends = started + timedelta(seconds=seconds) if seconds is not None else None
    left = max(0.0, round((ends - now).total_seconds(), 3)) if ends is not None else None
    return {"started_at": timestamp(started), "seconds": seconds, "ends_at": timestamp(ends), "seconds_left": left}


def alarm_states(target: Target, names: Sequence[str]) -> list[dict[str, Any]]:
    """The alarms' states (``DescribeAlarms``), in the order given; an alarm that is gone is ``MISSING``."""
    if not names:
        return []
    found: dict[str, Mapping[str, Any]] = {}
    for page in target.client("cloudwatch").get_paginator("describe_alarms").paginate(AlarmNames=list(names)):
        found.update({str(a["AlarmName"]): a for a in page.get("MetricAlarms", [])})
    return [
        {
            "name": name,
            "state": str(found[name]["StateValue"]) if name in found else "MISSING",
            "since": timestamp(found[name].get("StateUpdatedTimestamp")) if name in found else None,
        }
        for name in names
    ]


def _public(fleet: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return {k: v for k, v in fleet.items() if not k.startswith("_")} if fleet is not None else None


def in_progress(
    target: Target,
    machines: Machines,
    endpoint_name: str,
    *,
    records: Sequence[DeploymentRecord],
    held: LockRecord | None,
    described: Mapping[str, Any] | None,
    now: datetime,
) -> dict[str, Any] | None:
    """The rollout in progress on the endpoint (the documented ``in_progress`` object), ``None`` when none runs."""
    running = running_executions(target, machines, endpoint_name)
    if not running:
        return None
    holder = held.owner if held is not None and not held.expired(now) else None
    active = next((r for r in running if r.name == holder), running[-1])
    record = next((r for r in records if r.deployment_id == active.name), None)
    fleets = traffic(described)
    new = fleets["new"] if fleets is not None else None
    return {
        "kind": active.kind,
        "execution_arn": active.arn,
        "deployment_id": active.name,
        "started_at": timestamp(active.started_at),
        "phase": phase(target, active.arn),
        "model_package_arn": (record.model_package_arn if record else None) or active.model_package_arn,
        "version": (record.version if record else None) or active.version,
        "endpoint_config": record.endpoint_config_name if record else None,
        "strategy": record.strategy if record else None,
        "holds_lock": holder == active.name,
        "traffic": {"serving": _public(fleets["serving"]), "new": _public(new)} if fleets is not None else None,
        "bake": bake(new, record, now),
        "alarms": alarm_states(target, record.new_fleet_alarms if record and new else []),
        "waiting": [
            {"kind": r.kind, "execution_arn": r.arn, "version": r.version, "started_at": timestamp(r.started_at)}
            for r in running
            if r is not active
        ],
    }
