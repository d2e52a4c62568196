"""House rules of ``template.yaml``, checked on the parsed file: the data-arrival route delivers exactly the events it
should, to a queue that keeps what fails.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mlopsctl.local.moto_patches.backends import event_matcher
from tests.support.aws_corpus import corpus_dir
from tests.support.events import folder_samples
from tests.support.template_queries import resolve_refs
from tests.support.template_rules import RESOURCES, of_type


# Data arrival ----------------------------------------------------------------------------------------
def _sample_events() -> list[dict[str, Any]]:
    events = folder_samples("s3-object-created-eventbridge")
    return [event for event in events if isinstance(event, dict) and event.get("detail-type") == "Object Created"]


def _s3_event(bucket: str, key: str, detail_type: str = "Object Created") -> dict[str, Any]:
    event = copy.deepcopy(_sample_events()[0])
    event["detail-type"] = detail_type
    event["detail"]["bucket"]["name"] = bucket
    event["detail"]["object"]["key"] = key
    return event


def _reaches_data_arrival_queue(event: dict[str, Any]) -> bool:
    """Whether EventBridge (moto's matcher, which follows AWS's pattern semantics) routes ``event`` by the rule."""
    pattern = resolve_refs(RESOURCES["DataArrivalRule"]["Properties"]["EventPattern"], {"DataBucket": "our-data"})
    return event_matcher(pattern)(event)


@pytest.mark.parametrize("key", ["incoming/a.csv", "incoming/deep/dir/b.jpg", "labeled/c.jsonl"])
def test_new_data_under_our_prefixes_reaches_the_queue(key: str) -> None:
    assert _reaches_data_arrival_queue(_s3_event("our-data", key))


@pytest.mark.parametrize(
    ("bucket", "key", "detail_type"),
    [
        ("our-data", "manifests/batch-1.manifest", "Object Created"),  # our own writes must not loop back
        ("our-data", "labeling-output/job/output.manifest", "Object Created"),
        ("our-data", "x/incoming/a.csv", "Object Created"),
        ("our-data", "incoming-old/a.csv", "Object Created"),
        ("our-data", "labeled.csv", "Object Created"),
        ("other-bucket", "incoming/a.csv", "Object Created"),
        ("our-data", "incoming/a.csv", "Object Deleted"),
        ("our-data", "incoming/a.csv", "Object Tags Added"),
    ],
)
def test_other_s3_events_are_filtered_out_by_the_rule(bucket: str, key: str, detail_type: str) -> None:
    assert not _reaches_data_arrival_queue(_s3_event(bucket, key, detail_type))


def test_real_s3_sample_events_match_once_renamed_into_our_bucket() -> None:
    samples = _sample_events()
    assert samples, f"no samples under {corpus_dir()}"
    for sample in samples:
        event = _s3_event("our-data", "incoming/" + sample["detail"]["object"]["key"].lstrip("/"))
        event["detail"] = {**sample["detail"], "bucket": event["detail"]["bucket"], "object": event["detail"]["object"]}
        assert _reaches_data_arrival_queue(event)


def test_rule_delivers_to_the_queue_and_only_our_rules_may_send() -> None:
    rule = RESOURCES["DataArrivalRule"]["Properties"]
    assert "EventBusName" not in rule, "S3 sends its events to the default bus only"
    assert [target["Arn"] for target in rule["Targets"]] == [{"Fn::GetAtt": ["DataArrivalQueue", "Arn"]}]
    policies = [
        p for p in of_type("AWS::SQS::QueuePolicy").values() if {"Ref": "DataArrivalQueue"} in p["Properties"]["Queues"]
    ]
    allows = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allows
    for statement in allows:
        assert statement["Principal"] == {"Service": "events.amazonaws.com"}
        assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == [
            {"Fn::GetAtt": ["DataArrivalRule", "Arn"]},
            # the debounce flush tick, only when debouncing (tests/contract/test_template_debounce.py)
            {"Fn::If": ["UseDebounce", {"Fn::GetAtt": ["DataArrivalFlushRule", "Arn"]}, {"Ref": "AWS::NoValue"}]},
        ]


def test_failed_data_arrival_events_are_kept_14_days_and_raise_an_alarm() -> None:
    queue = RESOURCES["DataArrivalQueue"]["Properties"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["DataArrivalDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    assert RESOURCES["DataArrivalDeadLetterQueue"]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    alarm = RESOURCES["DataArrivalDeadLetterAlarm"]["Properties"]
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["DataArrivalDeadLetterQueue", "QueueName"]}}
    ]
    assert (alarm["MetricName"], alarm["ComparisonOperator"], alarm["Threshold"]) == (
        "ApproximateNumberOfMessagesVisible",
        "GreaterThanThreshold",
        0,
    )
    assert {"Ref": "NotificationTopic"} in alarm["AlarmActions"]
