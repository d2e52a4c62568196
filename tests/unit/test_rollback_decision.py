"""The rollback decision table and the choice of the known-good target, from ledger histories (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlops_core.deploy.ledger_items import DeploymentRecord
from mlops_core.rollback.decision import RULES, Action, Deployment, Facts, decide, history_of
from mlops_core.rollback.triggers import Trigger, TriggerKind
from mlops_core.timefmt import stamp
from tests.support.fakes.deploy import package_arn

ENDPOINT = "churn-endpoint"
T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def deployed(version: int, minute: float, outcome: str = "SUCCEEDED", **fields: Any) -> dict[str, Any]:
    """A deployment record as the Deploy machine leaves it: started at ``minute``, rolled out over 10 minutes."""
    record = {
        "deployment_id": fields.pop("deployment_id", f"deploy-v{version}-{minute}"),
        "started_at": at(minute).isoformat(),
        "outcome": outcome,
        "model_package_arn": package_arn(version),
        "model_package_version": version,
        "model_name": f"m{version}",
        "endpoint_config_name": f"c{version}",
        "rollout_started_at": stamp(at(minute + 1)),
        "finished_at": stamp(at(minute + 10)),
    }
    return record | fields


def restored(version: int, minute: float, rolled_back: dict[str, Any], outcome: str = "SUCCEEDED") -> dict[str, Any]:
    """The record of a rollback that restored ``version`` in place of ``rolled_back``."""
    return deployed(
        version, minute, outcome, deployment_id=f"rollback-{minute}", rollback_of=rolled_back["deployment_id"]
    )


def alarm(minute: float = 60) -> Trigger:
    when = at(minute)
    return Trigger(TriggerKind.ALARM, f"arn:alarm#{stamp(when)}", when, "alarm 5xx went to ALARM")


def rejection(version: int) -> Trigger:
    details = {"model_package_arn": package_arn(version), "model_package_version": version}
    return Trigger(TriggerKind.REJECTION, f"{package_arn(version)}#t", at(60), f"v{version} was rejected", details)


def newest_first(records: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> tuple[Deployment, ...]:
    """The history of ``records`` given oldest first, read as the ledger's records (it returns them newest first)."""
    return history_of([DeploymentRecord.of_item({"endpoint_name": ENDPOINT, **r}) for r in reversed(records)])


def decision_for(trigger: Trigger, *records: dict[str, Any], holder: str | None = None) -> Any:
    """Decide on ``records`` given oldest first (the ledger returns them newest first)."""
    return decide(Facts(trigger, ENDPOINT, newest_first(records), holder))


def test_an_alarm_after_the_rollout_restores_the_last_known_good_version() -> None:
    v1, v2 = deployed(1, 0), deployed(2, 20)
    decision = decision_for(alarm(), v1, v2)
    assert decision.action is Action.RESTORE
    assert (decision.live.model_package_version, decision.target.model_package_version) == (2, 1)
    assert decision.target.endpoint_config_name == "c1"
    assert "restoring v1 in place of v2" in decision.reason


def test_deployments_that_failed_or_were_rolled_back_are_never_the_target() -> None:
    records = (deployed(0, 0), deployed(1, 20, "FAILED"), deployed(2, 40, "ROLLED_BACK"), deployed(3, 60))
    decision = decision_for(alarm(80), *records)
    assert decision.target.model_package_version == 0


def test_a_redeployment_of_the_live_package_is_not_a_target() -> None:
    decision = decision_for(alarm(80), deployed(1, 0), deployed(2, 20), deployed(2, 40))
    assert decision.target.model_package_version == 1


def test_with_only_one_version_ever_deployed_there_is_no_target_and_no_change() -> None:
    decision = decision_for(alarm(), deployed(1, 0))
    assert decision.action is Action.NO_TARGET
    assert decision.target is None
    assert "no known-good version precedes v1" in decision.reason


def test_an_endpoint_with_nothing_of_ours_live_is_only_recorded() -> None:
    decision = decision_for(alarm(), deployed(1, 0, "FAILED"))
    assert decision.action is Action.RECORD
    assert "no deployment of this system is live" in decision.reason


def test_after_a_rollback_the_restored_model_is_never_rolled_back_further() -> None:
    v1, v2 = deployed(1, 0), deployed(2, 20, "ROLLED_BACK")
    decision = decision_for(alarm(90), v1, v2, restored(1, 40, v2))
    assert decision.action is Action.RECORD
    assert "restored by rollback rollback-40" in decision.reason


@pytest.mark.parametrize("outcome", ["IN_PROGRESS", "FAILED"])
def test_a_deployment_is_rolled_back_once_even_while_or_after_its_rollback_fails(outcome: str) -> None:
    v1, v2 = deployed(1, 0), deployed(2, 20)
    decision = decision_for(alarm(90), v1, v2, restored(1, 40, v2, outcome))
    assert decision.action is Action.RECORD
    assert f"rolled back already by rollback-40 ({outcome})" in decision.reason


