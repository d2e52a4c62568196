"""``mlopsctl abort --reason TEXT``: stop the deployment in progress; the endpoint keeps, or returns to, its old fleet.

SageMaker has no call that stops a blue/green update, and refuses ``UpdateEndpoint`` while the endpoint is
``Updating`` ("When SageMaker receives the request, it sets the endpoint status to Updating. After updating the
endpoint, it sets the status to InService", SageMaker API Reference, UpdateEndpoint,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html). What it documents is the
auto-rollback: "If any of your alarms trip during the specified monitoring period, SageMaker AI initiates a complete
rollback to the old endpoint" (SageMaker Developer Guide, Auto-Rollback Configuration and Monitoring,
https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html), and CloudWatch documents
``SetAlarmState`` to set an alarm's state by hand ("Temporarily sets the state of an alarm for testing purposes ...
Metric alarms returns to their actual state quickly, often within seconds", CloudWatch API Reference,
SetAlarmState, https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html).

So the command acts through the system's own paths, by what the deployment is doing (the endpoint's lock names the
Deploy execution that holds it; ``DescribeExecution`` and ``DescribeEndpoint`` say how it is):

==========================================  ====================================================================
the deployment                              what abort does
==========================================  ====================================================================
SageMaker's update is in flight (the        ``SetAlarmState`` ALARM on the update's own new-fleet rollback alarm
endpoint is ``Updating`` to the             (``<config>-newfleet-0``, in its ``AutoRollbackConfiguration``; no
deployment's config)                        action of ours listens to it), the reason ``mlopsctl abort by <who>:
                                            <reason>``. SageMaker rolls back to the old fleet; the Deploy
                                            execution's Verify reads the alarm's history and records
                                            ``ROLLED_BACK`` with that reason, rejects the package, unlocks and
                                            notifies, as for any guardrail rollback.
preparing or waiting its turn (no update    ``StopExecution`` with error ``OperatorAbort`` and that cause;
yet; the endpoint serves the old config)    ExecutionEventsFunction closes the record ``FAILED`` with the cause,
                                            releases the lock and notifies, as for any stopped execution.
landed (the endpoint serves the             nothing (exit 1): it is live; ``mlopsctl rollback`` restores the last
deployment's config), or nothing holds      known-good model.
the lock, or a rollback holds it
==========================================  ====================================================================

Caveat (AWS): the alarm returns to its actual state at its next evaluation; SageMaker watches the alarms during the
baking periods. An abort while the new fleet is still being provisioned may be missed by the guardrails; ``--wait``
then reports that the deployment finished anyway (exit 1), and ``mlopsctl rollback`` undoes it.

``--json`` prints one document::

    {
      "endpoint_name": str, "deployment_id": str, "execution_arn": str,
      "mechanism": "guardrail_alarm" | "stop_execution", "alarm_name": str | null,
      "requested_by": str, "reason": str,
      "result": null | {"outcome": str | null, "reason": str | null},
      "stopped": bool
    }

``result``: the deployment's ledger record once it ended (``--wait``; ``outcome`` ``ROLLED_BACK`` or ``FAILED`` when
stopped); ``stopped``: the deployment ended without its model serving (``--wait``), or, with ``--no-wait``, that the
stop was asked for. Exit codes: 0 stopped (or asked, ``--no-wait``); 1 nothing in progress, or the deployment was not
stopped. See docs/operator/abort.md.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import click
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from mlops_core.aws.ledger import Ledger
from mlops_core.aws.workflows import execution_arn
from mlops_core.deploy.fleet_alarm_rules import fleet_alarm_name
from mlops_core.deploy.ledger_items import DeploymentRecord
from mlops_core.deploy.store import LedgerDeploymentStore
from mlops_core.errors import MlopsError
from mlops_core.rollback.triggers import is_rollback_id
from mlopsctl.ops import execution_wait
from mlopsctl.ops.cli import ops_options
from mlopsctl.ops.errors import EXIT_FAILED, OpsError, UsageError
from mlopsctl.ops.output import emit
from mlopsctl.ops.rollback import acting_options, caller
from mlopsctl.ops.target import Target

#: The Deploy execution's wait covers SageMaker's MaximumExecutionTimeoutInSeconds (≤ 28,800 s) and a margin.
DEFAULT_TIMEOUT_SECONDS = 3600
#: How often, and how many times, --wait reads the record of a stopped execution until it is closed.
_RECORD_POLL_SECONDS, _RECORD_POLLS = 2.0, 30
#: The error a stopped Deploy execution carries (ExecutionEventsFunction records it with the cause).
ABORT_ERROR = "OperatorAbort"


@dataclass(frozen=True)
class InProgress:
    """The deployment that holds the endpoint: its execution, its record, and the endpoint as SageMaker shows it."""

    deployment_id: str
    execution_arn: str
    record: DeploymentRecord | None
    endpoint: Mapping[str, Any]

    @property
    def config_name(self) -> str | None:
        """The endpoint config the deployment puts in service (from its record)."""
        return (self.record.endpoint_config_name if self.record is not None else None) or None

    @property
    def updating_to(self) -> str | None:
        """The config SageMaker is updating the endpoint to, when an update is in flight."""
        if self.endpoint.get("EndpointStatus") != "Updating":
            return None
        pending = self.endpoint.get("PendingDeploymentSummary") or {}
        return str(pending.get("EndpointConfigName") or "") or None


def _store(target: Target) -> LedgerDeploymentStore:
    return LedgerDeploymentStore(Ledger(target.client("dynamodb"), target.stack().output("LedgerTableName")))


def find_in_progress(target: Target, endpoint_name: str, now_epoch: int) -> InProgress:
    """The Deploy execution holding the endpoint's lock; :class:`OpsError` (exit 1) when there is none."""
    stack = target.stack()
    store = _store(target)
    try:
        lock = store.read_lock(endpoint_name)
        if lock is None or lock.expires_at <= now_epoch:
            raise OpsError(f"nothing in progress on {endpoint_name}: no deployment holds its lock")
        holder = lock.deployment_id
        if is_rollback_id(stack.name, holder):
            raise OpsError(f"rollback {holder} holds {endpoint_name}, not a deployment: a restore is not aborted")
        arn = execution_arn(stack.output("DeployStateMachineArn"), holder)
        status = target.client("stepfunctions").describe_execution(executionArn=arn)["status"]
        if status != "RUNNING":
            raise OpsError(f"nothing in progress on {endpoint_name}: deployment {holder} ended {status}")
        record = next((r for r in store.deployments(endpoint_name) if r.deployment_id == holder), None)
    except MlopsError as exc:
        raise OpsError(f"{target.last_action}: {exc}") from None
    endpoint = target.client("sagemaker").describe_endpoint(EndpointName=endpoint_name)
    return InProgress(holder, arn, record, endpoint)


