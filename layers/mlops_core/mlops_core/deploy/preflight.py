"""Preflight: every check a deployment must pass before anything on the endpoint changes (DESIGN §5).

Pure: :func:`preflight_reasons` takes what the adapters read (:class:`PreflightFacts`) and returns the reasons the
deployment must not go ahead, each in words an operator can act on; an empty list means go.

Checks: the package is the one requested (its group and version as ``DescribeModelPackage`` returns them are the
request's: an ARN of another group or version never deploys under our name), ``Approved``, ``Completed``, with a
container image and model data, and the model data exists (read by the caller: an object, or at least one object
under a prefix); the variant name is the
live one's (blue/green guardrails require it); the canary (or linear step) is a valid share of the fleet (canary at
most 50%, linear step 10-50%); the rollback alarms exist and are readable, and none is firing on a live endpoint;
SageMaker's own timeout covers the bakes and the time to provision (the state machine's wait and the lock's
lifetime are derived from that timeout: :mod:`mlops_core.deploy.waits`).

Examples
--------
>>> from mlops_core.deploy.deployment import Capacity, CapacityUnit, Fleet, RolloutPolicy, Strategy
>>> policy = RolloutPolicy(Strategy.CANARY, Capacity(CapacityUnit.INSTANCE_COUNT, 1), 300, 300, 1800, ("a",))
>>> capacity_reasons(Fleet("AllTraffic", "ml.m5.large", 1), policy)
['canary of 1 instance(s) is more than 50% of a fleet of 1 instance(s); use at least 2 instances or ALL_AT_ONCE']
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from mlops_core.deploy.deployment import (
    IN_PROGRESS_STATUSES,
    PROVISIONING_ALLOWANCE_SECONDS,
    CapacityUnit,
    Fleet,
    Outcome,
    RolloutPolicy,
    Strategy,
)
from mlops_core.timefmt import stamp


@dataclass(frozen=True)
class PackageView:
    """A model package version as ``DescribeModelPackage`` shows it."""

    arn: str
    group_name: str
    version: int
    approval_status: str
    package_status: str | None
    images: tuple[str | None, ...]
    model_data_urls: tuple[str | None, ...]
    generated_by: str | None = None
    customer_metadata: tuple[tuple[str, str], ...] = ()
    approval_description: str | None = None
    model_data_prefixes: tuple[str, ...] = ()
    """``ModelDataSource`` prefixes (``S3DataType`` ``S3Prefix``): model data is every object under each."""

    def model_data(self) -> tuple[tuple[str, bool], ...]:
        """Every model data location, with whether it is a prefix (``False``: one object)."""
        objects = tuple((url, False) for url in self.model_data_urls if url)
        return objects + tuple((prefix, True) for prefix in self.model_data_prefixes)


@dataclass(frozen=True)
class EndpointView:
    """An endpoint as ``DescribeEndpoint`` shows it."""

    name: str
    status: str
    config_name: str | None
    failure_reason: str | None = None
    pending_config_name: str | None = None
    arn: str | None = None


@dataclass(frozen=True)
class VariantView:
    """One production variant of an endpoint config."""

    name: str
    model_name: str | None


@dataclass(frozen=True)
class AlarmView:
    """A CloudWatch alarm as ``DescribeAlarms`` shows it."""

    name: str
    state: str
    state_updated: datetime | None
    state_reason: str | None = None


MAX_ROLLBACK_ALARMS = 10
#: Endpoint statuses from which ``UpdateEndpoint`` cannot start; someone must repair or delete the endpoint.
BROKEN_STATUSES = frozenset({"Failed", "OutOfService", "UpdateRollbackFailed", "Deleting"})


@dataclass(frozen=True)
class PreflightFacts:
    """Everything preflight looks at. ``alarms`` is ``None`` when they could not be read (``alarm_error`` says why)."""

    package_arn: str
    package_group: str
    package_version: int
    package: PackageView | None
    endpoint: EndpointView | None
    live_variants: tuple[VariantView, ...]
    fleet: Fleet
    policy: RolloutPolicy
    alarms: tuple[AlarmView, ...] | None
    alarm_error: str | None = None
    model_data_problems: tuple[str, ...] = ()
    """Why the package's model data cannot be deployed, as checking it in S3 found (missing, empty prefix...)."""


