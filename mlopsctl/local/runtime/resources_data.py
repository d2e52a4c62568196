"""Creators for storage, messaging, identity, SageMaker registry and alarm resources (see :mod:`.provision`)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from mlopsctl.local.errors import TemplateError
from mlopsctl.local.runtime.provision import Creator, ProvisionContext, Provisioned
from mlopsctl.local.template.loader import ResourceSpec


def bucket(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """``AWS::S3::Bucket``; EventBridge notifications on when the template turns them on."""
    s3 = ctx.clients.client("s3")
    name = ctx.name(spec, props, "BucketName")
    kwargs: dict[str, Any] = {"Bucket": name}
    if ctx.region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": ctx.region}
    s3.create_bucket(**kwargs)
    notification = props.get("NotificationConfiguration") or {}
    if (notification.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled") in (True, "true", "True"):
        s3.put_bucket_notification_configuration(
            Bucket=name, NotificationConfiguration={"EventBridgeConfiguration": {}}
        )
    status = (props.get("VersioningConfiguration") or {}).get("Status")
    if status:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": status})
    attrs = {
        "Arn": f"arn:aws:s3:::{name}",
        "DomainName": f"{name}.s3.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{ctx.region}.amazonaws.com",
    }
    return Provisioned(spec.logical_id, spec.type, name, name, attrs)


def table(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """``AWS::DynamoDB::Table`` with its indexes, stream and TTL."""
    ddb = ctx.clients.client("dynamodb")
    name = ctx.name(spec, props, "TableName")
    kwargs: dict[str, Any] = {
        "TableName": name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": props.get(
            "BillingMode", "PROVISIONED" if "ProvisionedThroughput" in props else "PAY_PER_REQUEST"
        ),
    }
    for key in ("ProvisionedThroughput", "GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if key in props:
            kwargs[key] = props[key]
    if "StreamSpecification" in props:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    described = ddb.create_table(**kwargs)["TableDescription"]
    ttl = props.get("TimeToLiveSpecification") or {}
    if ttl.get("Enabled") in (True, "true", "True"):
        ddb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True}
        )
    attrs = {"Arn": described["TableArn"], "StreamArn": described.get("LatestStreamArn")}
    return Provisioned(spec.logical_id, spec.type, name, name, attrs)


def queue(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """``AWS::SQS::Queue`` with its redrive policy."""
    sqs = ctx.clients.client("sqs")
    fifo = str(props.get("FifoQueue", "")).lower() == "true"
    name = ctx.name(spec, props, "QueueName", suffix=".fifo" if fifo else "")
    attributes: dict[str, str] = {}
    for key, value in props.items():
        if key in ("QueueName", "Tags"):
            continue
        attributes[key] = _attribute_text(value)
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = ctx.arn("sqs", name)
    return Provisioned(spec.logical_id, spec.type, name, url, {"Arn": arn, "QueueName": name, "QueueUrl": url})


def _attribute_text(value: Any) -> str:
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def topic(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """``AWS::SNS::Topic``, plus a local SQS inbox subscribed to it so notifications can be read."""
    sns, sqs = ctx.clients.client("sns"), ctx.clients.client("sqs")
    name = ctx.name(spec, props, "TopicName")
    attributes = {k: str(props[k]) for k in ("DisplayName", "KmsMasterKeyId", "FifoTopic") if k in props}
    arn = sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
    for subscription in props.get("Subscription") or []:
        sns.subscribe(TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"])
    inbox_name = f"{name[:60]}-local-inbox"
    inbox_url = sqs.create_queue(QueueName=inbox_name)["QueueUrl"]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=ctx.arn("sqs", inbox_name))
    ctx.resources.topic_inboxes[spec.logical_id] = inbox_url
    return Provisioned(spec.logical_id, spec.type, name, arn, {"Arn": arn, "TopicArn": arn, "TopicName": name})


def subscription(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """``AWS::SNS::Subscription``."""
    arn = ctx.clients.client("sns").subscribe(
        TopicArn=props["TopicArn"], Protocol=props["Protocol"], Endpoint=props.get("Endpoint", "")
    )["SubscriptionArn"]
    return Provisioned(spec.logical_id, spec.type, arn, arn, {"Arn": arn})


def role(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """``AWS::IAM::Role`` (inline policies stored; moto does not enforce them)."""
    iam = ctx.clients.client("iam")
    name = ctx.name(spec, props, "RoleName")
    trust = props.get("AssumeRolePolicyDocument") or {}
    described = iam.create_role(RoleName=name, Path=props.get("Path", "/"), AssumeRolePolicyDocument=json.dumps(trust))[
        "Role"
    ]
    for policy in props.get("Policies") or []:
        iam.put_role_policy(
            RoleName=name, PolicyName=policy["PolicyName"], PolicyDocument=json.dumps(policy["PolicyDocument"])
        )
    return Provisioned(spec.logical_id, spec.type, name, name, {"Arn": described["Arn"], "RoleId": described["RoleId"]})


def kms_key(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """``AWS::KMS::Key``."""
    kwargs: dict[str, Any] = {"Description": props.get("Description", spec.logical_id)}
    if "KeyPolicy" in props:
        kwargs["Policy"] = json.dumps(props["KeyPolicy"])
    meta = ctx.clients.client("kms").create_key(**kwargs)["KeyMetadata"]
    return Provisioned(
        spec.logical_id, spec.type, meta["KeyId"], meta["KeyId"], {"Arn": meta["Arn"], "KeyId": meta["KeyId"]}
    )


def kms_alias(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """``AWS::KMS::Alias``."""
    ctx.clients.client("kms").create_alias(AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"])
    name = str(props["AliasName"])
    return Provisioned(spec.logical_id, spec.type, name, name, {"Arn": ctx.arn("kms", name)})


def log_group(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """``AWS::Logs::LogGroup``."""
    name = ctx.name(spec, props, "LogGroupName")
    ctx.clients.client("logs").create_log_group(logGroupName=name)
    return Provisioned(spec.logical_id, spec.type, name, name, {"Arn": ctx.arn("logs", f"log-group:{name}:*")})


def model_package_group(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """``AWS::SageMaker::ModelPackageGroup`` (``Ref`` is its ARN, as in CloudFormation)."""
    name = ctx.name(spec, props, "ModelPackageGroupName")
    kwargs = {"ModelPackageGroupName": name}
    if props.get("ModelPackageGroupDescription"):
        kwargs["ModelPackageGroupDescription"] = props["ModelPackageGroupDescription"]
    arn = ctx.clients.client("sagemaker").create_model_package_group(**kwargs)["ModelPackageGroupArn"]
    attrs = {"Arn": arn, "ModelPackageGroupArn": arn, "ModelPackageGroupName": name}
    return Provisioned(spec.logical_id, spec.type, name, arn, attrs)


def pipeline(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """``AWS::SageMaker::Pipeline`` from an inline ``PipelineDefinitionBody``."""
    name = ctx.name(spec, props, "PipelineName")
    body = (props.get("PipelineDefinition") or {}).get("PipelineDefinitionBody")
    if body is None:
        raise_unsupported(spec, "only PipelineDefinition.PipelineDefinitionBody is supported locally")
    kwargs: dict[str, Any] = {
        "PipelineName": name,
        "PipelineDefinition": body if isinstance(body, str) else json.dumps(body),
        "RoleArn": props["RoleArn"],
        "ClientRequestToken": f"local-{hashlib.sha256(name.encode()).hexdigest()}",  # 32-128 characters
    }
    for key in ("PipelineDisplayName", "PipelineDescription"):
        if key in props:
            kwargs[key] = props[key]
    arn = ctx.clients.client("sagemaker").create_pipeline(**kwargs)["PipelineArn"]
    return Provisioned(spec.logical_id, spec.type, name, name, {"Arn": arn, "PipelineName": name})


def alarm(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """``AWS::CloudWatch::Alarm`` (starts ``OK``, as moto does)."""
    name = ctx.name(spec, props, "AlarmName")
    kwargs: dict[str, Any] = {k: v for k, v in props.items() if k not in ("AlarmName", "Tags")}
    for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
        if key in kwargs:
            kwargs[key] = int(kwargs[key])
    if "Threshold" in kwargs:
        kwargs["Threshold"] = float(kwargs["Threshold"])
    if "ActionsEnabled" in kwargs:
        kwargs["ActionsEnabled"] = str(kwargs["ActionsEnabled"]).lower() == "true"
    ctx.clients.client("cloudwatch").put_metric_alarm(AlarmName=name, **kwargs)
    return Provisioned(spec.logical_id, spec.type, name, name, {"Arn": ctx.arn("cloudwatch", f"alarm:{name}")})


def raise_unsupported(spec: ResourceSpec, why: str) -> None:
    """Fail with a message that names the resource."""
    raise TemplateError(f"{spec.logical_id} ({spec.type}): {why}")


CREATORS: dict[str, Creator] = {
    "AWS::S3::Bucket": bucket,
    "AWS::DynamoDB::Table": table,
    "AWS::SQS::Queue": queue,
    "AWS::SNS::Topic": topic,
    "AWS::SNS::Subscription": subscription,
    "AWS::IAM::Role": role,
    "AWS::KMS::Key": kms_key,
    "AWS::KMS::Alias": kms_alias,
    "AWS::Logs::LogGroup": log_group,
    "AWS::SageMaker::ModelPackageGroup": model_package_group,
    "AWS::SageMaker::Pipeline": pipeline,
    "AWS::CloudWatch::Alarm": alarm,
}
