"""Rollback triggers (which alarms are ours, one id per transition), the restore plan and the notification (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from mlops_core.deploy.deployment import Conclusion, Fleet, PreflightFailedError
from mlops_core.deploy.restore import RESTORE_POLICY
from mlops_core.events import AlarmStateChangeEvent, ModelPackageStateChangeEvent, parse_event
from mlops_core.rollback.contract.input import RestorePlan, RollbackInput
from mlops_core.rollback.decision import Action, Decision, Deployment
from mlops_core.rollback.plan import plan_rollback, restore_names, restore_record
from mlops_core.rollback.records import (
    notification,
    rollback_conclusion,
    rolled_back_fields,
)
from mlops_core.rollback.triggers import (
    Trigger,
    alarm_not_ours,
    alarm_trigger,
    rejection_trigger,
    rollback_id,
)
from tests.support.deploy.events import alarm_event, package_event, parsed_alarm
from tests.support.fakes.deploy import package_arn

STACK = "mlops-test"
ENDPOINT = "churn-endpoint"
PREFIX = "mlops-test-Endpoint"
FLEET = Fleet("AllTraffic", "ml.m5.large", 2)


def test_an_alarm_trigger_says_which_alarm_metric_and_threshold() -> None:
    trigger = alarm_trigger(parsed_alarm())
    assert trigger.at == datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    assert trigger.details["metric_name"] == "Invocation5XXErrors"
    assert trigger.details["threshold"] == 1.0
    assert trigger.reason.startswith("alarm mlops-test-EndpointAlarm5xx-1A2B3C went to ALARM (Invocation5XXErrors")
    assert Trigger.from_dict(json.loads(json.dumps(trigger.as_dict()))) == trigger


def test_duplicates_of_one_alarm_transition_share_a_rollback_id_and_a_new_transition_gets_another() -> None:
    first = rollback_id(STACK, alarm_trigger(parsed_alarm(event_id="a")))
    duplicate = rollback_id(STACK, alarm_trigger(parsed_alarm(event_id="b")))
    again = rollback_id(STACK, alarm_trigger(parsed_alarm(at="2024-05-01T13:00:00.000+0000")))
    assert first == duplicate != again
    assert first.startswith(f"{STACK}-rb-")
    assert len(first) <= 80


def test_a_rejection_trigger_names_the_package_and_the_reviewers_words() -> None:
    raw = package_event(2, "Rejected")
    raw["detail"]["ApprovalDescription"] = "bias found in eval"
    event = parse_event(raw)
    assert isinstance(event, ModelPackageStateChangeEvent)
    trigger = rejection_trigger(event, "2024-05-01T12:00:00.000Z")
    assert trigger.package_arn == package_arn(2)
    assert trigger.reason == "model package version 2 was rejected: bias found in eval"
    assert rollback_id(STACK, trigger) != rollback_id(STACK, rejection_trigger(event, "2024-05-02T08:00:00.000Z"))


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (alarm_event("other-stack-EndpointAlarm5xx-X"), "not one of this stack's endpoint alarms"),
        (alarm_event("mlops-test-DataArrivalDeadLetterAlarm-X"), "not one of this stack's endpoint alarms"),
        (alarm_event(state="OK"), "is OK; only a change to ALARM triggers a rollback"),
        (alarm_event(state="INSUFFICIENT_DATA"), "is INSUFFICIENT_DATA"),
        (alarm_event(endpoint="another-endpoint"), "watches endpoint another-endpoint, not churn-endpoint"),
    ],
)
def test_alarms_of_another_stack_or_endpoint_and_other_states_do_not_trigger(
    event: dict[str, Any], reason: str
) -> None:
    parsed = parse_event(event)
    assert isinstance(parsed, AlarmStateChangeEvent)
    found = alarm_not_ours(parsed, PREFIX, ENDPOINT)
    assert found is not None
    assert reason in found


def test_our_alarm_names_match_ignoring_case_as_the_local_stack_writes_them() -> None:
    assert alarm_not_ours(parsed_alarm(name="mlops-test-endpointalarm5xx"), PREFIX, ENDPOINT) is None


def deployment(version: int, **fields: Any) -> Deployment:
    values: dict[str, Any] = {
        "deployment_id": f"deploy-v{version}",
        "started_at": "2024-05-01T10:00:00+00:00",
        "outcome": "SUCCEEDED",
        "model_package_arn": package_arn(version),
        "model_package_version": version,
        "model_name": f"m{version}",
        "endpoint_config_name": f"c{version}",
    }
    return Deployment(**(values | fields))


RESTORE = Decision(Action.RESTORE, "alarm 5xx went to ALARM; restoring v1 in place of v2", deployment(2), deployment(1))
RECORD = Decision(Action.RECORD, "locked", deployment(2))


def plan_of(decision: Decision, rollback_id: str = "rb-1", *, recreate: bool = False) -> RestorePlan:
    """The plan the trigger's function makes of ``decision`` (an alarm's)."""
    trigger = alarm_trigger(parsed_alarm())
    return plan_rollback(decision, trigger, rollback_id=rollback_id, endpoint_name=ENDPOINT, recreate=recreate)


def test_the_restore_plan_reuses_the_known_good_config_and_switches_all_traffic_at_once() -> None:
    plan = plan_of(RESTORE)
    assert restore_names(STACK, plan, FLEET) == ("m1", "c1")
    assert plan.target is not None
    assert plan.target.model_package_arn == package_arn(1)
    record = restore_record(plan, restore_names(STACK, plan, FLEET), "arn:execution").as_update()
    routing = record["deployment_config"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]
    assert routing == {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0}
    assert "AutoRollbackConfiguration" not in record["deployment_config"]
    summary = plan.summary()
    assert (summary["from"]["model_package_version"], summary["to"]["model_package_version"]) == (2, 1)


def test_a_deleted_config_is_recreated_from_the_package_under_deterministic_names() -> None:
    plan = plan_of(RESTORE, recreate=True)
    model, config = restore_names(STACK, plan, FLEET)
    assert config.startswith(f"{STACK}-c1-")
    assert model.startswith(f"{STACK}-m1-")
    assert (model, config) == restore_names(STACK, plan_of(RESTORE, recreate=True), FLEET)


def test_a_config_that_is_gone_without_a_package_to_rebuild_it_fails_preflight() -> None:
    unknown = Decision(Action.RESTORE, "x", deployment(2), deployment(1, model_package_arn=None))
    with pytest.raises(PreflightFailedError, match="names no package"):
        restore_names(STACK, plan_of(unknown, recreate=True), FLEET)


def test_the_rollback_record_links_the_bad_deployment_and_the_restored_one() -> None:
    plan = plan_of(RESTORE)
    trigger = alarm_trigger(parsed_alarm())
    record = restore_record(plan, restore_names(STACK, plan, FLEET), "arn:execution").as_update()
    assert (record["rollback_of"], record["restores"], record["outcome"]) == ("deploy-v2", "deploy-v1", "IN_PROGRESS")
    assert record["trigger_chain"]["rollback_trigger"]["alarm_name"] == "mlops-test-EndpointAlarm5xx-1A2B3C"
    recorded_only = plan_of(Decision(Action.RECORD, "locked", deployment(2)), "rb")
    assert "rollback_of" not in restore_record(recorded_only, None, "arn:execution").as_update()
    fields = rolled_back_fields(trigger, "rb-1", datetime(2024, 5, 1, 12, 40, tzinfo=UTC)).as_update()
    assert (fields["outcome"], fields["alarm"], fields["rolled_back_by"]) == (
        "ROLLED_BACK",
        trigger.details["alarm_name"],
        "rb-1",
    )


def test_the_notification_names_alarm_metric_threshold_and_both_versions() -> None:
    plan = plan_of(RESTORE).summary()
    note = notification(ENDPOINT, plan, alarm_trigger(parsed_alarm()), Conclusion("SUCCEEDED", "endpoint serves c1"))
    assert note is not None
    subject, message = note
    assert subject == "[ROLLED_BACK] churn-endpoint v2 -> v1"
    assert (message["kind"], message["outcome"], message["trigger"]) == ("rollback", "ROLLED_BACK", "ALARM")
    assert (message["metric"], message["threshold"], message["from_version"], message["to_version"]) == (
        "Invocation5XXErrors",
        1.0,
        2,
        1,
    )
    assert "action_needed" not in message


def test_no_target_and_a_failed_restore_are_loud_and_a_recorded_trigger_is_silent() -> None:
    trigger = alarm_trigger(parsed_alarm())
    nothing = plan_of(Decision(Action.NO_TARGET, "no known-good", deployment(1)), "rb").summary()
    subject, message = notification(ENDPOINT, nothing, trigger, Conclusion("SKIPPED", "no known-good")) or ("", {})
    assert subject == "[ROLLBACK IMPOSSIBLE] churn-endpoint v1: no known-good version"
    assert (message["outcome"], message["to"]) == ("NO_TARGET", None)
    assert "still serves v1" in message["action_needed"]
    failed = notification(ENDPOINT, plan_of(RESTORE, "rb").summary(), trigger, Conclusion("FAILED", "timeout"))
    assert failed is not None
    assert failed[0] == "[ROLLBACK FAILED] churn-endpoint v2 -> v1"
    recorded = plan_of(RECORD, "rb").summary()
    assert notification(ENDPOINT, recorded, trigger, Conclusion("SKIPPED", "locked")) is None


def test_a_restore_the_endpoint_did_not_take_is_a_failed_rollback() -> None:
    state = {"wait": {"outcome": "ROLLED_BACK", "reason": "endpoint still serves c2, not c1"}}
    assert rollback_conclusion(state) == Conclusion(
        "FAILED", "the restore did not take: endpoint still serves c2, not c1"
    )
    assert rollback_conclusion({"wait": {"outcome": "SUCCEEDED", "reason": "serves c1"}}).outcome == "SUCCEEDED"


def test_the_rollback_execution_input_is_the_typed_plan_and_reads_back_whole() -> None:
    plan = plan_rollback(
        RESTORE, alarm_trigger(parsed_alarm()), rollback_id="rb-1", endpoint_name=ENDPOINT,
        fast_path="UpdateEndpoint requested",
    )  # fmt: skip
    execution_input = RollbackInput(plan=plan).as_input()
    assert execution_input["plan"]["fast_path"] == "UpdateEndpoint requested"
    assert execution_input["plan"]["from"]["deployment_id"] == "deploy-v2"
    assert RollbackInput.model_validate(execution_input) == RollbackInput(plan=plan)
    assert plan.trigger.trigger() == alarm_trigger(parsed_alarm())
    assert RESTORE_POLICY.alarm_names == ()
