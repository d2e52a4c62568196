"""Preflight refuses unsafe deployments with actionable reasons; the verdict never calls a rollback a success."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from mlops_core.deploy.deployment import Capacity, CapacityUnit, Fleet, Outcome, RolloutPolicy, Strategy
from mlops_core.deploy.preflight import (
    AlarmView,
    EndpointView,
    PackageView,
    PreflightFacts,
    VariantView,
    capacity_reasons,
    fired_alarm,
    judge_rollout,
    preflight_reasons,
    rollback_reason,
)

ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/7"
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
PACKAGE = PackageView(ARN, "churn", 7, "Approved", "Completed", ("image:1",), ("s3://b/model.tar.gz",))
LIVE = EndpointView("churn-endpoint", "InService", "mlops-c6-old")
ALARMS = (AlarmView("p99", "OK", NOW), AlarmView("5xx", "OK", NOW))
CANARY = RolloutPolicy(Strategy.CANARY, Capacity(CapacityUnit.INSTANCE_COUNT, 1), 300, 300, 1800, ("p99", "5xx"))
GOOD = PreflightFacts(
    package_arn=ARN,
    package_group="churn",
    package_version=7,
    package=PACKAGE,
    endpoint=LIVE,
    live_variants=(VariantView("AllTraffic", "mlops-m6-old"),),
    fleet=Fleet("AllTraffic", "ml.m5.large", 2),
    policy=CANARY,
    alarms=ALARMS,
)


def test_a_safe_update_passes_preflight() -> None:
    assert preflight_reasons(GOOD) == []


def test_a_first_deployment_needs_no_live_variant() -> None:
    assert preflight_reasons(replace(GOOD, endpoint=None, live_variants=())) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"package": None}, f"model package {ARN} not found"),
        ({"package_group": "churn-prod"}, f"model package {ARN} belongs to group 'churn', not 'churn-prod'"),
        ({"package_version": 8}, f"model package {ARN} is version 7, not 8"),
        ({"package": replace(PACKAGE, approval_status="Rejected")}, "model package is Rejected, not Approved"),
        ({"package": replace(PACKAGE, package_status="InProgress")}, "status is InProgress, not Completed"),
        ({"package": replace(PACKAGE, images=())}, "inference container without an image"),
        ({"package": replace(PACKAGE, images=("image:1", None))}, "inference container without an image"),
        ({"package": replace(PACKAGE, model_data_urls=(None,))}, "no model data (ModelDataUrl or ModelDataSource)"),
        (
            {"live_variants": (VariantView("Blue", "m"),)},
            "serves variant(s) Blue but the new config declares AllTraffic",
        ),
        ({"endpoint": replace(LIVE, status="Failed")}, "is Failed; repair or delete it"),
        ({"alarms": None, "alarm_error": "AccessDenied"}, "rollback alarms cannot be read: AccessDenied"),
        ({"alarms": ALARMS[:1]}, "rollback alarm(s) not found: 5xx"),
        ({"alarms": (AlarmView("p99", "ALARM", NOW), ALARMS[1])}, "p99 in ALARM now; an update would roll back"),
        ({"policy": replace(CANARY, alarm_names=())}, "no rollback alarms configured"),
        ({"policy": replace(CANARY, alarm_names=tuple(f"a{i}" for i in range(11)))}, "at most 10"),
        ({"policy": replace(CANARY, max_execution_timeout_seconds=600)}, "does not cover 600 s of bakes"),
    ],
)
def test_each_unsafe_condition_is_refused_with_its_reason(change: dict, reason: str) -> None:
    reasons = preflight_reasons(replace(GOOD, **change))
    assert any(reason in text for text in reasons), reasons


def test_every_reason_is_reported_at_once() -> None:
    facts = replace(GOOD, package=replace(PACKAGE, approval_status="Rejected"), alarms=ALARMS[:1])
    assert len(preflight_reasons(facts)) == 2


def test_a_firing_alarm_does_not_block_a_first_deployment() -> None:
    firing = (AlarmView("p99", "ALARM", NOW), ALARMS[1])
    assert preflight_reasons(replace(GOOD, endpoint=None, live_variants=(), alarms=firing)) == []


@pytest.mark.parametrize(
    ("strategy", "unit", "value", "instances", "valid"),
    [
        (Strategy.CANARY, CapacityUnit.INSTANCE_COUNT, 1, 2, True),
        (Strategy.CANARY, CapacityUnit.INSTANCE_COUNT, 1, 1, False),
        (Strategy.CANARY, CapacityUnit.INSTANCE_COUNT, 3, 4, False),
        (Strategy.CANARY, CapacityUnit.CAPACITY_PERCENT, 50, 4, True),
        (Strategy.CANARY, CapacityUnit.CAPACITY_PERCENT, 60, 10, False),
        (Strategy.CANARY, CapacityUnit.CAPACITY_PERCENT, 10, 1, False),
        (Strategy.LINEAR, CapacityUnit.INSTANCE_COUNT, 1, 10, True),
        (Strategy.LINEAR, CapacityUnit.INSTANCE_COUNT, 1, 11, False),
        (Strategy.LINEAR, CapacityUnit.INSTANCE_COUNT, 3, 5, False),
        (Strategy.LINEAR, CapacityUnit.CAPACITY_PERCENT, 25, 8, True),
        (Strategy.ALL_AT_ONCE, CapacityUnit.INSTANCE_COUNT, 1, 1, True),
    ],
)
def test_canary_is_at_most_half_the_fleet_and_a_linear_step_ten_to_fifty_percent(
    strategy: Strategy, unit: CapacityUnit, value: int, instances: int, valid: bool
) -> None:
    policy = replace(CANARY, strategy=strategy, step=Capacity(unit, value))
    assert (capacity_reasons(Fleet("AllTraffic", "ml.m5.large", instances), policy) == []) is valid


def test_an_update_is_judged_a_success_only_when_the_endpoint_serves_the_new_config() -> None:
    verdict = judge_rollout(EndpointView("e", "InService", "new"), "new")
    assert (verdict.settled, verdict.outcome) == (True, Outcome.SUCCEEDED)


def test_an_in_service_endpoint_on_the_old_config_was_rolled_back_not_deployed() -> None:
    verdict = judge_rollout(EndpointView("e", "InService", "old", failure_reason="Alarm p99 tripped"), "new")
    assert (verdict.settled, verdict.outcome) == (True, Outcome.ROLLED_BACK)
    assert "Alarm p99 tripped" in verdict.reason


@pytest.mark.parametrize("status", ["Creating", "Updating", "SystemUpdating", "RollingBack"])
def test_an_endpoint_still_changing_is_not_judged_yet(status: str) -> None:
    assert not judge_rollout(EndpointView("e", status, "old", pending_config_name="new"), "new").settled


@pytest.mark.parametrize(
    ("endpoint", "text"),
    [(EndpointView("e", "Failed", "new", "no capacity"), "Failed: no capacity"), (None, "no longer exists")],
)
def test_a_failed_or_vanished_endpoint_is_a_failed_deployment(endpoint: EndpointView | None, text: str) -> None:
    verdict = judge_rollout(endpoint, "new")
    assert verdict.outcome is Outcome.FAILED
    assert text in verdict.reason


def test_the_alarm_in_alarm_now_is_named_as_the_cause_of_a_rollback() -> None:
    alarms = (AlarmView("5xx", "OK", NOW), AlarmView("p99", "ALARM", NOW + timedelta(minutes=3), "p99 > 250 ms"))
    alarm = fired_alarm(alarms, since=NOW)
    assert alarm is not None
    assert alarm.name == "p99"
    reason = rollback_reason(judge_rollout(EndpointView("e", "InService", "old"), "new"), alarm)
    assert "alarm p99 went to ALARM" in reason
    assert "p99 > 250 ms" in reason


def test_an_alarm_that_fired_and_recovered_during_the_update_is_still_named() -> None:
    alarms = (AlarmView("5xx", "OK", NOW - timedelta(days=1)), AlarmView("p99", "OK", NOW + timedelta(minutes=9)))
    alarm = fired_alarm(alarms, since=NOW)
    assert alarm is not None
    assert alarm.name == "p99"
    assert "changed state during the update" in rollback_reason(
        judge_rollout(EndpointView("e", "InService", "old"), "new"), alarm
    )


def test_no_alarm_is_blamed_when_none_changed_during_the_update() -> None:
    alarms = (AlarmView("5xx", "OK", NOW - timedelta(days=1)),)
    assert fired_alarm(alarms, since=NOW) is None
    verdict = judge_rollout(EndpointView("e", "InService", "old", failure_reason="health check failed"), "new")
    assert "no alarm identified" in rollback_reason(verdict, None)
