"""A Deploy or Rollback execution that ended ``FAILED``, ``TIMED_OUT`` or ``ABORTED`` without closing itself.

Every path of the Deploy state machine ends in ``Finish`` (record the outcome, release the endpoint lock, notify),
but nothing catches a failure of ``Finish`` itself (DynamoDB failing past its retries, a result over the 256 KiB
payload quota: ``States.DataLimitExceeded``, which no ``Catch`` matches), an execution timeout, or an operator's
``StopExecution``. Step Functions says so: catchers "are not for top-level state machine execution failures ... you
might choose to listen for TIMED_OUT events from Standard workflows with an EventBridge bus" (Step Functions
Developer Guide, Handling errors, https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).

So the ``Step Functions Execution Status Change`` event of such an execution comes here. What is done, each step
conditional, so a duplicated event (EventBridge delivers at least once) changes nothing the first one did:

1. the endpoint lock is released if this execution still holds it (a conditional delete on the holder: a lock that
   expired and was taken by another deployment is left alone);
2. the deployment record is closed ``FAILED`` with the reason if it has no final outcome yet (``IN_PROGRESS``, or
   no record at all: one is written);
3. a ``[FAILED]`` deployment notification is published if either of them changed something: someone must know.

An execution that ended through its own ``Fail`` states (``RolledBack``, ``DeploymentFailed``) has recorded its
outcome, released its lock and notified in ``Finish``: its event changes nothing and is ignored with that reason.

The Rollback machine ends the same way in ``RecordAndNotify``, and nothing catches that step failing, an execution
timeout or a ``StopExecution`` either. Its execution is told apart by its state machine ARN (both ARNs of the event
name it); it is named by its rollback id, which is its lock owner and its record's ``deployment_id``, keyed by the
execution's start like a Deploy's. It is closed the same three steps: its lock released if still its own, its
rollback record ``FAILED`` with the reason, a ``[ROLLBACK FAILED]`` rollback notification (``outcome``
``ROLLBACK_FAILED``, as ``RecordAndNotify`` sends for a failed restore) published once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mlops_core.aws.notifications import Notifier
from mlops_core.deploy.deployment import Outcome, seconds_between
from mlops_core.deploy.ledger_items import DeploymentFields, DeploymentRecord
from mlops_core.deploy.store import DeploymentKey
from mlops_core.deploy.unfinished import UnfinishedDeployments
from mlops_core.events.execution import ExecutionStatusChangeEvent, execution_of
from mlops_core.handler import Handled, Ignored
from mlops_core.timefmt import stamp

__all__ = ["ExecutionOutcomeConfig", "ExecutionOutcomePorts", "Machine", "handle_execution_event", "reason_of"]

_MAX_CAUSE_SHOWN = 1000


class Machine(StrEnum):
    """Which of our state machines an execution belongs to."""

    DEPLOY = "Deploy"
    ROLLBACK = "Rollback"


@dataclass(frozen=True)
class ExecutionOutcomeConfig:
    """Which endpoint and which state machines (Deploy, Rollback) are ours."""

    endpoint_name: str
    state_machine_arn: str
    rollback_state_machine_arn: str

    def machine_of(self, event: ExecutionStatusChangeEvent) -> Machine | None:
        """Which of our machines ran the event's execution (``None``: neither)."""
        if execution_of(event, self.state_machine_arn):
            return Machine.DEPLOY
        if execution_of(event, self.rollback_state_machine_arn):
            return Machine.ROLLBACK
        return None


@dataclass(frozen=True)
class ExecutionOutcomePorts:
    """The ledger (records and lock) and the notification topic."""

    deployments: UnfinishedDeployments
    notifier: Notifier


_CLOSING_STEP = {Machine.DEPLOY: "Finish", Machine.ROLLBACK: "RecordAndNotify"}


def reason_of(event: ExecutionStatusChangeEvent, machine: Machine = Machine.DEPLOY) -> str:
    """The recorded reason: how the execution ended, and its error when the event carries one."""
    reason = f"the {machine.value} execution ended {event.status} outside its {_CLOSING_STEP[machine]} step"
    if event.error:
        cause = (event.cause or "")[:_MAX_CAUSE_SHOWN]
        reason += f": {event.error}" + (f": {cause}" if cause else "")
    return reason


