"""Emulated endpoint lifecycles in virtual time: create, delete, and blue/green or rolling updates with
auto-rollback on CloudWatch alarms (emulated behaviour).

A deployment walks the phases of :func:`mlopsctl.local.emulators.sagemaker.rollout.plan_rollout`. During a baking phase
an
alarm of ``AutoRollbackConfiguration`` in ALARM (already, or entering it) rolls the update back: traffic returns to
the old fleet, and the endpoint ends ``InService`` on its old endpoint configuration with ``FailureReason`` saying
why and ``LastDeploymentConfig`` showing the attempted deployment. Passing ``MaximumExecutionTimeoutInSeconds``
rolls back too. Otherwise the endpoint ends ``InService`` on the new configuration. ``FailureReason`` wording is the
emulator's own.

With the local stack's IAM (:mod:`.model_access`), SageMaker's requests as the models' execution roles are
authorized too, and a denial fails the deployment the way DescribeEndpoint documents failures ("FailureReason: If
the status of the endpoint is ``Failed``, or the status is ``InService`` but update operation fails, this provides
the reason why it failed", SageMaker API Reference, DescribeEndpoint):

- ``CreateEndpoint``: when provisioning ends, the endpoint is ``Failed`` with the AccessDenied as ``FailureReason``;
- ``UpdateEndpoint``: the call is accepted, and when the new fleet is provisioned (model access) or the first baking
  period starts (the guardrails read the auto-rollback alarms) the update is rolled back: ``InService`` on the old
  configuration, ``FailureReason`` naming the AccessDenied. The UpdateEndpoint API reference documents no
  ValidationException for alarms the model role cannot read, and an accepted update that ends on the old
  configuration is the stricter of the two documented shapes: the caller must notice from DescribeEndpoint that the
  update failed (DESIGN §1: "a rolled-back update that looks InService is a failed deployment").
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mlopsctl.local.emulators.sagemaker import events, model_access
from mlopsctl.local.emulators.sagemaker.context import DriverContext, Event
from mlopsctl.local.emulators.sagemaker.rollout import Phase, plan_rollout, timeout_seconds
from mlopsctl.local.moto_patches.backends import SageMakerEndpoint, alarms_in_alarm, forget_sagemaker_endpoint
from mlopsctl.local.moto_patches.backends import sagemaker_endpoint as moto_endpoint
from mlopsctl.local.moto_patches.endpoints import EndpointDeployment, set_endpoint_fields
from mlopsctl.local.moto_patches.state import Notification, to_moto_time


@dataclass
class Rollout:
    """A deployment being driven: its phases and where it is."""

    deployment: EndpointDeployment
    endpoint: SageMakerEndpoint
    phases: list[Phase]
    deadline: datetime | None
    index: int = -1
    token: int = 0
    finished: bool = False
    watched: set[str] = field(default_factory=set)
    provisioned: bool = False
    alarms_read: bool = False

    @property
    def monitoring(self) -> bool:
        """Whether the current phase watches the alarms."""
        return 0 <= self.index < len(self.phases) and self.phases[self.index].monitored and not self.finished


def endpoint_view(endpoint: SageMakerEndpoint) -> dict[str, Any]:
    """The DescribeEndpoint-shaped view the event builders take."""
    return {
        "EndpointName": endpoint.endpoint_name,
        "EndpointArn": endpoint.arn,
        "EndpointConfigName": endpoint.endpoint_config_name,
        "ProductionVariants": endpoint.production_variants,
        "EndpointStatus": endpoint.endpoint_status,
        "CreationTime": endpoint.creation_time,
        "LastModifiedTime": endpoint.last_modified_time,
        "FailureReason": endpoint.failure_reason,
        "Tags": {str(t["Key"]): str(t["Value"]) for t in endpoint.tags or []},
    }


class EndpointDriver:
    """Advances endpoints through their emulated states and emits their events."""

    def __init__(self, ctx: DriverContext) -> None:
        self._ctx = ctx
        self._rollouts: dict[str, Rollout] = {}

    def _endpoint(self, name: str) -> SageMakerEndpoint | None:
        return moto_endpoint(self._ctx.account_id, self._ctx.region, name)

    def _state_event(self, endpoint: SageMakerEndpoint, at: datetime) -> Event:
        return events.endpoint_state_change(
            account=self._ctx.account_id, region=self._ctx.region, time=at, endpoint=endpoint_view(endpoint)
        )

    def on_creating(self, note: Notification) -> list[Event]:
        """``CreateEndpoint`` was called: announce ``CREATING``, become ``InService`` after the create time."""
        endpoint = self._endpoint(note.data["endpoint_name"])
        if endpoint is None or endpoint.endpoint_status != "Creating":
            return []

        def finish(at: datetime) -> list[Event]:
            if self._endpoint(endpoint.endpoint_name) is not endpoint:
                return []
            if endpoint.endpoint_status != "Creating":
                return []
            roles, name, config = self._ctx.roles, endpoint.endpoint_name, endpoint.endpoint_config_name
            where = self._ctx.account_id, self._ctx.region
            failure = model_access.provisioning_failure(roles, *where, name, config) if roles else None
            set_endpoint_fields(
                endpoint,
                endpoint_status="Failed" if failure else "InService",
                failure_reason=failure,
                last_modified_time=to_moto_time(at),
            )
            return [self._state_event(endpoint, at)]

        self._ctx.schedule(note.at + timedelta(seconds=self._ctx.timings.endpoint_create_seconds), finish, None)
        return [self._state_event(endpoint, note.at)]

    def on_deleting(self, note: Notification) -> list[Event]:
        """``DeleteEndpoint`` was called: announce ``DELETING``; the endpoint is gone after the delete time."""
        name = note.data["endpoint_name"]
        endpoint = self._endpoint(name)
        rollout = self._rollouts.pop(name, None)
        if rollout is not None:
            rollout.finished = True
        if endpoint is None or endpoint.endpoint_status != "Deleting":
            return []

        def remove(at: datetime) -> list[Event]:  # noqa: ARG001 - a task takes its due time
            if endpoint.endpoint_status == "Deleting":
                forget_sagemaker_endpoint(self._ctx.account_id, self._ctx.region, endpoint)
            return []

        self._ctx.schedule(note.at + timedelta(seconds=self._ctx.timings.endpoint_delete_seconds), remove, None)
        return [self._state_event(endpoint, note.at)]

    def on_updating(self, note: Notification) -> list[Event]:
        """``UpdateEndpoint`` was accepted: announce ``UPDATING`` and start the first phase."""
        name = note.data["endpoint_name"]
        deployment = self._ctx.state.deployments.get(name)
        endpoint = self._endpoint(name)
        if not isinstance(deployment, EndpointDeployment) or endpoint is None:
            return []
        if deployment.deployment_id != note.data["deployment_id"]:
            return []
        phases = plan_rollout(
            deployment.deployment_config, deployment.new_variants, self._ctx.timings.endpoint_update_seconds
        )
        limit = timeout_seconds(deployment.deployment_config)
        deadline = deployment.started_at + timedelta(seconds=limit) if limit is not None else None
        rollout = Rollout(deployment=deployment, endpoint=endpoint, phases=phases, deadline=deadline)
        self._rollouts[name] = rollout
        return [self._state_event(endpoint, note.at), *self._start_phase(rollout, 0, note.at)]

    def on_alarm(self, note: Notification) -> list[Event]:
        """An alarm changed state: roll back every deployment baking under it that it now trips."""
        if note.data["state"]["value"] != "ALARM":
            return []
        out: list[Event] = []
        for rollout in list(self._rollouts.values()):
            if rollout.monitoring and note.data["alarm_name"] in rollout.deployment.alarm_names:
                reason = (
                    f"Rolled back: CloudWatch alarm(s) {note.data['alarm_name']} went into ALARM state during a "
                    "baking period of the deployment."
                )
                out.extend(self._roll_back(rollout, note.at, reason))
        return out

    def _access_failure(self, rollout: Rollout, phase: Phase | None) -> str | None:
        """Check, once each, the new fleet's model access (when it is provisioned) and the alarms (first bake)."""
        roles, deployment = self._ctx.roles, rollout.deployment
        if roles is None:
            return None
        if not rollout.provisioned:
            rollout.provisioned = True
            failure = model_access.provisioning_failure(
                roles, self._ctx.account_id, self._ctx.region, deployment.endpoint_name, deployment.new_config_name
            )
            if failure:
                return f"Rolled back: {failure}"
        if phase is not None and phase.monitored and not rollout.alarms_read:
            rollout.alarms_read = True
            return model_access.alarm_failure(
                roles, self._ctx.account_id, self._ctx.region, deployment.new_config_name, deployment.alarm_names
            )
        return None

    def _alarms_in_alarm(self, rollout: Rollout) -> list[str]:
        return alarms_in_alarm(self._ctx.account_id, self._ctx.region, rollout.deployment.alarm_names)

    def _current(self, rollout: Rollout, token: int) -> bool:
        name = rollout.deployment.endpoint_name
        return (
            not rollout.finished
            and rollout.token == token
            and self._rollouts.get(name) is rollout
            and self._ctx.state.deployments.get(name) is rollout.deployment
            and self._endpoint(name) is rollout.endpoint
        )

    def _pending(self, rollout: Rollout, status: str, message: str, active: int, at: datetime) -> dict[str, Any]:
        variants = []
        for variant in copy.deepcopy(rollout.deployment.new_variants):
            variant["CurrentInstanceCount"] = min(active, int(variant.get("DesiredInstanceCount", active)))
            variant["VariantStatus"] = [{"Status": status, "StatusMessage": message, "StartTime": to_moto_time(at)}]
            variants.append(variant)
        summary = {
            "EndpointConfigName": rollout.deployment.new_config_name,
            "ProductionVariants": variants,
            "StartTime": to_moto_time(rollout.deployment.started_at),
        }
        set_endpoint_fields(rollout.endpoint, pending_deployment_summary=summary)
        return summary

    def _deployment_event(self, rollout: Rollout, summary: dict[str, Any], at: datetime) -> Event:
        return events.endpoint_deployment_state_change(
            account=self._ctx.account_id,
            region=self._ctx.region,
            time=at,
            endpoint=endpoint_view(rollout.endpoint),
            pending=summary,
        )

    def _start_phase(self, rollout: Rollout, index: int, at: datetime) -> list[Event]:
        if index > 0:  # the first fleet (or rolling batch) is provisioned: SageMaker now acts as the models' roles
            failure = self._access_failure(rollout, rollout.phases[index] if index < len(rollout.phases) else None)
            if failure:
                return self._roll_back(rollout, at, failure)
        if index >= len(rollout.phases):
            return self._succeed(rollout, at)
        phase = rollout.phases[index]
        rollout.index = index
        rollout.token += 1
        token = rollout.token
        summary = self._pending(rollout, phase.status, phase.message, phase.active_instances, at)
        out = [self._deployment_event(rollout, summary, at)]
        tripped = self._alarms_in_alarm(rollout) if phase.monitored else []
        if tripped:
            reason = f"Rolled back: CloudWatch alarm(s) {', '.join(tripped)} in ALARM state during a baking period."
            return out + self._roll_back(rollout, at, reason)
        end = at + timedelta(seconds=phase.seconds)
        if rollout.deadline is not None and end > rollout.deadline:
            limit = timeout_seconds(rollout.deployment.deployment_config)

            def time_out(due: datetime) -> list[Event]:
                if not self._current(rollout, token):
                    return []
                reason = f"Rolled back: the deployment exceeded MaximumExecutionTimeoutInSeconds ({limit} seconds)."
                return self._roll_back(rollout, due, reason)

            self._ctx.schedule(rollout.deadline, time_out, lambda: self._current(rollout, token))
            return out

        def next_phase(due: datetime) -> list[Event]:
            return self._start_phase(rollout, index + 1, due) if self._current(rollout, token) else []

        self._ctx.schedule(end, next_phase, lambda: self._current(rollout, token))
        return out

    def _succeed(self, rollout: Rollout, at: datetime) -> list[Event]:
        endpoint, deployment = rollout.endpoint, rollout.deployment
        self._settle(rollout, deployment.new_config_name, deployment.new_variants, None, at)
        return [self._state_event(endpoint, at)]

    def _settle(
        self, rollout: Rollout, config_name: str, variants: list[dict[str, Any]], reason: str | None, at: datetime
    ) -> None:
        """End a deployment: the endpoint ``InService`` on ``config_name``, with ``reason`` if it rolled back."""
        deployment = rollout.deployment
        rollout.finished = True
        self._rollouts.pop(deployment.endpoint_name, None)
        self._ctx.state.deployments.pop(deployment.endpoint_name, None)
        fields: dict[str, Any] = {
            "endpoint_config_name": config_name,
            "production_variants": copy.deepcopy(variants),
            "pending_deployment_summary": None,
            "failure_reason": reason,
            "endpoint_status": "InService",
            "last_modified_time": to_moto_time(at),
        }
        if deployment.deployment_config:
            fields["last_deployment_config"] = copy.deepcopy(deployment.deployment_config)
        set_endpoint_fields(rollout.endpoint, **fields)

    def _roll_back(self, rollout: Rollout, at: datetime, reason: str) -> list[Event]:
        rollout.token += 1
        rollout.index = len(rollout.phases)
        token = rollout.token
        message = f"Rolling back all traffic to the old fleet. {reason}"
        summary = self._pending(rollout, "Updating", message, 0, at)
        out = [self._deployment_event(rollout, summary, at)]

        def restored(due: datetime) -> list[Event]:
            if not self._current(rollout, token):
                return []
            deployment = rollout.deployment
            self._settle(rollout, deployment.old_config_name, deployment.old_variants, reason, due)
            return [self._state_event(rollout.endpoint, due)]

        self._ctx.schedule(
            at + timedelta(seconds=self._ctx.timings.endpoint_rollback_seconds),
            restored,
            lambda: self._current(rollout, token),
        )
        return out
