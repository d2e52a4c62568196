"""The Deploy state machine's steps after the create or update started: the wait and the verdict.

``register_wait`` stores the ``WaitForEndpoint`` task token on the endpoint lock (the endpoint's state-change event
resumes it through :mod:`mlops_core.services.endpoint_events`) and extends the lock to outlive the wait; ``verify``
judges the rollout from ``DescribeEndpoint``. The wait's fallback timeout comes from the update's own SageMaker
timeouts (:mod:`mlops_core.domain.waits`), carried in the ``rollout`` the Deploy step returned, so one wait covers any
bake. Both steps serve deployments and restores (rollback mode) alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from mlops_core.adapters.deployments import DeploymentStore
from mlops_core.adapters.endpoints import AlarmReader, AlarmsUnreadableError, EndpointGateway
from mlops_core.adapters.workflows import Workflows
from mlops_core.config import DeploySettings
from mlops_core.domain import preflight as checks
from mlops_core.domain import waits
from mlops_core.domain.deployment import DeploymentTimeoutError, Outcome, parse_iso
from mlops_core.domain.preflight import EndpointView
from mlops_core.domain.rollback_plan import is_rollback

__all__ = ["RolloutSteps", "fallback_wait_of"]


def fallback_wait_of(payload: Mapping[str, Any]) -> int:
    """The fallback wait of this rollout: the one the Deploy step chose, else the plan's ``DeploymentConfig``'s."""
    rollout = payload.get("rollout") or {}
    if rollout.get("wait_timeout_seconds"):
        return int(rollout["wait_timeout_seconds"])
    return waits.fallback_wait_seconds(payload["plan"].get("deployment_config") or {})


class RolloutSteps:
    """``register_wait`` and ``verify``, and what a verdict leads to (the endpoint's tag, the rolled-back package)."""

    def __init__(
        self,
        settings: DeploySettings,
        ports: tuple[EndpointGateway, AlarmReader, DeploymentStore, Workflows],
        clock: Callable[[], datetime],
        tags: Callable[[Mapping[str, Any]], dict[str, str]],
    ) -> None:
        self._settings = settings
        self._endpoints, self._alarms, self._store, self._workflows = ports
        self._now = clock
        self._tags = tags

    def register_wait(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Store the wait's task token on the lock (kept past the fallback wait); resume at once if already settled."""
        name, token, me = payload["request"]["endpoint_name"], payload["task_token"], payload["execution"]["name"]
        ttl = waits.lock_ttl_for_wait(self._settings.deploy_lock_ttl_seconds, fallback_wait_of(payload))
        self._store.attach_task_token(name, me, token, self._now(), ttl)
        endpoint = self._endpoints.describe_endpoint(name)
        if checks.judge_rollout(endpoint, payload["plan"]["endpoint_config_name"]).settled:
            self._workflows.resume(token, {"source": "register_wait", "status": endpoint.status if endpoint else None})
            self._store.detach_task_token(name, token)
            return {"resumed": True}
        return {"resumed": False}

    def verify(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Judge the rollout from DescribeEndpoint: wait again, or finish with SUCCEEDED/ROLLED_BACK/FAILED."""
        plan, signal = payload["plan"], payload.get("signal")
        timed_out = isinstance(signal, Mapping) and "Error" in signal
        rounds = int(payload.get("wait", {}).get("rounds", 0)) + (1 if timed_out else 0)
        endpoint = self._endpoints.describe_endpoint(payload["request"]["endpoint_name"])
        verdict = checks.judge_rollout(endpoint, plan["endpoint_config_name"])
        if not verdict.settled:
            if rounds >= waits.MAX_WAIT_ROUNDS:
                waited = rounds * fallback_wait_of(payload)
                raise DeploymentTimeoutError(f"{verdict.reason} after {rounds} fallback waits ({waited} s)")
            return {"next": "wait", "rounds": rounds, "reason": verdict.reason}
        if verdict.outcome is Outcome.SUCCEEDED and endpoint is not None:
            self._tag_serving_package(endpoint, payload)
        if verdict.outcome is not Outcome.ROLLED_BACK or is_rollback(payload):
            return {"next": "finish", "rounds": rounds, "outcome": str(verdict.outcome), "reason": verdict.reason}
        try:
            alarms = self._alarms.describe(tuple(plan["alarm_names"]))
        except AlarmsUnreadableError:
            alarms = ()
        started = payload.get("rollout", {}).get("started_at")
        alarm = checks.fired_alarm(alarms, parse_iso(started) if started else None)
        reason = checks.rollback_reason(verdict, alarm)
        self._act_on_rolled_back_package(payload, reason)
        alarm_name = alarm.name if alarm else None
        return {
            "next": "finish",
            "rounds": rounds,
            "outcome": Outcome.ROLLED_BACK.value,
            "reason": reason,
            "alarm": alarm_name,
        }

    def _tag_serving_package(self, endpoint: EndpointView, payload: Mapping[str, Any]) -> None:
        """Tag the endpoint with the package it now serves (``mlops:model-package-arn``).

        UpdateEndpoint takes no tags, so CreateEndpoint's would stay. Tagged once the update is verified, so an update
        SageMaker rolled back leaves the tag of the package that still serves, and a restore (rollback mode, whose
        request names the restored package) tags the restored one. ``EndpointArn`` is a required member of
        DescribeEndpoint's output (SageMaker API Reference), so every real endpoint view has it.
        """
        if endpoint.arn:
            self._endpoints.tag_endpoint(endpoint.arn, self._tags(payload))

    def _act_on_rolled_back_package(self, payload: Mapping[str, Any], reason: str) -> None:
        arn = payload["request"]["model_package_arn"]
        if self._settings.rolled_back_package_action == "reject":
            self._endpoints.reject_package(arn, reason)
            return
        properties = {
            "mlops-last-deployment-outcome": Outcome.ROLLED_BACK.value,
            "mlops-last-deployment-reason": reason,
            "mlops-last-deployment-id": payload["execution"]["name"],
        }
        self._endpoints.annotate_package(arn, properties)
