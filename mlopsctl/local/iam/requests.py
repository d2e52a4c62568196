"""What AWS authorizes for one API call: the action, the resource ARNs it builds, the request context, and the
dependent actions it checks.

- The action is ``<service prefix>:<API name>`` unless the Service Authorization Reference names another permission
  for that API (S3 ``HeadObject`` → ``s3:GetObject``, ``ListObjectsV2`` → ``s3:ListBucket``, a versioned
  ``GetObject`` → ``s3:GetObjectVersion``; Lambda ``Invoke`` → ``lambda:InvokeFunction``; SQS batch APIs → the single
  action; DynamoDB ``TransactWriteItems``/``TransactGetItems`` → the action of each item, as the DynamoDB Developer
  Guide's "Using IAM with DynamoDB transactions" says).
- Resources: for every resource type the reference lists for the action, the ARN built from its ARN format
  (:mod:`.database`) and the request's parameters (SageMaker's ``AddTags``/``DeleteTags``/``ListTags``: the
  ``ResourceArn`` they name); SageMaker ARNs in lower case (SageMaker lower-cases the names
  inside the ARNs it evaluates). An action whose request names no resource the local stack can build is checked on
  ``*``, which only a ``Resource: "*"`` statement matches (strict).
- Dependent actions, checked when the request uses what they guard: ``iam:PassRole`` (with ``iam:PassedToService``)
  for every ``…RoleArn`` handed to SageMaker; ``sagemaker:AddTags`` when a create call carries ``Tags`` (SageMaker
  Developer Guide, "Grant permissions to tag SageMaker AI resources"); ``kms:Decrypt`` / ``kms:GenerateDataKey`` on
  the key of an SSE-KMS object read or written (S3 User Guide, "Using server-side encryption with AWS KMS keys"), of
  an encrypted queue (SQS Developer Guide, "Key management": producers GenerateDataKey and Decrypt, consumers
  Decrypt) and of an encrypted topic (SNS Developer Guide, "Encryption at rest": publishers GenerateDataKey and
  Decrypt).
- Reading an object that does not exist: S3 says 404 only to a caller allowed ``s3:ListBucket`` on the bucket, and
  403 Access Denied to any other (Amazon S3 API Reference, GetObject/HeadObject permissions).
- ``CopyObject`` (S3 API Reference, CopyObject: read access to the source object, write access to the destination):
  ``s3:GetObject`` (``s3:GetObjectVersion`` for a ``versionId``) on the source and ``s3:PutObject`` on the
  destination, each with its KMS request; copying the tags (``TaggingDirective`` ``COPY``, the default) adds
  ``s3:GetObjectTagging`` on the source and ``s3:PutObjectTagging`` on the destination, a ``REPLACE`` with ``Tagging``
  adds ``s3:PutObjectTagging`` (strict: the local stack does not look whether the source has tags).
- ``states:SendTaskSuccess``/``Failure``/``Heartbeat``: the reference lists no resource type, yet SAM's
  ``StepFunctionsCallbackPolicy`` scopes them to the state machine and AWS honours that; the local stack checks them
  on the ARN of the state machine whose execution issued the token, which a ``*`` statement also matches.

Not evaluated (the template uses none of them): resource tags (``aws:ResourceTag``), VPC and IP keys, KMS grants.

Examples
--------
>>> from mlopsctl.local.iam.call_context import CallContext, NoFacts
>>> ctx = CallContext("aws", "us-east-1", "123456789012", NoFacts())
>>> [(r.action, r.resource) for r in authorization_requests("sagemaker", "UpdateEndpoint",
...     {"EndpointName": "My-Endpoint", "EndpointConfigName": "c1"}, ctx)]  # doctest: +NORMALIZE_WHITESPACE
[('sagemaker:UpdateEndpoint', 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/my-endpoint'),
 ('sagemaker:UpdateEndpoint', 'arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/c1')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs, unquote

from mlopsctl.local.iam.binders import BINDERS, CREATE_PACKAGE, NEW_VERSION, callback_requests, role_arns
from mlopsctl.local.iam.call_context import CallContext
from mlopsctl.local.iam.database import arn_format, has_action, resource_types
from mlopsctl.local.iam.evaluate import Request

#: boto3 service name → IAM service prefix, where the signing name is not the prefix
_PREFIX = {"cloudwatch": "cloudwatch", "stepfunctions": "states", "logs": "logs"}

#: APIs whose permission has another name (Service Authorization Reference / the service's API reference)
_PERMISSION = {
    ("s3", "HeadObject"): "GetObject",
    ("s3", "ListObjectsV2"): "ListBucket",
    ("s3", "ListObjects"): "ListBucket",
    ("s3", "HeadBucket"): "ListBucket",
    ("s3", "ListObjectVersions"): "ListBucketVersions",
    ("s3", "PutBucketNotificationConfiguration"): "PutBucketNotification",
    ("s3", "GetBucketEncryption"): "GetEncryptionConfiguration",
    ("lambda", "Invoke"): "InvokeFunction",
    ("sqs", "SendMessageBatch"): "SendMessage",
    ("sqs", "DeleteMessageBatch"): "DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "ChangeMessageVisibility",
}
_TRANSACT_ITEM = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
#: DynamoDB data-plane actions: on a table encrypted with a customer managed key, DynamoDB uses the key on the
#: caller's behalf, so the caller must be allowed kms:Decrypt (DynamoDB Developer Guide, "Encryption at rest: how it
#: works", key policy for a customer managed key: the principals using the table need kms:Decrypt via DynamoDB; the
#: local stack takes that strictest reading for every read and write)
_DYNAMODB_DATA = {
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "ConditionCheckItem",
}
_MISSING = "the object does not exist"
_CALLBACK = {"SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat"}
_TAGGING = {"AddTags", "DeleteTags", "ListTags"}
_SAGEMAKER_SERVICE = "sagemaker.amazonaws.com"


def iam_prefix(service: str, signing_name: str | None = None) -> str:
    """The IAM service prefix of a boto3 service."""
    return _PREFIX.get(service, signing_name or service)


def authorization_requests(
    service: str,
    operation: str,
    params: Mapping[str, Any],
    ctx: CallContext,
    *,
    signing_name: str | None = None,
    missing_objects: bool = True,
) -> list[Request]:
    """Every request AWS authorizes for ``operation`` (its API name, e.g. ``CreateModel``) with ``params``.

    ``missing_objects``: whether reading an object that does not exist also asks for ``s3:ListBucket`` (what S3's
    answer depends on); the service-side checks leave it to the service's own handling of a missing object.
    """
    prefix = iam_prefix(service, signing_name)
    if prefix == "dynamodb" and operation in ("TransactWriteItems", "TransactGetItems"):
        return list(_transaction(operation, params, ctx))
    if prefix == "s3" and operation == "CopyObject":
        return list(_copy_object(params, ctx))
    action = _PERMISSION.get((prefix, operation), operation)
    if prefix == "s3" and action == "GetObject" and params.get("VersionId"):
        action = "GetObjectVersion"
    if not has_action(prefix, action):
        raise ValueError(f"the IAM database has no action {prefix}:{action} for {service}.{operation}")
    if prefix == "states" and action in _CALLBACK:
        return callback_requests(params, action, ctx)
    context = _context(prefix, params)
    requests = [Request(f"{prefix}:{action}", arn, context) for arn in _resources(prefix, action, params, ctx)]
    requests.extend(_dependent(prefix, action, params, ctx, context))
    if not missing_objects:
        requests = [r for r in requests if r.purpose != _MISSING]
    return requests


def _transaction(operation: str, params: Mapping[str, Any], ctx: CallContext) -> Iterator[Request]:
    for item in params.get("TransactItems") or []:
        for kind, body in dict(item).items():
            action = "GetItem" if operation == "TransactGetItems" else _TRANSACT_ITEM[kind]
            context = _context("dynamodb", body)
            for arn in _resources("dynamodb", action, body, ctx):
                yield Request(f"dynamodb:{action}", arn, context, purpose=f"item of {operation}")
            yield from _kms("dynamodb", action, body, ctx, context)


def _copy_object(params: Mapping[str, Any], ctx: CallContext) -> Iterator[Request]:
    source = params.get("CopySource")
    if isinstance(source, str):  # "bucket/key[?versionId=v]", URL-encoded
        path, _, query = source.lstrip("/").partition("?")
        bucket, _, key = unquote(path).partition("/")
        version = parse_qs(query).get("versionId", [None])[0]
    else:
        given = dict(source or {})
        bucket, key, version = str(given.get("Bucket")), str(given.get("Key")), given.get("VersionId")
    read = {"Bucket": bucket, "Key": key, **({"VersionId": str(version)} if version else {})}
    write = {k: params[k] for k in ("Bucket", "Key", "SSEKMSKeyId") if k in params}
    yield from authorization_requests("s3", "GetObject", read, ctx)
    yield from authorization_requests("s3", "PutObject", write, ctx)
    directive = params.get("TaggingDirective", "COPY")
    if directive == "COPY":
        yield from authorization_requests("s3", "GetObjectTagging", read, ctx)
    if directive == "COPY" or params.get("Tagging"):
        yield from authorization_requests("s3", "PutObjectTagging", write, ctx)


def _context(prefix: str, params: Mapping[str, Any]) -> dict[str, str | list[str]]:
    context: dict[str, str | list[str]] = {"aws:SecureTransport": "true"}
    tags = params.get("Tags")
    if isinstance(tags, list) and tags:
        pairs = [(str(t.get("Key")), str(t.get("Value"))) for t in tags if isinstance(t, dict)]
        context["aws:TagKeys"] = [k for k, _ in pairs]
        context.update({f"aws:RequestTag/{k}": v for k, v in pairs})
    if prefix == "cloudwatch" and "Namespace" in params:
        context["cloudwatch:namespace"] = str(params["Namespace"])
    if prefix == "sagemaker" and "ModelApprovalStatus" in params:
        context["sagemaker:ModelApprovalStatus"] = str(params["ModelApprovalStatus"])
    if prefix == "s3" and "Prefix" in params:
        # ListObjects(V2)'s Prefix is the s3:prefix condition key of s3:ListBucket (Service Authorization
        # Reference, Amazon S3: condition keys; S3 User Guide, "Bucket policy examples using condition keys").
        # Without a Prefix the key is absent, and a condition on it does not match.
        context["s3:prefix"] = str(params["Prefix"])
    return context


def _tagged_resource(prefix: str, action: str, params: Mapping[str, Any]) -> list[str]:
    """SageMaker's tagging APIs name their resource by ``ResourceArn`` ("The Amazon Resource Name (ARN) of the resource
    that you want to tag", SageMaker API Reference, ``AddTags``); AWS authorizes the call on that resource when its
    type is one the Service Authorization Reference lists for the action (every taggable type)."""
    arn = params.get("ResourceArn")
    if prefix != "sagemaker" or action not in _TAGGING or not isinstance(arn, str) or not arn.startswith("arn:"):
        return []
    kind = arn.split(":", 5)[-1].split("/", 1)[0]
    return [arn] if kind in resource_types(prefix, action) else []


def _resources(prefix: str, action: str, params: Mapping[str, Any], ctx: CallContext) -> list[str]:
    arns: list[str] = _tagged_resource(prefix, action, params)
    for name in resource_types(prefix, action):
        binder = NEW_VERSION if (prefix, action, name) == CREATE_PACKAGE else BINDERS.get((prefix, name))
        if binder is None:
            continue
        for variables in binder(params, ctx):
            arns.append(variables if isinstance(variables, str) else _build(prefix, name, variables, ctx))
    if prefix == "sagemaker":
        arns = [_lower_resource(a) for a in arns]
    return list(dict.fromkeys(arns)) or ["*"]


def _build(prefix: str, resource_type: str, variables: Mapping[str, str], ctx: CallContext) -> str:
    values = {"Partition": ctx.partition, "Region": ctx.region, "Account": ctx.account, **variables}

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise ValueError(f"cannot build the {prefix} {resource_type} ARN: no value for ${{{name}}}")
        return values[name]

    return re.sub(r"\$\{([^}]+)\}", fill, arn_format(prefix, resource_type))


def _lower_resource(arn: str) -> str:
    """SageMaker lower-cases the resource part of its ARNs (names are case-insensitive there)."""
    parts = arn.split(":", 5)
    return ":".join([*parts[:5], parts[5].lower()]) if len(parts) == 6 and arn.startswith("arn:") else arn


def _dependent(
    prefix: str, action: str, params: Mapping[str, Any], ctx: CallContext, context: Mapping[str, Any]
) -> Iterator[Request]:
    types = resource_types(prefix, action)
    if prefix == "sagemaker":
        for role_arn in role_arns(params):
            yield Request(
                "iam:PassRole", role_arn, {**context, "iam:PassedToService": _SAGEMAKER_SERVICE}, "passes a role"
            )
        if params.get("Tags"):
            for name, row in types.items():
                if "sagemaker:AddTags" in row.dependent_actions and (binder := BINDERS.get((prefix, name))):
                    for variables in binder(params, ctx):
                        arn = variables if isinstance(variables, str) else _build(prefix, name, variables, ctx)
                        yield Request("sagemaker:AddTags", _lower_resource(arn), context, "tags on create")
    if prefix == "s3" and action in ("GetObject", "GetObjectVersion") and "Key" in params:
        bucket = str(params["Bucket"])
        if not ctx.facts.s3_object_exists(bucket, str(params["Key"])):
            # S3 answers 404 for a missing object only to a caller allowed s3:ListBucket, else 403 Access Denied
            # (Amazon S3 API Reference, GetObject and HeadObject: "Permissions")
            yield Request("s3:ListBucket", f"arn:{ctx.partition}:s3:::{bucket}", context, _MISSING)
    yield from _kms(prefix, action, params, ctx, context)


def _kms(
    prefix: str, action: str, params: Mapping[str, Any], ctx: CallContext, context: Mapping[str, Any]
) -> Iterator[Request]:
    facts, keys = ctx.facts, []
    if prefix == "s3" and action in ("GetObject", "GetObjectVersion") and "Key" in params:
        key = facts.s3_object_kms_key(str(params["Bucket"]), str(params["Key"]))
        keys = [(key, "kms:Decrypt", "reads an SSE-KMS object")]
    elif prefix == "s3" and action == "PutObject":
        key = params.get("SSEKMSKeyId") or facts.s3_bucket_kms_key(str(params["Bucket"]))
        keys = [(key, "kms:GenerateDataKey", "writes an SSE-KMS object")]
    elif prefix == "sqs" and action == "SendMessage":
        key = facts.sqs_queue_kms_key(str(params["QueueUrl"]))
        keys = [
            (key, "kms:GenerateDataKey", "sends to an encrypted queue"),
            (key, "kms:Decrypt", "sends to an encrypted queue"),
        ]
    elif prefix == "sqs" and action == "ReceiveMessage":
        keys = [(facts.sqs_queue_kms_key(str(params["QueueUrl"])), "kms:Decrypt", "receives from an encrypted queue")]
    elif prefix == "sns" and action == "Publish" and "TopicArn" in params:
        key = facts.sns_topic_kms_key(str(params["TopicArn"]))
        keys = [
            (key, "kms:GenerateDataKey", "publishes to an encrypted topic"),
            (key, "kms:Decrypt", "publishes to an encrypted topic"),
        ]
    elif prefix == "dynamodb" and action in _DYNAMODB_DATA:
        tables = [params["TableName"]] if "TableName" in params else list(params.get("RequestItems") or {})
        keys = [
            (facts.dynamodb_table_kms_key(str(t)), "kms:Decrypt", "uses a table encrypted with a CMK") for t in tables
        ]
    for key_arn, kms_action, purpose in keys:
        if key_arn:
            via = f"{prefix}.{ctx.region}.amazonaws.com"
            yield Request(kms_action, _key_arn(str(key_arn), ctx), {**context, "kms:ViaService": via}, purpose)


def _key_arn(key: str, ctx: CallContext) -> str:
    if key.startswith("arn:"):
        return key
    return _build("kms", "key", {"KeyId": key.removeprefix("key/")}, ctx)
