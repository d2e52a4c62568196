"""The dead-letter wiring ``mlopsctl dlq`` relies on is the template's: which function's events each queue holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlopsctl.local.template.loader import read_yaml
from mlopsctl.ops.dead_letters import FUNCTIONS_OF_QUEUE, OUTPUT_SUFFIX

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def _queue_of(arn: Any) -> str:
    logical_id, attribute = arn["Fn::GetAtt"]
    assert attribute == "Arn"
    return str(logical_id)


def test_each_functions_queue_holds_the_dead_letters_of_the_functions_consuming_those_events() -> None:
    template = read_yaml(TEMPLATE)
    output_of = {o["Value"]["Ref"]: key for key, o in template["Outputs"].items() if key.endswith(OUTPUT_SUFFIX)}
    found: dict[str, dict[str, str]] = {}
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        rules = [e["Properties"] for e in (props.get("Events") or {}).values() if e["Type"] == "EventBridgeRule"]
        if resource["Type"] != "AWS::Serverless::Function" or "DeadLetterQueue" not in props or not rules:
            continue  # no asynchronous events (Step Functions tasks), or an SQS source's redrive instead
        queue = _queue_of(props["DeadLetterQueue"]["TargetArn"])
        for rule in rules:
            assert _queue_of(rule["DeadLetterConfig"]["Arn"]) == queue, logical_id  # undelivered events: same queue
            for detail_type in rule["Pattern"]["detail-type"]:
                found.setdefault(output_of[queue], {})[detail_type] = logical_id

    assert found == FUNCTIONS_OF_QUEUE
    assert set(output_of.values()) - set(found) == {"DataArrivalDeadLetterQueueUrl"}  # the redrive queue