def mechanism(found: InProgress) -> str | None:
    """How to stop ``found`` (the table above): the config whose update the guardrails roll back, or ``None`` to
    stop the execution; :class:`OpsError` (exit 1) when there is nothing to abort."""
    holder, endpoint, config = found.deployment_id, found.endpoint, found.config_name
    name, status = endpoint.get("EndpointName"), endpoint.get("EndpointStatus")
    if found.updating_to:
        return found.updating_to
    if status == "Creating":
        raise OpsError(f"deployment {holder} is creating {name} (its first model): there is no old fleet to return to")
    if config and endpoint.get("EndpointConfigName") == config:
        raise OpsError(
            f"deployment {holder} has landed ({name} serves {config}): nothing to abort; "
            "`mlopsctl rollback` restores the last known-good model"
        )
    return None


def _trip_guardrails(target: Target, config_name: str, cause: str) -> str:
    """Set the update's own new-fleet rollback alarm to ALARM (SageMaker then rolls the update back)."""
    alarm = fleet_alarm_name(config_name, 0)
    cloudwatch = target.client("cloudwatch")
    if not cloudwatch.describe_alarms(AlarmNames=[alarm]).get("MetricAlarms"):
        raise OpsError(f"the update to {config_name} has no rollback alarm {alarm} of this system: not aborted")
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason=cause[:1023])
    return alarm


def _ended(target: Target, found: InProgress, endpoint_name: str, timeout: int) -> dict[str, Any]:
    """Wait for the Deploy execution to end, then for its record to be closed (by its Finish step, or by
    ExecutionEventsFunction after a stop: an event away), and read it."""
    execution_wait.wait_for_execution(target.client("stepfunctions"), found.execution_arn, timeout=timeout)
    record: DeploymentRecord | None = None
    for attempt in range(_RECORD_POLLS):
        if attempt:
            execution_wait.pause(_RECORD_POLL_SECONDS)
        records = _store(target).deployments(endpoint_name)
        record = next((r for r in records if r.deployment_id == found.deployment_id), None)
        if record is not None and record.outcome != "IN_PROGRESS":
            break
    if record is None:
        return {"outcome": None, "reason": None}
    return {"outcome": record.outcome.value, "reason": record.reason}


def _render(console: Console, document: Mapping[str, Any]) -> None:
    table = Table(show_header=False, box=None)
    for label, value in (
        ("endpoint", document["endpoint_name"]),
        ("deployment", document["deployment_id"]),
        ("how", f"{document['mechanism']} {document['alarm_name'] or ''}".strip()),
        ("why", document["reason"]),
    ):
        table.add_row(f"[bold]{label}[/bold]", str(value))
    if document["result"] is not None:
        table.add_row("[bold]result[/bold]", f"{document['result']['outcome']}: {document['result']['reason']}")
    style = "green" if document["stopped"] else "yellow"
    console.print(Panel(table, title="abort", border_style=style, expand=False))


@click.command("abort")
@acting_options("the deployment", DEFAULT_TIMEOUT_SECONDS)
@ops_options
def command(*, target: Target, as_json: bool, reason: str, endpoint_name: str | None, wait: bool, timeout: int) -> None:
    """Stop the deployment in progress: the endpoint stays on, or returns to, its old fleet."""
    if not reason.strip():
        raise UsageError("--reason must say why")
    endpoint = endpoint_name or target.stack().output("EndpointName")
    who = caller(target)
    found = find_in_progress(target, endpoint, int(time.time()))
    rolling_back = mechanism(found)
    cause = f"mlopsctl abort by {who}: {reason.strip()}"
    alarm = None
    if rolling_back is not None:
        alarm = _trip_guardrails(target, rolling_back, cause)
    else:
        sfn = target.client("stepfunctions")
        sfn.stop_execution(executionArn=found.execution_arn, error=ABORT_ERROR, cause=cause[:32768])
    result = _ended(target, found, endpoint, timeout) if wait else None
    stopped = result["outcome"] in {"ROLLED_BACK", "FAILED"} if result is not None else True
    document = {
        "endpoint_name": endpoint,
        "deployment_id": found.deployment_id,
        "execution_arn": found.execution_arn,
        "mechanism": "guardrail_alarm" if alarm else "stop_execution",
        "alarm_name": alarm,
        "requested_by": who,
        "reason": reason.strip(),
        "result": result,
        "stopped": stopped,
    }
    emit(document, _render, as_json=as_json)
    if not stopped:
        raise SystemExit(EXIT_FAILED)
