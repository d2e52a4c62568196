"""The Deploy state machine's steps after the create or update started: the wait and the verdict.

``register_wait`` stores the ``WaitForEndpoint`` task token on the endpoint lock (the endpoint's state-change event
resumes it through :mod:`mlops_core.services.endpoint_events`) and extends the lock to outlive the wait; ``verify``
judges the rollout from ``DescribeEndpoint``. The wait's fallback timeout comes from the update's own SageMaker
timeouts (:mod:`mlops_core.domain.waits`), carried in the ``rollout`` the Deploy step returned, so one wait covers any
bake. Both steps serve deployments and restores (rollback mode) alike. A package rejected while its rollout runs is
handled by :mod:`mlops_core.services.rejected_rollout`; which rollback alarm fired on the new fleet, by
:mod:`mlops_core.domain.fleet_alarms`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mlops_core.adapters.deployments import DeploymentKey
from mlops_core.domain import fleet_alarms as fleets
from mlops_core.domain import preflight as checks
from mlops_core.domain import waits
from mlops_core.domain.deployment import DeploymentTimeoutError, Outcome, iso, parse_iso
from mlops_core.domain.preflight import EndpointView
from mlops_core.domain.rollback_plan import is_rollback
from mlops_core.services.rejected_rollout import RejectedRollout, rejection_reason
from mlops_core.settings.deploy import DeploySettings

if TYPE_CHECKING:
    from mlops_core.services.deploy import DeployPorts

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
        ports: DeployPorts,
        clock: Callable[[], datetime],
        *,
        key: Callable[[Mapping[str, Any]], DeploymentKey],
        tags: Callable[[Mapping[str, Any]], dict[str, str]],
    ) -> None:
        self._settings = settings
        self._ports = ports
        self._now = clock
        self._key = key
        self._tags = tags
        self._rejected = RejectedRollout(ports.endpoints, ports.store)

    def register_wait(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Store the wait's task token on the lock (kept past the fallback wait); resume at once if already settled."""
        name, token, me = payload["request"]["endpoint_name"], payload["task_token"], payload["execution"]["name"]
        ttl = waits.lock_ttl_for_wait(self._settings.deploy_lock_ttl_seconds, fallback_wait_of(payload))
        self._ports.store.attach_task_token(name, me, token, self._now(), ttl)
        endpoint = self._ports.endpoints.describe_endpoint(name)
        if checks.judge_rollout(endpoint, payload["plan"]["endpoint_config_name"]).settled:
            self._ports.workflows.resume(
                token, {"source": "register_wait", "status": endpoint.status if endpoint else None}
            )
            self._ports.store.detach_task_token(name, token)
            return {"resumed": True}
        return {"resumed": False}

    def verify(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Judge the rollout from DescribeEndpoint: wait again, or finish with SUCCEEDED/ROLLED_BACK/FAILED."""
        plan, signal = payload["plan"], payload.get("signal")
        timed_out = isinstance(signal, Mapping) and "Error" in signal
        rounds = int(payload.get("wait", {}).get("rounds", 0)) + (1 if timed_out else 0)
        endpoint = self._ports.endpoints.describe_endpoint(payload["request"]["endpoint_name"])
        restoring = (payload.get("wait") or {}).get("restoring")
        verdict = checks.judge_rollout(
            endpoint, restoring["endpoint_config_name"] if restoring else plan["endpoint_config_name"]
        )
        if not verdict.settled:
            if rounds >= waits.MAX_WAIT_ROUNDS:
                waited = rounds * fallback_wait_of(payload)
                raise DeploymentTimeoutError(f"{verdict.reason} after {rounds} fallback waits ({waited} s)")
            return {"next": "wait", "rounds": rounds, "reason": verdict.reason} | (
                {"restoring": restoring} if restoring else {}
            )
        if restoring:
            return self._rejected.restored(restoring, endpoint, rounds, self._tags(payload))
        if not is_rollback(payload):
            rejected = self._rejected_while_deploying(payload["request"])
            if rejected is not None:
                return self._rejected.settled(payload, self._key(payload), verdict, rejected, rounds)
        if verdict.outcome is Outcome.SUCCEEDED and endpoint is not None:
            self._tag_serving_package(endpoint, payload)
        if verdict.outcome is not Outcome.ROLLED_BACK or is_rollback(payload):
            return {"next": "finish", "rounds": rounds, "outcome": str(verdict.outcome), "reason": verdict.reason}
        return self._rolled_back(payload, verdict, rounds)

    def _rolled_back(self, payload: Mapping[str, Any], verdict: checks.Verdict, rounds: int) -> dict[str, Any]:
        """Name the rollback alarm that fired on the new fleet (then act on the package), or SageMaker's reason."""
        plan, rollout = payload["plan"], payload.get("rollout") or {}
        copies, started = tuple(rollout.get("new_fleet_alarms") or ()), rollout.get("started_at")
        firing = self._ports.fleet_alarms.first_firing(copies, parse_iso(started), self._now()) if started else None
        alarm_name = fleets.source_alarm(firing.alarm_name, plan["alarm_names"]) if firing else None
        if firing is not None:
            why = f" ({firing.reason})" if firing.reason else ""
            reason = (
                f"rolled back by SageMaker: alarm {alarm_name} went to ALARM on the new fleet's traffic "
                f"({firing.alarm_name}) at {iso(firing.at)}{why}; {verdict.reason}"
            )
            self._act_on_rolled_back_package(payload, reason)
        else:
            reason = (
                f"rolled back by SageMaker with no rollback alarm on the new fleet's traffic: {verdict.reason}; "
                "the package's approval is left as is"
            )
        return {
            "next": "finish",
            "rounds": rounds,
            "outcome": Outcome.ROLLED_BACK.value,
            "reason": reason,
            "alarm": alarm_name,
        }

    def _rejected_while_deploying(self, request: Mapping[str, Any]) -> str | None:
        """The reviewer's rejection of the package being deployed, if it was rejected meanwhile (one Describe)."""
        package = self._ports.endpoints.describe_package(request["model_package_arn"])
        return rejection_reason(package, int(request["model_package_version"]))

    def _tag_serving_package(self, endpoint: EndpointView, payload: Mapping[str, Any]) -> None:
        """Tag the endpoint with the package it now serves (``mlops:model-package-arn``).

        UpdateEndpoint takes no tags, so CreateEndpoint's would stay. Tagged once the update is verified, so an update
        SageMaker rolled back leaves the tag of the package that still serves, and a restore (rollback mode, whose
        request names the restored package) tags the restored one. ``EndpointArn`` is a required member of
        DescribeEndpoint's output (SageMaker API Reference), so every real endpoint view has it.
        """
        if endpoint.arn:
            self._ports.endpoints.tag_endpoint(endpoint.arn, self._tags(payload))

    def _act_on_rolled_back_package(self, payload: Mapping[str, Any], reason: str) -> None:
        arn = payload["request"]["model_package_arn"]
        if self._settings.rolled_back_package_action == "reject":
            self._ports.endpoints.reject_package(arn, reason)
            return
        properties = {
            "mlops-last-deployment-outcome": Outcome.ROLLED_BACK.value,
            "mlops-last-deployment-reason": reason,
            "mlops-last-deployment-id": payload["execution"]["name"],
        }
        self._ports.endpoints.annotate_package(arn, properties)
