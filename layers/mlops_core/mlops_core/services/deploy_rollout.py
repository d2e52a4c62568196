"""The Deploy state machine's steps after the create or update started: the wait and the verdict.

``register_wait`` stores the ``WaitForEndpoint`` task token on the endpoint lock (the endpoint's state-change event
resumes it through :mod:`mlops_core.services.endpoint_events`) and extends the lock to outlive the wait; ``verify``
judges the rollout from ``DescribeEndpoint``. The wait's fallback timeout comes from the update's own SageMaker
timeouts (:mod:`mlops_core.domain.waits`), carried in the ``rollout`` the Deploy step returned, so one wait covers any
bake. :func:`park` (the wait) serves the Rollback machine's ``WaitForEndpoint`` too. A package rejected while its
rollout runs is handled by :mod:`mlops_core.services.rejected_rollout`; which rollback alarm fired on the new fleet,
by :mod:`mlops_core.domain.fleet_alarms`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from mlops_core.adapters.deployments import DeploymentKey, DeploymentStore
from mlops_core.adapters.endpoints import EndpointGateway
from mlops_core.adapters.workflows import Workflows
from mlops_core.domain import fleet_alarms as fleets
from mlops_core.domain import preflight as checks
from mlops_core.domain import waits
from mlops_core.domain.deployment import DeploymentTimeoutError, Outcome, iso, parse_iso
from mlops_core.domain.preflight import EndpointView
from mlops_core.services.rejected_rollout import RejectedRollout, rejection_reason
from mlops_core.settings.deploy import DeploySettings

if TYPE_CHECKING:
    from mlops_core.services.deploy import DeployPorts

__all__ = ["EndpointWait", "RolloutSteps", "fallback_wait_of", "park", "still_changing", "wait_rounds"]


def fallback_wait_of(payload: Mapping[str, Any]) -> int:
    """The fallback wait of this rollout: the one the Deploy step chose, else the plan's ``DeploymentConfig``'s."""
    rollout = payload.get("rollout") or {}
    if rollout.get("wait_timeout_seconds"):
        return int(rollout["wait_timeout_seconds"])
    return waits.fallback_wait_seconds(payload["plan"].get("deployment_config") or {})


class _WaitPorts(Protocol):
    @property
    def store(self) -> DeploymentStore: ...
    @property
    def endpoints(self) -> EndpointGateway: ...
    @property
    def workflows(self) -> Workflows: ...


@dataclass(frozen=True)
class EndpointWait:
    """A ``WaitForEndpoint`` task: the endpoint, the lock owner (the execution's name) and the task token."""

    endpoint_name: str
    owner: str
    token: str


def park(wait: EndpointWait, config_name: str, ports: _WaitPorts, now: datetime, ttl_seconds: int) -> bool:
    """Store the wait's task token on the endpoint lock for ``ttl_seconds``; resume the wait at once (``True``) when
    the endpoint already settled on ``config_name`` (its event came before the token was stored). Deploy and Rollback
    waits alike: EndpointEventsFunction resumes whichever token the lock holds."""
    ports.store.attach_task_token(wait.endpoint_name, wait.owner, wait.token, now, ttl_seconds)
    endpoint = ports.endpoints.describe_endpoint(wait.endpoint_name)
    if not checks.judge_rollout(endpoint, config_name).settled:
        return False
    ports.workflows.resume(wait.token, {"source": "register_wait", "status": endpoint.status if endpoint else None})
    ports.store.detach_task_token(wait.endpoint_name, wait.token)
    return True


def wait_rounds(signal: Any, rounds: int) -> int:
    """The fallback waits so far: ``rounds`` before, plus one if this wait timed out (its signal is an error)."""
    return rounds + (1 if isinstance(signal, Mapping) and signal.get("Error") else 0)


def still_changing(verdict: checks.Verdict, rounds: int, fallback_seconds: int) -> dict[str, Any]:
    """Verify's answer for an endpoint that is still changing: wait again, or (after the last round) fail."""
    if rounds >= waits.MAX_WAIT_ROUNDS:
        raise DeploymentTimeoutError(f"{verdict.reason} after {rounds} fallback waits ({rounds * fallback_seconds} s)")
    return {"next": "wait", "rounds": rounds, "reason": verdict.reason}


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
        wait = EndpointWait(payload["request"]["endpoint_name"], payload["execution"]["name"], payload["task_token"])
        ttl = waits.lock_ttl_for_wait(self._settings.deploy_lock_ttl_seconds, fallback_wait_of(payload))
        resumed = park(wait, payload["plan"]["endpoint_config_name"], self._ports, self._now(), ttl)
        return {"resumed": resumed}

    def verify(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Judge the rollout from DescribeEndpoint: wait again, or finish with SUCCEEDED/ROLLED_BACK/FAILED."""
        plan = payload["plan"]
        rounds = wait_rounds(payload.get("signal"), int(payload.get("wait", {}).get("rounds", 0)))
        endpoint = self._ports.endpoints.describe_endpoint(payload["request"]["endpoint_name"])
        restoring = (payload.get("wait") or {}).get("restoring")
        verdict = checks.judge_rollout(
            endpoint, restoring["endpoint_config_name"] if restoring else plan["endpoint_config_name"]
        )
        if not verdict.settled:
            again = still_changing(verdict, rounds, fallback_wait_of(payload))
            return again | ({"restoring": restoring} if restoring else {})
        if restoring:
            return self._rejected.restored(restoring, endpoint, rounds, self._tags(payload))
        rejected = self._rejected_while_deploying(payload["request"])
        if rejected is not None:
            return self._rejected.settled(payload, self._key(payload), verdict, rejected, rounds)
        if verdict.outcome is Outcome.SUCCEEDED and endpoint is not None:
            self._tag_serving_package(endpoint, payload)
        if verdict.outcome is not Outcome.ROLLED_BACK:
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
        SageMaker rolled back leaves the tag of the package that still serves (a restore tags the restored one:
        :mod:`mlops_core.rollback.tasks`). ``EndpointArn`` is a required member of
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