def test_a_trigger_that_was_only_recorded_does_not_count_as_a_rollback() -> None:
    v1, v2 = deployed(1, 0), deployed(2, 20)
    skipped = {"deployment_id": "rb-skipped", "started_at": at(35).isoformat(), "outcome": "SKIPPED"}
    assert decision_for(alarm(90), v1, v2, skipped).action is Action.RESTORE


def test_a_restored_model_is_a_target_again_once_a_newer_version_is_live() -> None:
    v1, v2 = deployed(1, 0), deployed(2, 20, "ROLLED_BACK")
    decision = decision_for(alarm(120), v1, v2, restored(1, 40, v2), deployed(3, 60))
    assert decision.action is Action.RESTORE
    assert (decision.target.deployment_id, decision.target.model_package_version) == ("rollback-40", 1)


def test_another_rollout_holding_the_endpoint_owns_the_alarm() -> None:
    decision = decision_for(alarm(), deployed(1, 0), deployed(2, 20), holder="deploy-v3")
    assert decision.action is Action.RECORD
    assert "deploy-v3 holds churn-endpoint" in decision.reason


def test_rejecting_the_live_package_restores_the_one_before() -> None:
    decision = decision_for(rejection(2), deployed(1, 0), deployed(2, 20))
    assert (decision.action, decision.target.model_package_version) == (Action.RESTORE, 1)
    assert "v2 was rejected" in decision.reason


def test_rejecting_a_package_that_is_not_live_changes_nothing() -> None:
    decision = decision_for(rejection(1), deployed(1, 0), deployed(2, 20))
    assert decision.action is Action.RECORD
    assert "is not live (v2 is)" in decision.reason


def test_an_alarm_from_before_the_latest_rollout_started_is_stale() -> None:
    decision = decision_for(alarm(15), deployed(1, 0), deployed(2, 20))
    assert decision.action is Action.RECORD
    assert "before the latest rollout" in decision.reason


def test_an_alarm_during_a_canary_the_guardrails_rolled_back_belongs_to_that_rollout() -> None:
    records = (deployed(0, 0), deployed(1, 20), deployed(2, 40, "ROLLED_BACK"))
    decision = decision_for(alarm(45), *records)
    assert decision.action is Action.RECORD
    assert "during rollout deploy-v2-40 (ROLLED_BACK)" in decision.reason


def test_an_alarm_after_that_failed_rollout_judges_the_live_model() -> None:
    records = (deployed(0, 0), deployed(1, 20), deployed(2, 40, "ROLLED_BACK"))
    decision = decision_for(alarm(70), *records)
    assert (decision.action, decision.live.model_package_version, decision.target.model_package_version) == (
        Action.RESTORE,
        1,
        0,
    )


def test_an_alarm_without_a_time_is_judged_on_the_history_alone() -> None:
    trigger = Trigger(TriggerKind.ALARM, "arn:alarm#event-id", None, "alarm 5xx went to ALARM")
    assert decision_for(trigger, deployed(1, 0), deployed(2, 20)).action is Action.RESTORE


SCENARIOS = [
    ("another rollout holds the endpoint", {"holder": "deploy-v3"}),
    ("nothing of ours is live", {"records": [deployed(1, 0, "FAILED")]}),
    ("the live model was restored by a rollback", {"records": [deployed(1, 0), restored(1, 40, deployed(2, 20))]}),
    (
        "the live deployment was rolled back already",
        {"records": [deployed(1, 0), deployed(2, 20), restored(1, 40, deployed(2, 20), "FAILED")]},
    ),
    ("a rejected package is not live", {"trigger": rejection(1)}),
    ("the alarm belongs to a rollout's window", {"trigger": alarm(15)}),
    ("no known-good version before the live one", {"records": [deployed(2, 20)]}),
]


@pytest.mark.parametrize(("rule", "case"), SCENARIOS, ids=[rule for rule, _ in SCENARIOS])
def test_every_row_of_the_table_is_reachable_and_decides_its_action(rule: str, case: dict[str, Any]) -> None:
    records = case.get("records", [deployed(1, 0), deployed(2, 20)])
    decision = decision_for(case.get("trigger", alarm()), *records, holder=case.get("holder"))
    expected = {name: action for name, _, action in RULES}[rule]
    assert decision.action is expected
    assert [name for name, _, _ in RULES] == [name for name, _ in SCENARIOS]


OUTCOMES = st.sampled_from(["SUCCEEDED", "FAILED", "ROLLED_BACK", "SKIPPED", "SUPERSEDED"])


@given(st.lists(st.tuples(st.integers(1, 4), OUTCOMES), min_size=1, max_size=8))
def test_a_restore_always_targets_an_older_successful_deployment_of_another_package(
    runs: list[tuple[int, str]],
) -> None:
    records = [deployed(version, 20 * index, outcome) for index, (version, outcome) in enumerate(runs)]
    decision = decision_for(alarm(1000), *records)
    if decision.action is not Action.RESTORE:
        return
    history = newest_first(records)
    assert decision.live == next(item for item in history if item.outcome == "SUCCEEDED")
    assert decision.target.outcome == "SUCCEEDED"
    assert decision.target.model_package_arn != decision.live.model_package_arn
    assert history.index(decision.target) > history.index(decision.live)