def package_reasons(package_arn: str, package: PackageView | None, group: str, version: int) -> list[str]:
    """The package exists, is the requested group's version, is Approved and Completed, and names its container image
    and model data."""
    if package is None:
        return [f"model package {package_arn} not found"]
    reasons = []
    if package.group_name != group:
        reasons.append(f"model package {package_arn} belongs to group {package.group_name!r}, not {group!r}")
    if package.version != version:
        reasons.append(f"model package {package_arn} is version {package.version}, not {version}")
    if package.approval_status != "Approved":
        reasons.append(f"model package is {package.approval_status}, not Approved")
    if package.package_status not in (None, "Completed"):
        reasons.append(f"model package status is {package.package_status}, not Completed")
    if not package.images or any(not image for image in package.images):
        reasons.append("model package has an inference container without an image")
    if not package.model_data():
        reasons.append("model package has no model data (ModelDataUrl or ModelDataSource)")
    return reasons


def endpoint_reasons(endpoint: EndpointView | None, live_variants: tuple[VariantView, ...], fleet: Fleet) -> list[str]:
    """A live endpoint is updatable and keeps its variant name (blue/green deployment guardrails require it)."""
    if endpoint is None:
        return []
    reasons = []
    if endpoint.status in BROKEN_STATUSES:
        reasons.append(f"endpoint {endpoint.name} is {endpoint.status}; repair or delete it before deploying")
    live = sorted({variant.name for variant in live_variants})
    if live and live != [fleet.variant_name]:
        reasons.append(
            f"endpoint serves variant(s) {', '.join(live)} but the new config declares {fleet.variant_name}; "
            "blue/green updates need unchanged variant names"
        )
    return reasons


def _step_instances(policy: RolloutPolicy, instance_count: int) -> int:
    if policy.step.unit is CapacityUnit.INSTANCE_COUNT:
        return policy.step.value
    return max(1, math.ceil(instance_count * policy.step.value / 100))


def capacity_reasons(fleet: Fleet, policy: RolloutPolicy) -> list[str]:
    """The fleet has instances, and the canary (≤ 50%) or the linear step (10-50%) is a valid share of it."""
    count = fleet.instance_count
    if count < 1:
        return [f"instance count must be at least 1, not {count}"]
    if policy.step.value < 1:
        return [f"step size must be at least 1, not {policy.step.value}"]
    step = _step_instances(policy, count)
    if policy.strategy is Strategy.CANARY and 2 * step > count:
        return [
            f"canary of {step} instance(s) is more than 50% of a fleet of {count} instance(s); "
            "use at least 2 instances or ALL_AT_ONCE"
        ]
    if policy.strategy is Strategy.LINEAR and not (count <= 10 * step and 2 * step <= count):
        return [f"linear step of {step} instance(s) must be 10-50% of a fleet of {count} instance(s)"]
    return []


def alarm_reasons(
    names: tuple[str, ...], alarms: tuple[AlarmView, ...] | None, error: str | None, endpoint_is_live: bool
) -> list[str]:
    """The rollback alarms are configured, exist, are readable, and (on a live endpoint) none is firing."""
    if not names:
        return ["no rollback alarms configured; automatic rollback needs at least one"]
    if len(names) > MAX_ROLLBACK_ALARMS:
        return [f"{len(names)} rollback alarms configured; SageMaker accepts at most {MAX_ROLLBACK_ALARMS}"]
    if alarms is None:
        return [f"rollback alarms cannot be read: {error or 'unknown error'}"]
    found = {alarm.name for alarm in alarms}
    reasons = []
    missing = [name for name in names if name not in found]
    if missing:
        reasons.append(f"rollback alarm(s) not found: {', '.join(missing)}")
    firing = [alarm.name for alarm in alarms if alarm.name in names and alarm.state == "ALARM"]
    if firing and endpoint_is_live:
        reasons.append(f"alarm(s) {', '.join(firing)} in ALARM now; an update would roll back at once")
    return reasons


