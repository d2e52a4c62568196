"""A rollback as a Deploy execution: its own preflight, lock and finish; the deployment's other steps unchanged.

Why a fast path *in the Deploy state machine* rather than a rollback machine of its own: restoring a model is a
deployment of a known-good endpoint config with another traffic policy (all at once, no canary). The Deploy machine
already holds the endpoint's lock, creates a missing model or config from a package (Prepare), updates the endpoint
(Deploy), waits for it event-driven with a slow fallback (WaitForEndpoint), and checks that DescribeEndpoint serves
the new config (Verify). A rollback reuses those four steps as they are, so it gets the same idempotency, timeouts,
error handling and notifications, and the definition stays one (``statemachines/deploy.asl.json`` is unchanged:
the execution input says ``request.mode == "rollback"`` and :class:`~mlops_core.services.deploy.DeployTasks` hands
the three steps that differ to :class:`RollbackSteps`):

- **preflight** decides from the ledger (:func:`mlops_core.domain.rollback.decide`) and plans the restore of the
  last known-good deployment: its endpoint config if it still exists, else a model and config recreated from its
  package (:func:`mlops_core.domain.rollback_plan.restore_plan`); records the rollback ``IN_PROGRESS``;
- **acquire_lock** takes the endpoint's lock, or skips (``SKIPPED``) when the decision was to record only, when
  another rollout holds the lock (its guardrails own that window) or when the endpoint is gone; it waits (bounded)
  while someone outside this system updates the endpoint;
- **finish** records the outcome; once the known-good model serves again it marks the bad deployment
  ``ROLLED_BACK``, rejects its package when an alarm triggered the rollback (a rejection already did), releases the
  lock and notifies (alarm, metric, threshold, from/to versions). A restore that did not take is ``FAILED``.

The other steps see the request with ``model_package_arn`` set to the package being restored (their tags and the
model they create come from it). When the RollbackFunction already asked for the update (the hot path), Deploy finds
the endpoint updating to the planned config and does not ask again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mlops_core.adapters.deployments import DeploymentKey, DeploymentStore
from mlops_core.adapters.endpoints import EndpointGateway
from mlops_core.adapters.notifications import Notifier
from mlops_core.domain import deployment as plan_rules
from mlops_core.domain.deployment import (
    IN_PROGRESS_STATUSES,
    Fleet,
    LockWaitExceededError,
    Outcome,
    PreflightFailedError,
    Timing,
    iso,
    parse_iso,
)
from mlops_core.domain.rollback import Action, Facts, decide, history_of
from mlops_core.domain.rollback_plan import (
    notification,
    restore_plan,
    rollback_conclusion,
    rollback_record,
    rolled_back_fields,
)
from mlops_core.domain.rollback_triggers import Trigger, TriggerKind
from mlops_core.settings.deploy import DeploySettings

Step = Callable[[Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class RollbackStepPorts:
    """The adapters a rollback's own steps talk to."""

    endpoints: EndpointGateway
    store: DeploymentStore
    notifier: Notifier


