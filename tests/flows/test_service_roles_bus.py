"""EventBridge delivers to the data-arrival queue only as the queue's and the key's policies allow: mutation tests.

EventBridge sends to an SQS target as ``events.amazonaws.com``; only resource-based policies can allow a service
principal: the queue policy (for the rule, by ``aws:SourceArn``) and, the queue being encrypted with the stack's
key, the key policy (:mod:`mlopsctl.local.runtime.bus`). Taking either statement out of a copy of ``template.yaml``
means
dropped data never reaches DataArrivalFunction. With the project's template it does
(``tests/flows/test_data_arrival_flow.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlopsctl.local.runtime.stack import LocalStack
from tests.support.template_copies import template_with, without_statement

# These tests take grants away on purpose: the denials they cause are what they assert.
pytestmark = [pytest.mark.flow, pytest.mark.iam_denials]


def deliveries_after_a_drop(template: Path) -> tuple[int, list[str]]:
    """Drop one object; how often DataArrivalFunction ran, and the messages of EventBridge's denials."""
    with LocalStack(template) as stack:
        bucket = stack.physical_name("DataBucket")
        stack.aws("s3", "put_object", Bucket=bucket, Key="incoming/a.txt", Body=b"a ticket")
        runs = [e for e in stack.log.entries("handler") if e["function"] == "DataArrivalFunction"]
        assert stack.iam is not None
        denials = [d.message for d in stack.iam.usage.denials if d.principal == "events.amazonaws.com"]
        return len(runs), denials


@pytest.mark.parametrize(
    ("resource", "statement", "action", "denied"),
    [
        ("DataArrivalQueuePolicy", "OnlyTheDataArrivalRuleSends", "sqs:SendMessage", "mlops-local-dataarrivalqueue"),
        (
            "MlopsKey",
            "EventBridgeWritesEncryptedQueues",
            "kms:GenerateDataKey",
            "arn:aws:kms:us-east-1:123456789012:key/",
        ),
    ],
)
def test_dropped_data_never_reaches_the_function_without_the_resource_policy_eventbridge_needs(
    tmp_path: Path, resource: str, statement: str, action: str, denied: str
) -> None:
    runs, denials = deliveries_after_a_drop(template_with(tmp_path, without_statement(resource, statement)))

    assert runs == 0
    assert denials, "EventBridge's delivery was not refused"
    assert f"events.amazonaws.com is not authorized to perform: {action} on resource: " in denials[0]
    assert denied in denials[0]