def timing_reasons(fleet: Fleet, policy: RolloutPolicy) -> list[str]:
    """SageMaker's timeout covers the bakes, with room to provision the new fleet.

    The state machine's own wait and the lock's lifetime are derived from SageMaker's timeout
    (:mod:`mlops_core.deploy.waits`), so they cover it by construction: nothing to check. The lock loop's bounds are
    the settings' own (``DEPLOY_LOCK_*``, validated at cold start), no longer an execution input to check here.
    """
    reasons = []
    baking = policy.baking_seconds(fleet.instance_count)
    needed = baking + PROVISIONING_ALLOWANCE_SECONDS
    if policy.max_execution_timeout_seconds < needed:
        reasons.append(
            f"MaximumExecutionTimeoutInSeconds {policy.max_execution_timeout_seconds} does not cover {baking} s of "
            f"bakes and termination wait plus {PROVISIONING_ALLOWANCE_SECONDS} s to provision (needs {needed})"
        )
    return reasons


def preflight_reasons(facts: PreflightFacts) -> list[str]:
    """Every reason the deployment must not start; empty when it may."""
    endpoint_is_live = facts.endpoint is not None
    return [
        *package_reasons(facts.package_arn, facts.package, facts.package_group, facts.package_version),
        *facts.model_data_problems,
        *endpoint_reasons(facts.endpoint, facts.live_variants, facts.fleet),
        *capacity_reasons(facts.fleet, facts.policy),
        *alarm_reasons(facts.policy.alarm_names, facts.alarms, facts.alarm_error, endpoint_is_live),
        *timing_reasons(facts.fleet, facts.policy),
    ]


# --- After the rollout: did the endpoint take the new config? ---------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """Where a rollout stands, judged from ``DescribeEndpoint``: still running, or finished with an outcome."""

    settled: bool
    outcome: Outcome | None = None
    reason: str = ""


def judge_rollout(endpoint: EndpointView | None, planned_config: str) -> Verdict:
    """Judge a create/update from the endpoint's state: it must **serve the new endpoint config** to succeed.

    An update that ends ``InService`` on another config was rolled back by SageMaker's deployment guardrails: that
    is ``ROLLED_BACK``, never a success.
    """
    if endpoint is None:
        return Verdict(True, Outcome.FAILED, "the endpoint no longer exists")
    if endpoint.status in IN_PROGRESS_STATUSES:
        return Verdict(False, reason=f"endpoint is {endpoint.status}")
    detail = f": {endpoint.failure_reason}" if endpoint.failure_reason else ""
    if endpoint.status == "InService" and endpoint.config_name == planned_config:
        return Verdict(True, Outcome.SUCCEEDED, f"endpoint serves {planned_config}")
    if endpoint.status == "InService":
        return Verdict(
            True, Outcome.ROLLED_BACK, f"endpoint still serves {endpoint.config_name}, not {planned_config}{detail}"
        )
    return Verdict(True, Outcome.FAILED, f"endpoint is {endpoint.status}{detail}")


def fired_alarm(alarms: tuple[AlarmView, ...], since: datetime | None) -> AlarmView | None:
    """The alarm that most probably rolled an update back (CloudWatch alarm history is not read).

    First an alarm in ``ALARM`` now (the most recently changed); else one whose state changed after ``since`` (it
    went to ``ALARM`` and back during the update); else ``None``.
    """
    firing = [alarm for alarm in alarms if alarm.state == "ALARM"]
    if not firing and since is not None:
        firing = [alarm for alarm in alarms if alarm.state_updated is not None and alarm.state_updated >= since]
    floor = datetime.min.replace(tzinfo=UTC)
    return max(firing, key=lambda alarm: alarm.state_updated or floor, default=None)


def rollback_reason(verdict: Verdict, alarm: AlarmView | None) -> str:
    """The reason recorded for a rolled-back update, naming the alarm when one is identified."""
    if alarm is None:
        return f"rolled back by SageMaker (no alarm identified): {verdict.reason}"
    when = f" at {stamp(alarm.state_updated)}" if alarm.state_updated else ""
    why = f" ({alarm.state_reason})" if alarm.state_reason else ""
    if alarm.state == "ALARM":
        return f"rolled back by SageMaker: alarm {alarm.name} went to ALARM{when}{why}; {verdict.reason}"
    return f"rolled back by SageMaker: alarm {alarm.name} changed state during the update{when}{why}; {verdict.reason}"