class RollbackSteps:
    """Runs one step of a rollback execution: its own preflight, lock and finish, the deployment's other steps."""

    def __init__(
        self,
        settings: DeploySettings,
        ports: RollbackStepPorts,
        clock: Callable[[], datetime],
        fleet: Fleet,
        shared: Mapping[str, Step],
    ) -> None:
        self._settings = settings
        self._ports = ports
        self._now = clock
        self._fleet = fleet
        self._shared = shared
        self._own: dict[str, Step] = {
            "preflight": self.preflight,
            "acquire_lock": self.acquire_lock,
            "finish": self.finish,
        }

    def run(self, step: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Run ``step``: a rollback's own, or the deployment's with the request naming the restored package."""
        own = self._own.get(step)
        if own is not None:
            return own(payload)
        request = {**payload["request"], "model_package_arn": payload["plan"]["model_package_arn"]}
        return self._shared[step]({**payload, "request": request})

    # -- helpers --------------------------------------------------------------------------------------------

    @staticmethod
    def _key(endpoint_name: str, execution: Mapping[str, Any]) -> DeploymentKey:
        return DeploymentKey(endpoint_name, parse_iso(execution["start_time"]), execution["name"])

    def _holder(self, endpoint_name: str, me: str, now: datetime) -> str | None:
        lock = self._ports.store.read_lock(endpoint_name)
        if lock is None or lock.deployment_id == me or lock.expires_at <= int(now.timestamp()):
            return None
        return lock.deployment_id

    def _config_exists(self, name: str | None) -> bool:
        return bool(name) and bool(self._ports.endpoints.endpoint_variants(str(name)))

    # -- steps ----------------------------------------------------------------------------------------------

    def preflight(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Decide from the ledger, plan the restore (or record only), and record the rollback."""
        request, execution, now = payload["request"], payload["execution"], self._now()
        endpoint, me = request["endpoint_name"], execution["name"]
        if endpoint != self._settings.endpoint_name:
            raise PreflightFailedError(f"this stack rolls back {self._settings.endpoint_name}, not {endpoint}")
        trigger = Trigger.from_dict(request["trigger"])
        records = self._ports.store.deployments(endpoint)
        history = tuple(item for item in history_of(records) if item.deployment_id != me)
        decision = decide(Facts(trigger, endpoint, history, self._holder(endpoint, me, now)))
        target = decision.target
        reuse = decision.action is Action.RESTORE and target is not None
        reuse = reuse and self._config_exists(target.endpoint_config_name if target else None)
        plan = restore_plan(self._settings.stack_name, decision, self._fleet, me, reuse_config=reuse)
        record = rollback_record(plan, trigger, execution["id"])
        self._ports.store.save_deployment(self._key(endpoint, execution), record)
        return plan

    def acquire_lock(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Take the lock to restore (``acquired``); ``skip`` when there is nothing to do or another rollout holds
        it; ``busy`` (bounded) while the endpoint is changing outside this system."""
        request, plan, timing = payload["request"], payload["plan"], Timing.from_dict(payload["timing"])
        attempt = int(payload.get("lock", {}).get("attempt", 0)) + 1
        endpoint_name, me, now = request["endpoint_name"], payload["execution"]["name"], self._now()
        if plan["decision"] != Action.RESTORE.value:
            return {"decision": "skip", "outcome": Outcome.SKIPPED.value, "reason": plan["reason"], "attempt": attempt}
        store = self._ports.store
        if not store.acquire_lock(endpoint_name, me, now, self._settings.deploy_lock_ttl_seconds):
            holder = self._holder(endpoint_name, me, now) or "another rollout"
            reason = f"{holder} holds {endpoint_name}: a rollout is in progress and its guardrails own it"
            return {"decision": "skip", "outcome": Outcome.SKIPPED.value, "reason": reason, "attempt": attempt}
        endpoint = self._ports.endpoints.describe_endpoint(endpoint_name)
        if endpoint is None:
            store.release_lock(endpoint_name, me)
            reason = f"endpoint {endpoint_name} no longer exists; there is nothing to roll back"
            return {"decision": "skip", "outcome": Outcome.SKIPPED.value, "reason": reason, "attempt": attempt}
        ours = plan["endpoint_config_name"] in (endpoint.pending_config_name, endpoint.config_name)
        if endpoint.status in IN_PROGRESS_STATUSES and not ours:
            store.release_lock(endpoint_name, me)
            reason = f"endpoint is {endpoint.status} (not by this system)"
            if attempt >= timing.lock_max_attempts:
                raise LockWaitExceededError(f"{reason}; gave up after {attempt} attempts")
            return {"decision": "busy", "reason": reason, "attempt": attempt}
        store.save_deployment(self._key(endpoint_name, payload["execution"]), {"lock_acquired_at": iso(now)})
        return {"decision": "acquired", "attempt": attempt, "acquired_at": iso(now)}

    def finish(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Record the outcome; once restored, mark the bad deployment and reject its package; unlock; notify."""
        state, execution, now = payload["state"], payload["execution"], self._now()
        request, plan = state["request"], state.get("plan") or {}
        endpoint, me = request["endpoint_name"], execution["name"]
        trigger = Trigger.from_dict(request["trigger"])
        end = rollback_conclusion(state)
        durations = plan_rules.durations(execution["start_time"], state, now)
        fields = {"outcome": end.outcome, "reason": end.reason, "finished_at": iso(now), "durations": durations}
        store = self._ports.store
        store.save_deployment(self._key(endpoint, execution), fields)
        if end.outcome == Outcome.SUCCEEDED.value and plan.get("decision") == Action.RESTORE.value:
            self._mark_rolled_back(endpoint, plan["from"], trigger, me, now)
        store.release_lock(endpoint, me)
        note = notification(endpoint, plan, trigger, end, execution=execution, durations=durations)
        if note is not None:
            self._ports.notifier.publish(*note)
        return {"outcome": end.outcome, "reason": end.reason, "deployment_id": me}

    def _mark_rolled_back(
        self, endpoint: str, bad: Mapping[str, Any], trigger: Trigger, me: str, now: datetime
    ) -> None:
        fields = rolled_back_fields(trigger, me, now)
        key = DeploymentKey(endpoint, datetime.fromisoformat(bad["started_at"]), bad["deployment_id"])
        self._ports.store.save_deployment(key, fields)
        package = bad.get("model_package_arn")
        if trigger.kind is TriggerKind.ALARM and package:
            self._ports.endpoints.reject_package(package, fields["reason"])
