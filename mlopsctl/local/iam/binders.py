"""Binders: a resource type's ARN variables taken from an API request (or the ARN itself, when the request names it).

:mod:`.requests` builds the resource ARNs of an action from the ARN formats of the Service Authorization Reference
(:mod:`.database`); a binder says which request parameters fill in the format's variables for one resource type.
``CreateModelPackage`` into a group binds ``<group>/*`` (the version's ARN is not known before it exists), and
``states:SendTask*`` are checked on the state machine whose execution issued the token (see :mod:`.requests`).

Examples
--------
>>> from mlopsctl.local.iam.call_context import CallContext, NoFacts
>>> ctx = CallContext("aws", "us-east-1", "123456789012", NoFacts())
>>> BINDERS[("sagemaker", "endpoint")]({"EndpointName": "e1"}, ctx)
[{'EndpointName': 'e1'}]
>>> BINDERS[("sqs", "queue")]({"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q"}, ctx)
['arn:aws:sqs:us-east-1:123456789012:q']
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from mlopsctl.local.iam.call_context import CallContext
from mlopsctl.local.iam.evaluate import Request

Binder = Callable[[Mapping[str, Any], CallContext], list[dict[str, str] | str]]


def _named(param: str, variable: str, arn_marker: str | None = None) -> Binder:
    def bind(params: Mapping[str, Any], _ctx: CallContext) -> list[dict[str, str] | str]:
        value = params.get(param)
        if not isinstance(value, str) or not value:
            return []
        if value.startswith("arn:"):
            return [value] if arn_marker is None or arn_marker in value else []
        return [{variable: value}]

    return bind


def _s3_object(params: Mapping[str, Any], _ctx: CallContext) -> list[dict[str, str] | str]:
    if "Bucket" in params and "Key" in params:
        return [{"BucketName": str(params["Bucket"]), "ObjectName": str(params["Key"])}]
    return []


def _s3_bucket(params: Mapping[str, Any], _ctx: CallContext) -> list[dict[str, str] | str]:
    return [{"BucketName": str(params["Bucket"])}] if "Bucket" in params and "Key" not in params else []


def _sqs_queue(params: Mapping[str, Any], ctx: CallContext) -> list[dict[str, str] | str]:
    url = params.get("QueueUrl")
    if not isinstance(url, str):
        return []
    parts = url.rstrip("/").split("/")
    return [f"arn:{ctx.partition}:sqs:{ctx.region}:{parts[-2]}:{parts[-1]}"]


def _dynamodb_table(params: Mapping[str, Any], _ctx: CallContext) -> list[dict[str, str] | str]:
    if "TableName" in params:
        return [{"TableName": str(params["TableName"])}]
    return [{"TableName": str(name)} for name in params.get("RequestItems") or {}]


def _dynamodb_index(params: Mapping[str, Any], _ctx: CallContext) -> list[dict[str, str] | str]:
    if "TableName" in params and "IndexName" in params:
        return [{"TableName": str(params["TableName"]), "IndexName": str(params["IndexName"])}]
    return []


def _alarms(params: Mapping[str, Any], _ctx: CallContext) -> list[dict[str, str] | str]:
    names = params.get("AlarmNames") or ([params["AlarmName"]] if "AlarmName" in params else [])
    return [{"AlarmName": str(n)} for n in names]


def _callback(params: Mapping[str, Any], ctx: CallContext) -> list[dict[str, str] | str]:
    arn = ctx.facts.state_machine_of_token(str(params.get("taskToken", "")))
    return [arn] if arn else []


def _function(params: Mapping[str, Any], _ctx: CallContext) -> list[dict[str, str] | str]:
    name = params.get("FunctionName")
    if not isinstance(name, str):
        return []
    if name.startswith("arn:"):
        return [":".join(name.split(":")[:7])]  # qualifier dropped: InvokeFunction is authorized on the function
    return [{"FunctionName": name}]


def _model_package_group(params: Mapping[str, Any], _ctx: CallContext) -> list[dict[str, str] | str]:
    group = params.get("ModelPackageGroupName")
    if not isinstance(group, str):
        return []
    return [group] if group.startswith("arn:") else [{"ModelPackageGroupName": group}]


def _model_package(params: Mapping[str, Any], ctx: CallContext) -> list[dict[str, str] | str]:
    for param in ("ModelPackageArn", "ModelPackageName"):
        if isinstance(params.get(param), str):
            return _named(param, "ModelPackageName")(params, ctx)
    return []


def _new_model_package(params: Mapping[str, Any], ctx: CallContext) -> list[dict[str, str] | str]:
    """CreateModelPackage into a group: the version's ARN is not known before it exists; AWS authorizes the group's
    versions, which a ``model-package/<group>/*`` statement covers (checked on ``<group>/*`` literally)."""
    named = _model_package(params, ctx)
    if named:
        return named
    group = params.get("ModelPackageGroupName")
    if not isinstance(group, str):
        return []
    name = group.rsplit("/", 1)[-1]
    return [{"ModelPackageName": f"{name}/*"}]


BINDERS: dict[tuple[str, str], Binder] = {
    ("sagemaker", "endpoint"): _named("EndpointName", "EndpointName"),
    ("sagemaker", "endpoint-config"): _named("EndpointConfigName", "EndpointConfigName"),
    ("sagemaker", "model"): _named("ModelName", "ModelName"),
    ("sagemaker", "labeling-job"): _named("LabelingJobName", "LabelingJobName"),
    ("sagemaker", "pipeline"): _named("PipelineName", "PipelineName"),
    ("sagemaker", "pipeline-execution"): _named("PipelineExecutionArn", "PipelineExecutionId", ":pipeline/"),
    ("sagemaker", "model-package"): _model_package,
    ("sagemaker", "model-package-group"): _model_package_group,
    ("sagemaker", "processing-job"): _named("ProcessingJobName", "ProcessingJobName"),
    ("sagemaker", "training-job"): _named("TrainingJobName", "TrainingJobName"),
    ("states", "statemachine"): _named("stateMachineArn", "StateMachineName", ":stateMachine:"),
    ("states", "execution"): _named("executionArn", "ExecutionId", ":execution:"),
    ("s3", "object"): _s3_object,
    ("s3", "bucket"): _s3_bucket,
    ("sqs", "queue"): _sqs_queue,
    ("sns", "topic"): _named("TopicArn", "TopicName", ":sns:"),
    ("dynamodb", "table"): _dynamodb_table,
    ("dynamodb", "index"): _dynamodb_index,
    ("lambda", "function"): _function,
    ("cloudwatch", "alarm"): _alarms,
    ("kms", "key"): _named("KeyId", "KeyId"),
    ("iam", "role"): _named("RoleArn", "RoleNameWithPath", ":role/"),
}


def callback_requests(params: Mapping[str, Any], action: str, ctx: CallContext) -> list[Request]:
    """``states:SendTask*`` on the state machine of the token's execution (``*`` when the token is unknown)."""
    arns = _callback(params, ctx)
    return [Request(f"states:{action}", str(arns[0]) if arns else "*", {"aws:SecureTransport": "true"})]


CREATE_PACKAGE = ("sagemaker", "CreateModelPackage", "model-package")
NEW_VERSION: Binder = _new_model_package


def role_arns(value: Any, key: str = "") -> Iterator[str]:
    if isinstance(value, Mapping):
        for name, item in value.items():
            yield from role_arns(item, str(name))
    elif isinstance(value, list):
        for item in value:
            yield from role_arns(item, key)
    elif key.endswith("RoleArn") and isinstance(value, str) and value.startswith("arn:"):
        yield value
