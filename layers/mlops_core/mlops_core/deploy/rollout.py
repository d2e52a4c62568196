"""The Deploy state machine's steps after the create or update started: the wait and the verdict.

``register_wait`` stores the ``WaitForEndpoint`` task token on the endpoint lock (the endpoint's state-change event
resumes it through :mod:`mlops_core.deploy.endpoint_events`) and extends the lock to outlive the wait; ``verify``
judges the rollout from ``DescribeEndpoint``. The wait's fallback timeout comes from the update's own SageMaker
timeouts (:mod:`mlops_core.deploy.waits`), carried in the ``rollout`` the Deploy step returned, so one wait covers any
bake. The wait itself (:func:`~mlops_core.deploy.endpoint_wait.park`) is :mod:`mlops_core.deploy.endpoint_wait`'s,
which serves the Rollback machine's ``WaitForEndpoint`` too. A package rejected while its
rollout runs is handled by :mod:`mlops_core.deploy.rejected_rollout`; which rollback alarm fired on the new fleet,
by :mod:`mlops_core.deploy.fleet_alarm_rules`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from mlops_core.deploy import fleet_alarm_rules as fleets
from mlops_core.deploy import preflight as checks
from mlops_core.deploy import waits
from mlops_core.deploy.contract.input import DeployRequest
from mlops_core.deploy.contract.state import DeployPlan, DeployState, DeployTask, DeployWait
from mlops_core.deploy.deployment import DeploymentError, Outcome
from mlops_core.deploy.endpoint_wait import EndpointWait, park, still_changing, wait_rounds
from mlops_core.deploy.preflight import EndpointView
from mlops_core.deploy.rejected_rollout import RejectedRollout, rejection_reason
from mlops_core.deploy.settings import DeploySettings
from mlops_core.deploy.store import DeploymentKey
from mlops_core.timefmt import parse_stamp, stamp

if TYPE_CHECKING:
    from mlops_core.deploy.tasks import DeployPorts

__all__ = ["RolloutSteps", "fallback_wait_of"]


def fallback_wait_of(state: DeployState) -> int:
    """The fallback wait of this rollout: the one the Deploy step chose, else the plan's ``DeploymentConfig``'s."""
    if state.rollout is not None and state.rollout.wait_timeout_seconds:
        return state.rollout.wait_timeout_seconds
    return waits.fallback_wait_seconds(state.plan.deployment_config if state.plan else {})


def _plan(state: DeployState) -> DeployPlan:
    if state.plan is None:
        raise DeploymentError("the state has no plan: Preflight did not run")
    return state.plan


class Resumed(BaseModel):
    """register_wait's result (the Lambda's return; the wait's own result is what resumes it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    resumed: bool


