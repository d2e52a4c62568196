"""The Deploy state machine's Lambda tasks, one method per step.

The state machine (``statemachines/deploy.asl.json``) names the step in every task's payload (``"step"``) and
:meth:`DeployTasks.run` runs it; nothing is guessed from the payload's shape. Every step is idempotent: a retried
step converges on the same resources and records. Steps raise errors whose class names the ASL ``Catch``es
(:class:`~mlops_core.deploy.deployment.PreflightFailedError` ...); every failure path ends in :meth:`finish`, which
records the outcome, releases the endpoint lock and notifies.

Payload: :class:`~mlops_core.deploy.contract.state.DeployTask`, ``{"step", "state"}`` (and ``task_token`` for
``register_wait``): the whole state (:class:`~mlops_core.deploy.contract.state.DeployState`), that is the
execution input (``request``, what the Approval function starts the execution with), the execution
(``Initialise`` copies it once) and each earlier task's result. Each step returns its own result model. The waits
are this function's own settings (:class:`~mlops_core.deploy.settings.DeploySettings`), never the input's: a busy
AcquireLock returns the seconds ``WaitForLock`` waits (``retry_after_seconds``) and counts the attempts itself.

The tasks deploy and nothing else: a rollback runs in a state machine of its own (``statemachines/rollback.asl.json``,
:mod:`mlops_core.rollback`). The wait and the verdict live in :mod:`mlops_core.deploy.rollout`, the resume on
endpoint events in :mod:`mlops_core.deploy.endpoint_events`.
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
from mlops_core.deploy import fleet_alarm_rules as fleets
from mlops_core.deploy import waits
from mlops_core.deploy.contract.input import DeployRequest
from mlops_core.deploy.contract.state import (
    DeployFinish,
    DeployLock,
    DeployPlan,
    DeployState,
    DeployTask,
    Prepared,
    Rollout,
)
from mlops_core.deploy.deployment import (
    IN_PROGRESS_STATUSES,
    Capacity,
    CapacityUnit,
    DeploymentError,
    Fleet,
    LockWaitExceededError,
    Outcome,
    PreflightFailedError,
    RolloutPolicy,
    Strategy,
)
from mlops_core.deploy.endpoints import AlarmReader, AlarmsUnreadableError, EndpointGateway
from mlops_core.deploy.fleet_alarms import FleetAlarms
from mlops_core.deploy.ledger_items import DeploymentFields
from mlops_core.deploy.model_artifacts import ModelArtifacts
from mlops_core.deploy.preflight import EndpointView, PreflightFacts, preflight_reasons
from mlops_core.deploy.rollout import RolloutSteps
from mlops_core.deploy.settings import DeploySettings
from mlops_core.deploy.store import DeploymentKey, DeploymentStore
from mlops_core.errors import MlopsError
from mlops_core.task_handler import dispatch
from mlops_core.timefmt import parse_stamp, stamp

__all__ = ["DeployPorts", "DeployTasks", "UnknownStepError", "fleet_of", "policy_of"]


class UnknownStepError(DeploymentError):
    """The payload names a step this function does not run (a state machine / function version mismatch)."""


@dataclass(frozen=True)
class DeployPorts:
    """The adapters the tasks talk to."""

    endpoints: EndpointGateway
    alarms: AlarmReader
    store: DeploymentStore
    workflows: Workflows
    notifier: Notifier
    fleet_alarms: FleetAlarms
    artifacts: ModelArtifacts


def fleet_of(settings: DeploySettings) -> Fleet:
    """The fleet every endpoint config declares."""
    return Fleet(settings.deploy_variant_name, settings.deploy_instance_type, settings.deploy_instance_count)


def policy_of(settings: DeploySettings) -> RolloutPolicy:
    """The blue/green rollout policy of the endpoint."""
    return RolloutPolicy(
        strategy=Strategy(settings.deploy_strategy),
        step=Capacity(CapacityUnit(settings.deploy_step_size_type), settings.deploy_step_size_value),
        wait_interval_seconds=settings.deploy_wait_interval_seconds,
        termination_wait_seconds=settings.deploy_termination_wait_seconds,
        max_execution_timeout_seconds=settings.deploy_max_execution_timeout_seconds,
        alarm_names=settings.endpoint_alarm_names,
    )


class DeployTasks:
    """Runs one step of a Deploy execution."""

    def __init__(self, settings: DeploySettings, ports: DeployPorts, clock: Callable[[], datetime]) -> None:
        self._settings = settings
        self._ports = ports
        self._now = clock
        self._rollout = RolloutSteps(settings, ports, clock, key=self._key, tags=self._tags)
        self._steps: dict[str, Callable[[DeployTask], BaseModel]] = {
            "preflight": self.preflight,
            "acquire_lock": self.acquire_lock,
            "prepare": self.prepare,
            "deploy": self.deploy,
            "register_wait": self._rollout.register_wait,
            "verify": self._rollout.verify,
            "finish": self.finish,
        }

    def run(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Run the step the payload names; return its result as the state machine stores it."""
        return dispatch(self._steps, payload, DeployTask, UnknownStepError)

    # -- helpers --------------------------------------------------------------------------------------------

    @staticmethod
    def _key(state: DeployState) -> DeploymentKey:
        """The execution's record (Preflight created it, perhaps under the previous version's spelling)."""
        execution = state.execution
        return DeploymentKey.of_execution(
            state.request.endpoint_name, parse_stamp(execution.start_time), execution.name
        )

    def _tags(self, state: DeployState) -> dict[str, str]:
        return {
            "mlops:stack": self._settings.stack_name,
            "mlops:model-package-arn": state.request.model_package_arn,
            "mlops:deployment-id": state.execution.name,
        }

    @staticmethod
    def _plan(state: DeployState) -> DeployPlan:
        if state.plan is None:
            raise DeploymentError("the state has no plan: Preflight did not run")
        return state.plan

    def _serves(self, endpoint_name: str, model_name: str) -> tuple[EndpointView | None, bool]:
        endpoint = self._ports.endpoints.describe_endpoint(endpoint_name)
        if endpoint is None or not endpoint.config_name:
            return endpoint, False
        variants = self._ports.endpoints.endpoint_variants(endpoint.config_name)
        return endpoint, any(variant.model_name == model_name for variant in variants)

    # -- steps ----------------------------------------------------------------------------------------------

    def preflight(self, task: DeployTask) -> DeployPlan:
        """Plan the deployment, record it, and refuse (with every reason) if anything would make it unsafe."""
        state, settings = task.state, self._settings
        request = state.request
        arn, version = request.model_package_arn, request.model_package_version
        fleet, policy = fleet_of(settings), policy_of(settings)
        endpoints = self._ports.endpoints
        package = endpoints.describe_package(arn)
        endpoint = endpoints.describe_endpoint(request.endpoint_name)
        live = endpoints.endpoint_variants(endpoint.config_name) if endpoint and endpoint.config_name else ()
        alarms, alarm_error = None, None
        try:
            alarms = self._ports.alarms.describe(policy.alarm_names)
        except AlarmsUnreadableError as exc:
            alarm_error = str(exc)
        model_data = package.model_data() if package and package.approval_status == "Approved" else ()
        problems = tuple(p for uri, prefix in model_data if (p := self._ports.artifacts.problem(uri, prefix=prefix)))
        plan = plan_rules.plan_deployment(settings.stack_name, arn, version, fleet, policy)
        record = plan_rules.deployment_record(plan, request.as_json(), state.execution.id)
        record["trigger_chain"]["pipeline_execution_arn"] = package.generated_by if package else None
        record["trigger_chain"]["lineage"] = dict(package.customer_metadata) if package else {}
        fields = DeploymentFields.model_validate(record)
        self._ports.store.save_deployment(replace(self._key(state), may_be_legacy=False), fields)  # the first step
        reasons = []
        if request.endpoint_name != settings.endpoint_name:
            reasons.append(f"this stack deploys to {settings.endpoint_name}, not {request.endpoint_name}")
        reasons += preflight_reasons(
            PreflightFacts(
                package_arn=arn,
                package_group=request.model_package_group_name,
                package_version=version,
                package=package,
                endpoint=endpoint,
                live_variants=live,
                fleet=fleet,
                policy=policy,
                alarms=alarms,
                alarm_error=alarm_error,
                model_data_problems=problems,
            )
        )
        if reasons:
            raise PreflightFailedError("; ".join(reasons))
        return DeployPlan.model_validate(plan)

    def acquire_lock(self, task: DeployTask) -> DeployLock:
        """Take the endpoint's lock (``acquired``), wait for it (``busy``), or ``skip`` this version.

        Skipped: the package is no longer approved, a newer version is approved (the newest wins: SUPERSEDED), or
        the endpoint already serves it (``duplicate``: a copy of the approval deployed it). Busy: another deployment
        holds the lock, or the endpoint is changing: ``WaitForLock`` waits ``DEPLOY_LOCK_RETRY_SECONDS``, and the
        attempt numbered ``DEPLOY_LOCK_MAX_ATTEMPTS`` fails the deployment instead (:class:`LockWaitExceededError`).
        """
        state, settings = task.state, self._settings
        request, plan = state.request, self._plan(state)
        attempt = state.lock.attempt + 1
        me, now = state.execution.name, self._now()
        decision = self._no_longer_wanted(request) or self._take_lock(request.endpoint_name, me, plan, now)
        if decision is None:
            self._ports.store.save_deployment(self._key(state), DeploymentFields(lock_acquired_at=stamp(now)))
            return DeployLock(decision="acquired", attempt=attempt, acquired_at=stamp(now))
        if decision["decision"] != "busy":
            return DeployLock.model_validate(decision | {"attempt": attempt})
        if attempt >= settings.deploy_lock_max_attempts:
            raise LockWaitExceededError(f"{decision['reason']}; gave up after {attempt} attempts")
        return DeployLock.model_validate(
            decision | {"attempt": attempt, "retry_after_seconds": settings.deploy_lock_retry_seconds}
        )

    def _no_longer_wanted(self, request: DeployRequest) -> dict[str, Any] | None:
        package = self._ports.endpoints.describe_package(request.model_package_arn)
        if package is None or package.approval_status != "Approved":
            status = package.approval_status if package else "deleted"
            return {"decision": "skip", "outcome": Outcome.SKIPPED.value, "reason": f"model package is now {status}"}
        group, version = request.model_package_group_name, request.model_package_version
        latest = self._ports.endpoints.latest_approved_version(group)
        if latest is not None and latest > version:
            reason = f"version {latest} of {group} is approved and newer than {version}"
            return {"decision": "skip", "outcome": Outcome.SUPERSEDED.value, "reason": reason}
        return None

    def _take_lock(self, endpoint_name: str, me: str, plan: DeployPlan, now: datetime) -> dict[str, Any] | None:
        store = self._ports.store
        if not store.acquire_lock(endpoint_name, me, now, self._settings.deploy_lock_ttl_seconds):
            holder = store.read_lock(endpoint_name)
            reason = f"endpoint locked by deployment {holder.deployment_id if holder else '(just released)'}"
            return {"decision": "busy", "reason": reason}
        endpoint, live = self._serves(endpoint_name, plan.model_name)
        if live:
            store.release_lock(endpoint_name, me)
            return {"decision": "skip", "outcome": Outcome.SKIPPED.value, "reason": "already live", "duplicate": True}
        if endpoint is not None and endpoint.status in IN_PROGRESS_STATUSES:
            store.release_lock(endpoint_name, me)
            return {"decision": "busy", "reason": f"endpoint is {endpoint.status} (not by this system)"}
        return None

    def prepare(self, task: DeployTask) -> Prepared:
        """Create the model from the package and the endpoint config (no-ops when a retry finds them)."""
        plan, tags = self._plan(task.state), self._tags(task.state)
        model_created = self._ports.endpoints.ensure_model(
            plan.model_name,
            task.state.request.model_package_arn,
            self._settings.sagemaker_execution_role_arn,
            tags,
        )
        config_created = self._ports.endpoints.ensure_endpoint_config(plan.endpoint_config_name, plan.variant, tags)
        return Prepared(model_created=model_created, endpoint_config_created=config_created)

    def deploy(self, task: DeployTask) -> Rollout:
        """Create the endpoint (first deployment) or start the blue/green update with auto-rollback.

        The result carries the wait's fallback timeout (``wait_timeout_seconds``, ``WaitForEndpoint``'s
        ``TimeoutSecondsPath``), derived from the ``DeploymentConfig``'s own timeouts: one wait covers any bake.
        """
        state, now = task.state, self._now()
        plan, name = self._plan(state), state.request.endpoint_name
        target = plan.endpoint_config_name
        endpoint = self._ports.endpoints.describe_endpoint(name)
        copies: tuple[str, ...] = ()
        if endpoint is None:
            self._ports.endpoints.create_endpoint(name, target, self._tags(state))
            mode = "create"
        elif target in (endpoint.config_name, endpoint.pending_config_name):
            mode = "already_requested"
        else:
            copies = self._ports.fleet_alarms.put_copies(tuple(plan.alarm_names), target)
            self._ports.endpoints.update_endpoint(name, target, fleets.watching(plan.deployment_config, copies))
            mode = "update"
        if mode == "already_requested":  # a retry: the copies exist (deterministic names); rewriting them is a no-op
            copies = self._ports.fleet_alarms.put_copies(tuple(plan.alarm_names), target)
        previous = endpoint.config_name if endpoint else None
        fields = DeploymentFields(
            rollout_mode=mode,
            rollout_started_at=stamp(now),
            previous_endpoint_config_name=previous,
            new_fleet_alarms=list(copies),
        )
        self._ports.store.save_deployment(self._key(state), fields)
        return Rollout(
            mode=mode,
            started_at=stamp(now),
            previous_endpoint_config_name=previous,
            new_fleet_alarms=list(copies),
            wait_timeout_seconds=waits.fallback_wait_seconds(plan.deployment_config),
        )

    def finish(self, task: DeployTask) -> DeployFinish:
        """Record the outcome and timings, release the lock, notify. Every path of the state machine ends here.

        A run skipped because its package was already live when its turn came is a duplicate (another copy of the
        same approval deployed it, and that run notifies): it is recorded, not announced.
        """
        typed, now = task.state, self._now()
        execution, state = typed.execution.as_json(), typed.model_dump(mode="json", exclude_none=True)
        end = plan_rules.conclusion(state)
        durations = plan_rules.durations(typed.execution.start_time, state, now)
        fields = DeploymentFields(
            outcome=end.outcome, reason=end.reason, alarm=end.alarm, finished_at=stamp(now), durations=durations
        )
        self._ports.store.save_deployment(self._key(typed), fields)
        self._ports.store.release_lock(typed.request.endpoint_name, typed.execution.name)
        if not plan_rules.is_duplicate(state):
            subject, message = plan_rules.notification(state, execution, end, durations)
            self._ports.notifier.publish(subject, message)
        copies = tuple(typed.rollout.new_fleet_alarms) if typed.rollout else ()
        cleanup = None
        try:  # the copies have no actions: one left behind costs an alarm's price, never a wrong decision
            self._ports.fleet_alarms.delete(copies)
        except MlopsError as exc:
            cleanup = f"the new fleet's alarm copies {list(copies)} were not deleted: {exc}"
        return DeployFinish(
            outcome=end.outcome, reason=end.reason, deployment_id=typed.execution.name, alarm_cleanup=cleanup
        )
