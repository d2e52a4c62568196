"""Debounce: with DebounceMaxObjects > 0 a schedule ticks DataArrivalQueue, and only then."""

from __future__ import annotations

from mlopsctl.local.runtime.stack import LocalStack
from mlopsctl.local.template.loader import read_yaml
from tests.support.files import ROOT_TEMPLATE


def test_the_flush_tick_exists_only_when_debouncing_and_may_send_to_the_queue() -> None:
    template = read_yaml(ROOT_TEMPLATE)
    rule = template["Resources"]["DataArrivalFlushRule"]
    assert rule["Condition"] == "UseDebounce"
    assert template["Conditions"]["UseDebounce"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "DebounceMaxObjects"}, "0"]}]}
    assert rule["Properties"]["ScheduleExpression"] == "rate(1 minute)"
    assert rule["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": ["DataArrivalQueue", "Arn"]}
    policy = template["Resources"]["DataArrivalQueuePolicy"]["Properties"]["PolicyDocument"]
    [send] = [s for s in policy["Statement"] if s["Action"] == "sqs:SendMessage"]
    senders = send["Condition"]["ArnEquals"]["aws:SourceArn"]
    assert {"Fn::GetAtt": ["DataArrivalRule", "Arn"]} in senders
    assert {
        "Fn::If": ["UseDebounce", {"Fn::GetAtt": ["DataArrivalFlushRule", "Arn"]}, {"Ref": "AWS::NoValue"}]
    } in senders


def test_the_local_stack_creates_the_tick_rule_only_when_debouncing() -> None:
    events_rules: dict[str, list[str]] = {}
    for objects in ("0", "50"):
        with LocalStack(ROOT_TEMPLATE, parameters={"DebounceMaxObjects": objects}) as stack:
            rules = stack.client("events").list_rules()["Rules"]
            events_rules[objects] = [r["Name"] for r in rules if r.get("ScheduleExpression") == "rate(1 minute)"]
    assert events_rules["0"] == []
    assert len(events_rules["50"]) == 1
