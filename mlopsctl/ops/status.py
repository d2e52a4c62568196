"""``mlopsctl status``: per endpoint, what serves now, what is in progress, the lock and the rollback alarms.

What serves is read from the ledger and checked against SageMaker: the endpoint config ``DescribeEndpoint`` says the
endpoint serves, and the newest ``SUCCEEDED`` ledger record (a deployment, or a rollback's restore) that deployed that
config, for the package, version, since when and by which execution. What is in progress comes from
:func:`mlopsctl.ops.progress.in_progress` (the running execution, its phase, traffic, bake, alarms).

``--json`` prints one document::

    {"endpoints": [{
        "name": str,                      # the endpoint (the stack's EndpointName output)
        "status": str,                    # DescribeEndpoint's EndpointStatus, or "absent"
        "serving": null | {               # null: absent, or still being created
            "endpoint_config": str,       # the config DescribeEndpoint says it serves
            "model_package_arn": str|null, "version": int|null,
            "since": ISO|null,            # when that deployment (or restore) finished
            "execution_arn": str|null, "deployment_id": str|null,
            "kind": "deployment"|"rollback"|null,
            "in_ledger": bool},           # false: no SUCCEEDED ledger record deployed that config
        "in_progress": null | {
            "kind": "deployment"|"rollback", "execution_arn": str, "deployment_id": str, "started_at": ISO,
            "phase": str|null,            # the state the execution entered last
            "model_package_arn": str|null, "version": int|null, "endpoint_config": str|null, "strategy": str|null,
            "holds_lock": bool,
            "traffic": null | {"serving": FLEET, "new": FLEET|null},
            "bake": null | {"started_at": ISO, "seconds": int|null, "ends_at": ISO|null, "seconds_left": float|null},
            "alarms": [ALARM],            # the new fleet's alarm copies the rollout watches
            "waiting": [{"kind", "execution_arn", "version", "started_at"}]},   # executions waiting their turn
        "lock": null | {"holder": str, "acquired_at": ISO, "expires_at": ISO, "expired": bool,
                        "waiting_for_endpoint": bool, "taken_over_from": str|null},
        "alarms": [ALARM]}]}              # the endpoint's rollback alarms

    FLEET = {"endpoint_config": str|null, "instances": int, "desired_instances": int, "weight": float,
             "status": str|null, "status_message": str|null, "status_since": ISO|null}
    ALARM = {"name": str, "state": "OK"|"ALARM"|"INSUFFICIENT_DATA"|"MISSING", "since": ISO|null}

Timestamps are ISO 8601 UTC. Exit codes: 0 shown; 1 the stack or a call failed (one line on standard error).
See docs/operator/status.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import click
from botocore.exceptions import ClientError  # type: ignore[import-untyped, unused-ignore]
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table

from mlops_core.deploy.deployment import Outcome
from mlopsctl.ops import records as ledger
from mlopsctl.ops.cli import ops_options
from mlopsctl.ops.clock import current_clock
from mlopsctl.ops.errors import UsageError
from mlopsctl.ops.output import emit
from mlopsctl.ops.progress import Machines, alarm_states, in_progress
from mlopsctl.ops.records import DeploymentRecord, LockRecord, timestamp
from mlopsctl.ops.target import Target
from mlopsctl.ops.views import alarms_table, progress_view, version

#: The outputs naming an endpoint's rollback alarms.
ALARM_OUTPUTS = ("EndpointErrorsAlarmName", "EndpointLatencyAlarmName")


@dataclass(frozen=True)
class StackFacts:
    """What the commands read of the stack: the ledger, the machines, the endpoints and their alarms."""

    stack: str
    table: str
    machines: Machines
    endpoints: tuple[str, ...]
    alarms: tuple[str, ...]

    @classmethod
    def of(cls, target: Target) -> StackFacts:
        stack = target.stack()
        return cls(
            stack=stack.name,
            table=stack.output("LedgerTableName"),
            machines=Machines.of(target),
            endpoints=(stack.output("EndpointName"),),
            alarms=tuple(stack.output(key) for key in ALARM_OUTPUTS),
        )

    def endpoints_named(self, name: str | None) -> tuple[str, ...]:
        """The stack's endpoints, or the one named (usage error when the stack has no such endpoint)."""
        if name is None:
            return self.endpoints
        if name not in self.endpoints:
            raise UsageError(f"stack {self.stack} has no endpoint {name} (it has: {', '.join(self.endpoints)})")
        return (name,)