class RolloutSteps:
    """``register_wait`` and ``verify``, and what a verdict leads to (the endpoint's tag, the rolled-back package)."""

    def __init__(
        self,
        settings: DeploySettings,
        ports: DeployPorts,
        clock: Callable[[], datetime],
        *,
        key: Callable[[DeployState], DeploymentKey],
        tags: Callable[[DeployState], dict[str, str]],
    ) -> None:
        self._settings = settings
        self._ports = ports
        self._now = clock
        self._key = key
        self._tags = tags
        self._rejected = RejectedRollout(ports.endpoints, ports.store)

    def register_wait(self, task: DeployTask) -> Resumed:
        """Store the wait's task token on the lock (kept past the fallback wait); resume at once if already settled."""
        state = task.state
        if task.task_token is None:
            raise DeploymentError("register_wait needs the task token")
        wait = EndpointWait(state.request.endpoint_name, state.execution.name, task.task_token)
        ttl = waits.lock_ttl_for_wait(self._settings.deploy_lock_ttl_seconds, fallback_wait_of(state))
        resumed = park(wait, _plan(state).endpoint_config_name, self._ports, self._now(), ttl)
        return Resumed(resumed=resumed)

    def verify(self, task: DeployTask) -> DeployWait:
        """Judge the rollout from DescribeEndpoint: wait again, or finish with SUCCEEDED/ROLLED_BACK/FAILED."""
        state = task.state
        plan = _plan(state)
        signal = state.signal.model_dump() if state.signal is not None else None
        rounds = wait_rounds(signal, state.wait.rounds)
        endpoint = self._ports.endpoints.describe_endpoint(state.request.endpoint_name)
        restoring = state.wait.restoring
        verdict = checks.judge_rollout(
            endpoint, restoring.endpoint_config_name if restoring else plan.endpoint_config_name
        )
        if not verdict.settled:
            again = still_changing(verdict, rounds, fallback_wait_of(state))
            return DeployWait.model_validate(again | {"restoring": restoring})
        if restoring:
            return self._rejected.restored(restoring, endpoint, rounds, self._tags(state))
        rejected = self._rejected_while_deploying(state.request)
        if rejected is not None:
            return self._rejected.settled(state, self._key(state), verdict, rejected, rounds)
        if verdict.outcome is Outcome.SUCCEEDED and endpoint is not None:
            self._tag_serving_package(endpoint, state)
        if verdict.outcome is not Outcome.ROLLED_BACK:
            return DeployWait(next="finish", rounds=rounds, outcome=str(verdict.outcome), reason=verdict.reason)
        return self._rolled_back(state, verdict, rounds)

    def _rolled_back(self, state: DeployState, verdict: checks.Verdict, rounds: int) -> DeployWait:
        """Name the rollback alarm that fired on the new fleet (then act on the package), or SageMaker's reason."""
        plan, rollout = _plan(state), state.rollout
        copies = tuple(rollout.new_fleet_alarms) if rollout else ()
        started = rollout.started_at if rollout else None
        firing = self._ports.fleet_alarms.first_firing(copies, parse_stamp(started), self._now()) if started else None
        alarm_name = fleets.source_alarm(firing.alarm_name, plan.alarm_names) if firing else None
        if firing is not None:
            why = f" ({firing.reason})" if firing.reason else ""
            reason = (
                f"rolled back by SageMaker: alarm {alarm_name} went to ALARM on the new fleet's traffic "
                f"({firing.alarm_name}) at {stamp(firing.at)}{why}; {verdict.reason}"
            )
            self._act_on_rolled_back_package(state, reason)
        else:
            reason = (
                f"rolled back by SageMaker with no rollback alarm on the new fleet's traffic: {verdict.reason}; "
                "the package's approval is left as is"
            )
        return DeployWait(
            next="finish", rounds=rounds, outcome=Outcome.ROLLED_BACK.value, reason=reason, alarm=alarm_name
        )

    def _rejected_while_deploying(self, request: DeployRequest) -> str | None:
        """The reviewer's rejection of the package being deployed, if it was rejected meanwhile (one Describe)."""
        package = self._ports.endpoints.describe_package(request.model_package_arn)
        return rejection_reason(package, request.model_package_version)

    def _tag_serving_package(self, endpoint: EndpointView, state: DeployState) -> None:
        """Tag the endpoint with the package it now serves (``mlops:model-package-arn``).

        UpdateEndpoint takes no tags, so CreateEndpoint's would stay. Tagged once the update is verified, so an update
        SageMaker rolled back leaves the tag of the package that still serves (a restore tags the restored one:
        :mod:`mlops_core.rollback.tasks`). ``EndpointArn`` is a required member of
        DescribeEndpoint's output (SageMaker API Reference), so every real endpoint view has it.
        """
        if endpoint.arn:
            self._ports.endpoints.tag_endpoint(endpoint.arn, self._tags(state))

    def _act_on_rolled_back_package(self, state: DeployState, reason: str) -> None:
        arn = state.request.model_package_arn
        if self._settings.rolled_back_package_action == "reject":
            self._ports.endpoints.reject_package(arn, reason)
            return
        properties = {
            "mlops-last-deployment-outcome": Outcome.ROLLED_BACK.value,
            "mlops-last-deployment-reason": reason,
            "mlops-last-deployment-id": state.execution.name,
        }
        self._ports.endpoints.annotate_package(arn, properties)