def handle_execution_event(
    event: ExecutionStatusChangeEvent, config: ExecutionOutcomeConfig, ports: ExecutionOutcomePorts
) -> dict[str, Any]:
    """Release the lock, close the record and notify for an unsuccessful execution; the handler's result."""
    if not event.unsuccessful:
        return {"outcome": "ignored", "reason": f"the execution is {event.status}: nothing to close"}
    machine = config.machine_of(event)
    if machine is None:
        reason = f"{event.execution_arn} is not an execution of our Deploy or Rollback machine"
        return {"outcome": "ignored", "reason": reason}
    released = ports.deployments.release_lock(config.endpoint_name, event.name)
    reason = reason_of(event, machine)
    stopped = event.stop_date or event.start_date
    fields = DeploymentFields(
        outcome=Outcome.FAILED.value,
        reason=reason,
        execution_arn=event.execution_arn,
        execution_status=event.status,
        finished_at=stamp(stopped),
        durations={"total_seconds": seconds_between(stamp(event.start_date), stopped)},
    )
    key = DeploymentKey.of_execution(config.endpoint_name, event.start_date, event.name)
    record = ports.deployments.close(key, fields)
    if record is None and not released:
        return {"outcome": "ignored", "reason": "the execution had recorded its outcome and released its lock"}
    notify = _rollback_notification if machine is Machine.ROLLBACK else _notification
    ports.notifier.publish(*notify(event, config, record, reason))
    return {
        "outcome": "ok",
        "machine": machine.value,
        "lock_released": released,
        "record_closed": record is not None,
        "reason": reason,
    }


def on_execution_event(
    event: ExecutionStatusChangeEvent, config: ExecutionOutcomeConfig, ports: ExecutionOutcomePorts
) -> Handled | Ignored:
    """The handler's act: :func:`handle_execution_event`, its ``ignored`` outcomes as :class:`Ignored`; a closed
    deployment is logged as a warning (``unfinished deployment closed``), counted (``UnfinishedDeploymentsClosed``)."""
    result = handle_execution_event(event, config, ports)
    if result["outcome"] == "ignored":
        return Ignored(str(result["reason"]))
    extra = {**result, "execution_arn": event.execution_arn}
    return Handled(result, "unfinished deployment closed", "UnfinishedDeploymentsClosed", "warning", extra)


def _durations(record: DeploymentRecord | None) -> dict[str, Any]:
    """The record's durations as the notification carries them (only those written)."""
    return record.durations.model_dump(exclude_unset=True) if record and record.durations else {}


def _notification(
    event: ExecutionStatusChangeEvent, config: ExecutionOutcomeConfig, record: DeploymentRecord | None, reason: str
) -> tuple[str, dict[str, Any]]:
    version = record.model_package_version if record else None
    message = {
        "kind": "deployment",
        "endpoint_name": config.endpoint_name,
        "model_package_arn": record.model_package_arn if record else None,
        "model_package_group_name": record.model_package_group_name if record else None,
        "model_package_version": version,
        "strategy": record.strategy if record else None,
        "endpoint_config_name": record.endpoint_config_name if record else None,
        "outcome": Outcome.FAILED.value,
        "reason": reason,
        "alarm": None,
        "durations": _durations(record),
        "deployment_id": event.name,
        "execution_arn": event.execution_arn,
        "execution_status": event.status,
    }
    suffix = f" v{version}" if version is not None else ""
    return f"[{Outcome.FAILED.value}] {config.endpoint_name}{suffix} (execution {event.status})", message


def _rollback_notification(
    event: ExecutionStatusChangeEvent, config: ExecutionOutcomeConfig, record: DeploymentRecord | None, reason: str
) -> tuple[str, dict[str, Any]]:
    """A rollback notification as ``RecordAndNotify`` sends for a failed restore, from what the record holds."""
    trigger = record.rollback_trigger if record else None
    version = record.model_package_version if record else None
    message = {
        "kind": "rollback",
        "endpoint_name": config.endpoint_name,
        "outcome": "ROLLBACK_FAILED",
        "reason": reason,
        "trigger": trigger.kind if trigger else None,
        "decision": record.decision if record else None,
        "rollback_of": record.rollback_of if record else None,
        "restores": record.restores if record else None,
        "to_version": version,
        "rollback_id": event.name,
        "execution_arn": event.execution_arn,
        "execution_status": event.status,
        "durations": _durations(record),
        "action_needed": f"check what {config.endpoint_name} serves: the rollback did not finish",
    }
    suffix = f" -> v{version}" if version is not None else ""
    return f"[ROLLBACK FAILED] {config.endpoint_name}{suffix} (execution {event.status})", message