def describe_endpoint(target: Target, name: str) -> dict[str, Any] | None:
    """``DescribeEndpoint``, ``None`` when there is no such endpoint (SageMaker answers ``ValidationException``)."""
    try:
        found: dict[str, Any] = target.client("sagemaker").describe_endpoint(EndpointName=name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ValidationException":
            return None
        raise
    return found


def serving(described: Mapping[str, Any] | None, records: Sequence[DeploymentRecord]) -> dict[str, Any] | None:
    """What the endpoint serves, from the ledger's newest ``SUCCEEDED`` record of the config it serves."""
    if described is None or described.get("EndpointStatus") == "Creating" or not described.get("EndpointConfigName"):
        return None
    config = str(described["EndpointConfigName"])
    succeeded = (r for r in records if r.outcome is Outcome.SUCCEEDED and r.endpoint_config_name == config)
    record = next(succeeded, None)
    return {
        "endpoint_config": config,
        "model_package_arn": record.model_package_arn if record else None,
        "version": record.version if record else None,
        "since": timestamp(record.finished_at) if record else None,
        "execution_arn": record.execution_arn if record else None,
        "deployment_id": record.deployment_id if record else None,
        "kind": record.kind if record else None,
        "in_ledger": record is not None,
    }


def lock_document(held: LockRecord | None, now: datetime) -> dict[str, Any] | None:
    """The lock as ``status`` shows it."""
    if held is None:
        return None
    return {
        "holder": held.owner,
        "acquired_at": timestamp(held.acquired_at),
        "expires_at": timestamp(held.expires),
        "expired": held.expired(now),
        "waiting_for_endpoint": held.task_token is not None,
        "taken_over_from": held.taken_over_from,
    }


def endpoint_status(target: Target, facts: StackFacts, name: str, now: datetime) -> dict[str, Any]:
    """One endpoint's entry of the ``status`` document."""
    described = describe_endpoint(target, name)
    dynamodb = target.client("dynamodb")
    records = ledger.deployments(dynamodb, facts.table, name)
    held = ledger.lock(dynamodb, facts.table, name)
    progress = in_progress(target, facts.machines, name, records=records, held=held, described=described, now=now)
    return {
        "name": name,
        "status": str(described["EndpointStatus"]) if described else "absent",
        "serving": serving(described, records),
        "in_progress": progress,
        "lock": lock_document(held, now),
        "alarms": alarm_states(target, facts.alarms),
    }


def status_document(target: Target, endpoint: str | None = None) -> dict[str, Any]:
    """The ``status`` document (see the module's docstring)."""
    facts, now = StackFacts.of(target), current_clock().now()
    return {"endpoints": [endpoint_status(target, facts, name, now) for name in facts.endpoints_named(endpoint)]}


def _serving_rows(serving: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    if serving is None:
        return [("serving", "nothing")]
    if not serving["in_ledger"]:
        return [("serving", f"{serving['endpoint_config']} (no SUCCEEDED ledger record deployed it)")]
    how = "restored by rollback" if serving["kind"] == "rollback" else "deployed by"
    return [
        ("serving", f"{version(serving['version'])} since {serving['since']}"),
        ("package", str(serving["model_package_arn"])),
        ("config", str(serving["endpoint_config"])),
        (how, str(serving["deployment_id"])),
    ]


def _lock_line(lock: Mapping[str, Any] | None) -> str:
    if lock is None:
        return "free"
    expired = " (expired)" if lock["expired"] else ""
    return f"held by {lock['holder']} until {lock['expires_at']}{expired}"


def render(console: Console, document: Mapping[str, Any]) -> None:
    """One panel per endpoint."""
    for endpoint in document["endpoints"]:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold")
        grid.add_column()
        for label, value in _serving_rows(endpoint["serving"]):
            grid.add_row(label, value)
        grid.add_row("lock", _lock_line(endpoint["lock"]))
        parts = [grid, progress_view(endpoint["in_progress"]) if endpoint["in_progress"] else "nothing in progress"]
        parts.append(alarms_table(endpoint["alarms"], "rollback alarms"))
        title = f"endpoint {endpoint['name']}: {endpoint['status']}"
        console.print(Panel(Group(*parts), title=title, title_align="left"))


@click.command("status")
@click.option("--endpoint", metavar="NAME", help="only this endpoint (default: every endpoint of the stack)")
@ops_options
def command(target: Target, as_json: bool, endpoint: str | None) -> None:
    """what serves, what is in progress, the lock and the alarms, per endpoint (docs/operator/status.md)"""
    emit(status_document(target, endpoint), render, as_json=as_json)
