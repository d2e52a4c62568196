"""An alarm of ours went to ALARM after the rollout: restore the last known-good model (the Rollback function's core).

The hot path asks the endpoint for the known-good model in three AWS calls:

1. ``Query`` the endpoint's deployment records in the ledger (one partition; :func:`mlops_core.rollback.decision.decide`
   chooses the live deployment and the last known-good one before it, or records only);
2. ``PutItem`` the endpoint's lock, conditionally, under the rollback's id (another rollout holding it → record only:
   its guardrails own that window);
3. ``UpdateEndpoint`` to the known-good deployment's endpoint config, all traffic at once (no canary, no bake).

The decision is made here, once: the plan (:class:`~mlops_core.rollback.contract.input.RestorePlan`) says what to
restore and whether its endpoint config must be recreated (only when SageMaker refused the update does the function
ask DescribeEndpointConfig whether the config still exists). It then starts the Rollback state machine with that plan
under the same id (``StartExecution``; ``statemachines/rollback.asl.json``, :mod:`mlops_core.rollback.tasks`), which
finds the update in flight, waits for the endpoint, verifies it serves the restored config, marks the bad deployment
``ROLLED_BACK``, rejects its package with the alarm as the reason, records, unlocks and notifies. If SageMaker refused
the update (the config was deleted, the endpoint is busy), the execution does the rest: recreates the model and config
from the package, waits its turn, updates.

Duplicated or repeated events: one alarm transition is one rollback id (lock owner, execution name, record), so
duplicates converge on one execution; a later transition finds the rollback in the ledger and is only recorded.
An operator's request (:mod:`mlops_core.rollback.operator_requests`) is carried out by the same :func:`act`; a lock
held by a running execution outside a rollout is then recorded and answered rather than retried.
A rejection of the live package is decided by the Approval function
(:class:`mlops_core.approval.rejection.ExecutionRollbackRequester`), without the hot path, and runs the same machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, NoReturn

from mlops_core.aws.errors import RequestRejectedError
from mlops_core.aws.notifications import Notifier
from mlops_core.aws.workflows import Workflows, execution_arn
from mlops_core.deploy.deployment import Conclusion, Outcome, deployment_config
from mlops_core.deploy.endpoints import EndpointGateway
from mlops_core.deploy.ledger_items import DeploymentFields, DeploymentRecord
from mlops_core.deploy.restore import RESTORE_POLICY
from mlops_core.deploy.store import DeploymentKey, DeploymentStore
from mlops_core.errors import MlopsError
from mlops_core.events import AlarmStateChangeEvent
from mlops_core.handler import EventResult, Handled, Ignored
from mlops_core.rollback.contract.input import RollbackInput
from mlops_core.rollback.decision import Action, Decision, Deployment, Facts, decide, history_of
from mlops_core.rollback.lock_holder import HolderJudgement, HolderVerdict, judge_holder
from mlops_core.rollback.plan import plan_rollback
from mlops_core.rollback.records import decision_summary, notification, recorded_decision
from mlops_core.rollback.settings import RollbackSettings
from mlops_core.rollback.triggers import Trigger, alarm_not_ours, alarm_trigger, is_rollback_id, rollback_id


class RollbackDeferredError(MlopsError):
    """The endpoint's lock is held by a running execution while the endpoint is not updating: the alarm is retried
    (Lambda's asynchronous retries), and after the last attempt it goes to the function's dead-letter queue."""


@dataclass(frozen=True)
class RollbackConfig:
    """Which endpoint and alarms are ours, the Rollback state machine (started here) and the Deploy one (a lock
    holder is an execution of either), and the lock's lifetime."""

    stack_name: str
    endpoint_name: str
    alarm_prefix: str
    rollback_state_machine_arn: str
    deploy_state_machine_arn: str
    lock_ttl_seconds: int
    alarm_attempts: int = 3

    @classmethod
    def from_settings(cls, settings: RollbackSettings) -> RollbackConfig:
        """The configuration the function's settings describe."""
        return cls(
            settings.stack_name,
            settings.endpoint_name,
            settings.endpoint_alarm_prefix,
            settings.rollback_state_machine_arn,
            settings.deploy_state_machine_arn,
            settings.deploy_lock_ttl_seconds,
            settings.rollback_alarm_attempts,
        )

    def machine_of(self, execution_name: str) -> str:
        """The state machine whose execution ``execution_name`` is (rollback ids name Rollback executions)."""
        if is_rollback_id(self.stack_name, execution_name):
            return self.rollback_state_machine_arn
        return self.deploy_state_machine_arn


@dataclass(frozen=True)
class RollbackPorts:
    """The adapters the Rollback function talks to."""

    store: DeploymentStore
    endpoints: EndpointGateway
    workflows: Workflows
    notifier: Notifier


@dataclass(frozen=True)
class RollbackResult(EventResult):
    """The handler's :class:`~mlops_core.handler.EventResult`, its details returned whole, and how it is reported."""

    keeps_none: ClassVar[bool] = True
    #: The log message of a handled trigger and the prefix of its metric (``<prefix><Action>``).
    message: ClassVar[str] = "alarm handled"
    metric_prefix: ClassVar[str] = "Rollback"

    def reported(self) -> Handled | Ignored:
        """How the handler reports it: ignored with the reason, or handled and counted as ``Rollback<Action>``."""
        if self.outcome == "ignored":
            return Ignored(self.reason)
        action = str(self.details.get("action", "")).title().replace("_", "")
        return Handled(self.as_dict(), self.message, f"{self.metric_prefix}{action}")


def handle_alarm(
    event: AlarmStateChangeEvent, config: RollbackConfig, ports: RollbackPorts, now: datetime
) -> RollbackResult:
    """Decide what an alarm's state change means for the endpoint; restore, record, or ignore it."""
    not_ours = alarm_not_ours(event, config.alarm_prefix, config.endpoint_name)
    if not_ours is not None:
        return RollbackResult("ignored", not_ours)
    trigger = alarm_trigger(event)
    me = rollback_id(config.stack_name, trigger)
    records = ports.store.deployments(config.endpoint_name)
    history = tuple(item for item in history_of(records) if item.deployment_id != me)
    decision = decide(Facts(trigger, config.endpoint_name, history))
    own = next((item for item in records if item.deployment_id == me), None)
    return act(decision, Attempt(trigger, me, history, own), config, ports, now)


@dataclass(frozen=True)
class Attempt:
    """One trigger's try at the endpoint: the trigger, its rollback id, the history it was decided on (its own
    record left out), its own record when a previous try wrote one, and whether a busy lock defers it (an alarm is
    retried by Lambda) or is only recorded (an operator's synchronous request is answered at once)."""

    trigger: Trigger
    me: str
    history: tuple[Deployment, ...]
    own: DeploymentRecord | None = None
    defers: bool = True


def act(
    decision: Decision, attempt: Attempt, config: RollbackConfig, ports: RollbackPorts, now: datetime
) -> RollbackResult:
    """Carry out a decision: take the lock and restore (the fast path, then the Rollback execution), or record it."""
    trigger, me, endpoint = attempt.trigger, attempt.me, config.endpoint_name
    target_config = decision.target.endpoint_config_name if decision.target else None
    if decision.action is Action.RESTORE and target_config:
        if ports.store.acquire_lock(endpoint, me, now, config.lock_ttl_seconds):
            return _restore(decision, target_config, trigger, me=me, config=config, ports=ports)
        lock = ports.store.read_lock(endpoint)
        holder = lock.deployment_id if lock is not None else "another rollout"
        if lock is not None:
            judged = _judge_holder(lock.deployment_id, config, ports)
            if judged.verdict is HolderVerdict.TAKE_OVER:
                if ports.store.take_over_lock(endpoint, holder, me, now, config.lock_ttl_seconds):
                    return _restore(decision, target_config, trigger, me=me, config=config, ports=ports, note=judged)
                raise RollbackDeferredError(
                    f"the lock of {endpoint} changed hands while {me} took it over from {holder}"
                )
            if judged.verdict is HolderVerdict.WAIT and attempt.defers:
                _defer(decision, trigger, judged.reason, attempt.own, me=me, config=config, ports=ports, now=now)
            if judged.verdict is HolderVerdict.WAIT:
                decision = Decision(Action.RECORD, judged.reason, decision.live)
        if decision.action is Action.RESTORE:
            decision = decide(Facts(trigger, endpoint, attempt.history, holder))
    return _record(decision, trigger, me=me, config=config, ports=ports, now=now, own=attempt.own)


def _judge_holder(holder: str, config: RollbackConfig, ports: RollbackPorts) -> HolderJudgement:
    """How the lock's holder is: its execution's status (DescribeExecution) and the endpoint's (DescribeEndpoint)."""
    status = ports.workflows.execution_status(execution_arn(config.machine_of(holder), holder))
    endpoint = ports.endpoints.describe_endpoint(config.endpoint_name) if status == "RUNNING" else None
    return judge_holder(status, endpoint.status if endpoint else None, holder)


def _defer(
    decision: Decision,
    trigger: Trigger,
    why: str,
    own: DeploymentRecord | None,
    *,
    me: str,
    config: RollbackConfig,
    ports: RollbackPorts,
    now: datetime,
) -> NoReturn:
    """Count this attempt and raise, so that Lambda retries the alarm; after the last one, record it ``FAILED``,
    notify, and raise once more: Lambda then puts the event in the function's dead-letter queue (for replay)."""
    attempts = ((own.alarm_attempts or 0) if own is not None else 0) + 1
    key = _own_key(own, config.endpoint_name, trigger.at or now, me)
    fields = recorded_decision(decision, trigger, now).merged(
        DeploymentFields(alarm_attempts=attempts, waiting_for=why)
    )
    if attempts < config.alarm_attempts:
        waiting = DeploymentFields(outcome=Outcome.IN_PROGRESS.value, decision="WAIT")
        ports.store.save_deployment(key, fields.merged(waiting))
        raise RollbackDeferredError(f"{why} (attempt {attempts} of {config.alarm_attempts})")
    reason = (
        f"{trigger.reason}; not restored: {why}, still after {attempts} attempts; the alarm event is in the "
        "Rollback function's dead-letter queue (replay it once the lock is free)"
    )
    ports.store.save_deployment(key, fields.merged(DeploymentFields(outcome=Outcome.FAILED.value, reason=reason)))
    note = notification(
        config.endpoint_name, decision_summary(decision, me), trigger, Conclusion(Outcome.FAILED.value, reason)
    )
    if note is not None:
        ports.notifier.publish(*note)
    raise RollbackDeferredError(reason)


def _restore(
    decision: Decision,
    target_config: str,
    trigger: Trigger,
    *,
    me: str,
    config: RollbackConfig,
    ports: RollbackPorts,
    note: HolderJudgement | None = None,
) -> RollbackResult:
    target, live = decision.target, decision.live
    recreate = False
    try:
        ports.endpoints.update_endpoint(config.endpoint_name, target_config, _RESTORE_CONFIG)
        fast_path = f"UpdateEndpoint to {target_config} requested"
    except RequestRejectedError as exc:
        fast_path = f"UpdateEndpoint refused ({exc.code}: {exc.message}); the rollback execution takes over"
        recreate = not ports.endpoints.endpoint_variants(target_config)  # refused because the config is gone?
    plan = plan_rollback(
        decision, trigger, rollback_id=me, endpoint_name=config.endpoint_name, recreate=recreate, fast_path=fast_path
    )
    started = ports.workflows.start(config.rollback_state_machine_arn, me, RollbackInput(plan=plan).as_input())
    details = {
        "action": decision.action.value,
        "rollback_id": me,
        "from_version": live.model_package_version if live else None,
        "to_version": target.model_package_version if target else None,
        "fast_path": fast_path,
        "execution_arn": started.execution_arn,
        "already_started": started.already_started,
    }
    if note is not None:
        details["lock"] = note.reason
    return RollbackResult("ok", decision.reason, details)


def _own_key(own: DeploymentRecord | None, endpoint_name: str, at: datetime, me: str) -> DeploymentKey:
    """The key of the trigger's record at ``at``: where a previous try wrote it (in whichever spelling), else new."""
    if own is not None and own.started == at:
        return DeploymentKey.of_record(endpoint_name, own.started_at, me)
    return DeploymentKey(endpoint_name, at, me)


def _record(
    decision: Decision,
    trigger: Trigger,
    *,
    me: str,
    config: RollbackConfig,
    ports: RollbackPorts,
    now: datetime,
    own: DeploymentRecord | None = None,
) -> RollbackResult:
    key = _own_key(own, config.endpoint_name, trigger.at or now, me)
    ports.store.save_deployment(key, recorded_decision(decision, trigger, now))
    end = Conclusion(Outcome.SKIPPED.value, decision.reason)
    note = notification(config.endpoint_name, decision_summary(decision, me), trigger, end)
    if note is not None:
        ports.notifier.publish(*note)
    return RollbackResult("ok", decision.reason, {"action": decision.action.value, "rollback_id": me})


_RESTORE_CONFIG = deployment_config(RESTORE_POLICY)
