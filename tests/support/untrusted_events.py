"""Helpers of the flow tests on events that must not be trusted: the project's real-shaped samples (``events/``),
rewritten to name this stack's resources, and the one question every such test asks of the action log: did the
system change anything?"""

from __future__ import annotations

import re
from typing import Any

from mlopsctl.local.runtime.stack import LocalStack
from tests.support.events import project_event, project_sqs_body

OTHER_ACCOUNT = "210987654321"
OTHER_REGION = "eu-west-1"

#: API operations (boto3 names) that change something: every Create*/Update*/Start*/Put*/Send*/Publish/Delete*...
CHANGING = re.compile(
    r"^(create|update|start|stop|put|send|publish|delete|add|remove|set|tag|untag|attach|detach|change|batch_write"
    r"|transact_write|invoke|copy|upload|complete|restore|reject|approve)"
)


def changes(entries: list[dict[str, Any]]) -> list[str]:
    """The changing AWS calls among action log entries, as ``service.operation``."""
    return [
        f"{e['service']}.{e['operation']}"
        for e in entries
        if e["kind"] == "aws_call" and CHANGING.match(e["operation"])
    ]


def runs(entries: list[dict[str, Any]], function: str) -> list[dict[str, Any]]:
    """The runs of ``function`` among action log entries."""
    return [e for e in entries if e["kind"] == "handler" and e["function"] == function]


sample = project_event
sqs_body = project_sqs_body


def after(stack: LocalStack, mark: int) -> list[dict[str, Any]]:
    """The action log entries since ``mark`` (a length of the log taken before)."""
    return list(stack.log.entries()[mark:])


def alarm_event(stack: LocalStack, alarm: str, *, account: str, arn_account: str | None = None) -> dict[str, Any]:
    """``events/alarm_state_alarm.json`` for our ``alarm`` watching our endpoint (its name and metric, as anyone can
    copy them), sent from ``account`` with the alarm ARN in ``arn_account``, at the stack's time."""
    event = sample("alarm_state_alarm.json")
    region = stack.template.region
    arn = f"arn:aws:cloudwatch:{region}:{arn_account or account}:alarm:{alarm}"
    event.update(account=account, region=region, resources=[arn], time=stack.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"))
    event["detail"]["alarmName"] = alarm
    for metric in event["detail"]["configuration"]["metrics"]:
        metric["metricStat"]["metric"]["dimensions"]["EndpointName"] = str(stack.template.parameters["EndpointName"])
    return event


def object_created(stack: LocalStack, key: str, *, account: str, region: str | None = None) -> dict[str, Any]:
    """The first event of ``events/data_arrival_sqs.json`` for ``key`` in our data bucket, sent from ``account``."""
    event = sqs_body("data_arrival_sqs.json")
    bucket = stack.physical_name("DataBucket")
    event.update(account=account, region=region or stack.template.region, resources=[f"arn:aws:s3:::{bucket}"])
    event["detail"]["bucket"]["name"] = bucket
    event["detail"]["object"]["key"] = key
    event["detail"]["requester"] = account
    return event


def package_event(stack: LocalStack, version: int, **rewrites: Any) -> dict[str, Any]:
    """``events/model_package_approved.json`` for ``version`` of our group; ``rewrites`` change the envelope
    (``account``, ``region``) or, for detail keys (PascalCase), the detail."""
    event = sample("model_package_approved.json")
    group, region, account = stack.physical_name("ModelPackageGroup"), stack.template.region, stack.template.account_id
    arn = f"arn:aws:sagemaker:{region}:{account}:model-package/{group}/{version}"
    event.update(account=account, region=region, resources=[arn], time=stack.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"))
    detail = event["detail"]
    detail.update(ModelPackageGroupName=group, ModelPackageVersion=version, ModelPackageArn=arn)
    for key, value in rewrites.items():
        (detail if key[:1].isupper() else event)[key] = value
    if "ModelPackageArn" in rewrites:
        event["resources"] = [rewrites["ModelPackageArn"]]
    return event
