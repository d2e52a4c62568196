"""The Rollback state machine's Lambda tasks, one method per step; none of them decides whether to roll back.

The plan (:class:`~mlops_core.rollback.contract.input.RestorePlan`) was made by the function that received the trigger;
these steps carry it out. Each reads the whole state (:class:`~mlops_core.rollback.contract.state.RollbackState`) and
returns its own result model; each is idempotent (a retried step converges on the same resources and records).

- ``take_lock`` records the rollback ``IN_PROGRESS`` and takes the endpoint's lock: ``acquired`` (the hot path may
  already hold it under the same id), ``skip`` when another rollout holds it (its guardrails own that window) or the
  endpoint is gone, ``busy`` (bounded, ``WaitForTurn``) while someone outside this system updates the endpoint;
- ``recreate`` (the known-good config is gone) creates the model and config again from the known-good package;
- ``restore`` asks for the known-good config, all traffic at once (no canary, no auto-rollback alarms), unless the
  endpoint is already updating to it (the hot path asked);
- ``register_wait`` and ``verify`` wait for the endpoint (event-driven, slow fallback) and check it serves the config;
- ``finish`` records the outcome; once restored, marks the bad deployment ``ROLLED_BACK`` and rejects its package when
  an alarm or an operator triggered the rollback (a rejection already did); releases the lock and notifies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from mlops_core.aws.notifications import Notifier
from mlops_core.aws.workflows import Workflows
from mlops_core.deploy import deployment as plan_rules
from mlops_core.deploy import preflight as checks
from mlops_core.deploy import waits
from mlops_core.deploy.deployment import (
    IN_PROGRESS_STATUSES,
    Conclusion,
    DeploymentError,
    Fleet,
    LockWaitExceededError,
    Outcome,
    deployment_config,
    production_variant,
)
from mlops_core.deploy.endpoint_wait import EndpointWait, park, still_changing, wait_rounds
from mlops_core.deploy.endpoints import EndpointGateway
from mlops_core.deploy.ledger_items import DeploymentFields
from mlops_core.deploy.restore import RESTORE_POLICY
from mlops_core.deploy.store import DeploymentKey, DeploymentStore
from mlops_core.rollback.contract.input import RestorePlan
from mlops_core.rollback.contract.state import (
    FinishResult,
    LockResult,
    Recreated,
    RestoreResult,
    RollbackState,
    RollbackTask,
    WaitResult,
)
from mlops_core.rollback.decision import Action
from mlops_core.rollback.plan import restore_names, restore_record
from mlops_core.rollback.records import notification, rollback_conclusion, rolled_back_fields
from mlops_core.rollback.settings import RollbackTasksSettings
from mlops_core.rollback.triggers import TriggerKind
from mlops_core.task_handler import dispatch
from mlops_core.timefmt import parse_stamp, stamp

__all__ = ["RollbackTaskPorts", "RollbackTasks", "UnknownRollbackStepError"]

_RESTORE_CONFIG = deployment_config(RESTORE_POLICY)
#: The triggers whose restore rejects the replaced package with their reason (a rejection has rejected it already).
_REJECTS_THE_PACKAGE = frozenset({TriggerKind.ALARM, TriggerKind.OPERATOR})


class UnknownRollbackStepError(DeploymentError):
    """The payload names a step this function does not run (a state machine / function version mismatch)."""


@dataclass(frozen=True)
class RollbackTaskPorts:
    """The adapters the Rollback tasks talk to."""

    endpoints: EndpointGateway
    store: DeploymentStore
    workflows: Workflows
    notifier: Notifier


class RollbackTasks:
    """Runs one step of a Rollback execution."""

    def __init__(
        self, settings: RollbackTasksSettings, ports: RollbackTaskPorts, clock: Callable[[], datetime]
    ) -> None:
        self._settings = settings
        self._ports = ports
        self._now = clock
        self._fleet = Fleet(settings.deploy_variant_name, settings.deploy_instance_type, settings.deploy_instance_count)
        self._steps: dict[str, Callable[[RollbackTask], BaseModel]] = {
            "take_lock": self.take_lock,
            "recreate": self.recreate,
            "restore": self.restore,
            "register_wait": self.register_wait,
            "verify": self.verify,
            "finish": self.finish,
        }

    def run(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Run the step the payload names; return its result as the state machine stores it."""
        return dispatch(self._steps, payload, RollbackTask, UnknownRollbackStepError)

    # -- helpers --------------------------------------------------------------------------------------------

    @staticmethod
    def _key(state: RollbackState) -> DeploymentKey:
        """The execution's record (created by the first TakeLock, perhaps under the previous version's spelling)."""
        execution = state.execution
        key = DeploymentKey.of_execution(state.plan.endpoint_name, parse_stamp(execution.start_time), execution.name)
        return key if state.lock is not None else replace(key, may_be_legacy=False)

    def _names(self, plan: RestorePlan) -> tuple[str, str]:
        return restore_names(self._settings.stack_name, plan, self._fleet)

    def _tags(self, state: RollbackState) -> dict[str, str]:
        target = state.plan.target
        return {
            "mlops:stack": self._settings.stack_name,
            "mlops:model-package-arn": (target.model_package_arn if target else None) or "",
            "mlops:deployment-id": state.execution.name,
        }

    def _holder(self, endpoint_name: str, me: str, now: datetime) -> str | None:
        lock = self._ports.store.read_lock(endpoint_name)
        if lock is None or lock.deployment_id == me or lock.expires_at <= int(now.timestamp()):
            return None
        return lock.deployment_id

    # -- steps ----------------------------------------------------------------------------------------------

    def take_lock(self, task: RollbackTask) -> LockResult:
        """Record the rollback and take the endpoint's lock (``acquired``), ``skip``, or wait our turn (``busy``)."""
        state, settings, now = task.state, self._settings, self._now()
        plan, me, store = state.plan, state.execution.name, self._ports.store
        attempt = (state.lock.attempt if state.lock else 0) + 1
        names = self._names(plan)
        store.save_deployment(self._key(state), restore_record(plan, names, state.execution.id))
        endpoint_name = plan.endpoint_name
        if not store.acquire_lock(endpoint_name, me, now, settings.deploy_lock_ttl_seconds):
            holder = self._holder(endpoint_name, me, now) or "another rollout"
            reason = f"{holder} holds {endpoint_name}: a rollout is in progress and its guardrails own it"
            return LockResult(decision="skip", outcome=Outcome.SKIPPED.value, reason=reason, attempt=attempt)
        endpoint = self._ports.endpoints.describe_endpoint(endpoint_name)
        if endpoint is None:
            store.release_lock(endpoint_name, me)
            reason = f"endpoint {endpoint_name} no longer exists; there is nothing to roll back"
            return LockResult(decision="skip", outcome=Outcome.SKIPPED.value, reason=reason, attempt=attempt)
        if endpoint.status in IN_PROGRESS_STATUSES and names[1] not in (
            endpoint.pending_config_name,
            endpoint.config_name,
        ):
            store.release_lock(endpoint_name, me)
            reason = f"endpoint is {endpoint.status} (not by this system)"
            if attempt >= settings.deploy_lock_max_attempts:
                raise LockWaitExceededError(f"{reason}; gave up after {attempt} attempts")
            retry = settings.deploy_lock_retry_seconds
            return LockResult(decision="busy", reason=reason, attempt=attempt, retry_after_seconds=retry)
        store.save_deployment(self._key(state), DeploymentFields(lock_acquired_at=stamp(now)))
        return LockResult(decision="acquired", attempt=attempt, acquired_at=stamp(now))

    def recreate(self, task: RollbackTask) -> Recreated:
        """Create the known-good model from its package and its endpoint config, for today's fleet (no-ops on retry)."""
        state = task.state
        target, (model, config) = state.plan.target, self._names(state.plan)
        package = target.model_package_arn if target else None
        if not package:
            raise DeploymentError(f"rollback {state.plan.rollback_id} names no package to recreate {config} from")
        tags, endpoints = self._tags(state), self._ports.endpoints
        model_created = endpoints.ensure_model(model, package, self._settings.sagemaker_execution_role_arn, tags)
        config_created = endpoints.ensure_endpoint_config(config, production_variant(self._fleet, model), tags)
        return Recreated(
            model_name=model,
            endpoint_config_name=config,
            model_created=model_created,
            endpoint_config_created=config_created,
        )

    def restore(self, task: RollbackTask) -> RestoreResult:
        """UpdateEndpoint to the known-good config, all traffic at once; nothing when it is already requested."""
        state, now = task.state, self._now()
        name, (_, config) = state.plan.endpoint_name, self._names(state.plan)
        endpoint = self._ports.endpoints.describe_endpoint(name)
        if endpoint is None:
            raise DeploymentError(f"endpoint {name} no longer exists; there is nothing to restore")
        if config in (endpoint.config_name, endpoint.pending_config_name):
            mode = "already_requested"
        else:
            self._ports.endpoints.update_endpoint(name, config, _RESTORE_CONFIG)
            mode = "update"
        fields = DeploymentFields(
            rollout_mode=mode, rollout_started_at=stamp(now), previous_endpoint_config_name=endpoint.config_name
        )
        self._ports.store.save_deployment(self._key(state), fields)
        return RestoreResult(
            mode=mode,
            started_at=stamp(now),
            previous_endpoint_config_name=endpoint.config_name,
            wait_timeout_seconds=waits.fallback_wait_seconds(_RESTORE_CONFIG),
        )

    def register_wait(self, task: RollbackTask) -> BaseModel:
        """Store the wait's task token on the lock (kept past the fallback wait); resume at once if already settled."""
        state = task.state
        if task.task_token is None or state.restore is None:
            raise DeploymentError("register_wait needs the task token and the Restore step's result")
        ttl = waits.lock_ttl_for_wait(self._settings.deploy_lock_ttl_seconds, state.restore.wait_timeout_seconds)
        wait = EndpointWait(state.plan.endpoint_name, state.execution.name, task.task_token)
        return _Resumed(resumed=park(wait, self._names(state.plan)[1], self._ports, self._now(), ttl))

    def verify(self, task: RollbackTask) -> WaitResult:
        """Judge the restore from DescribeEndpoint: wait again, or finish (SUCCEEDED, or the endpoint's verdict)."""
        state = task.state
        signal = state.signal.model_dump() if state.signal else None
        rounds = wait_rounds(signal, state.wait.rounds if state.wait else 0)
        endpoint = self._ports.endpoints.describe_endpoint(state.plan.endpoint_name)
        verdict = checks.judge_rollout(endpoint, self._names(state.plan)[1])
        if not verdict.settled:
            fallback = state.restore.wait_timeout_seconds if state.restore else 0
            return WaitResult.model_validate(still_changing(verdict, rounds, fallback))
        if verdict.outcome is Outcome.SUCCEEDED and endpoint is not None and endpoint.arn:
            self._ports.endpoints.tag_endpoint(endpoint.arn, self._tags(state))  # the package it serves again
        return WaitResult(next="finish", rounds=rounds, outcome=str(verdict.outcome), reason=verdict.reason)

    def finish(self, task: RollbackTask) -> FinishResult:
        """Record the outcome; once restored, mark the bad deployment and reject its package; unlock; notify."""
        state, now = task.state, self._now()
        plan, execution = state.plan, state.execution
        end = _conclusion(state)
        steps = {
            "lock": state.lock.as_json() if state.lock else {},
            "rollout": state.restore.as_json() if state.restore else {},
        }
        durations = plan_rules.durations(execution.start_time, steps, now)
        fields = DeploymentFields(outcome=end.outcome, reason=end.reason, finished_at=stamp(now), durations=durations)
        if state.lock is None:  # nothing to restore: the record is written here
            fields = restore_record(plan, None, execution.id).merged(fields)
        store = self._ports.store
        store.save_deployment(self._key(state), fields)
        if end.outcome == Outcome.SUCCEEDED.value and plan.decision is Action.RESTORE:
            self._mark_rolled_back(plan, execution.name, now)
        store.release_lock(plan.endpoint_name, execution.name)
        note = notification(
            plan.endpoint_name,
            plan.summary(),
            plan.trigger.trigger(),
            end,
            execution=execution.as_json(),
            durations=durations,
        )
        if note is not None:
            self._ports.notifier.publish(*note)
        return FinishResult(outcome=end.outcome, reason=end.reason, deployment_id=execution.name)

    def _mark_rolled_back(self, plan: RestorePlan, me: str, now: datetime) -> None:
        bad, trigger = plan.live, plan.trigger.trigger()
        if bad is None:
            return
        fields = rolled_back_fields(trigger, me, now)
        self._ports.store.save_deployment(
            DeploymentKey.of_record(plan.endpoint_name, bad.started_at, bad.deployment_id), fields
        )
        if trigger.kind in _REJECTS_THE_PACKAGE and bad.model_package_arn:
            self._ports.endpoints.reject_package(bad.model_package_arn, fields.reason or trigger.reason)


class _Resumed(BaseModel):
    """register_wait: whether the wait was resumed at once (the endpoint had settled before the token was stored)."""

    resumed: bool


def _conclusion(state: RollbackState) -> Conclusion:
    """How the rollback ended: a plan with nothing to restore is ``SKIPPED`` with its reason; else the restore's."""
    if state.plan.decision is not Action.RESTORE and state.error is None:
        return Conclusion(Outcome.SKIPPED.value, state.plan.reason)
    parts = {"error": state.error, "lock": state.lock, "wait": state.wait}
    return rollback_conclusion(
        {key: value.model_dump(mode="json") for key, value in parts.items() if value is not None}
    )
