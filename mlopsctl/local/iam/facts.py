"""What the IAM enforcer needs to know about the stack's resources: encryption keys and task tokens.

Read from the template (a bucket's default encryption, a queue's or topic's ``KmsMasterKeyId``, a table's
``SSESpecification``: moto ignores a
bucket's default encryption, AWS applies it to every object written without SSE parameters), from moto's object
metadata for an object written with its own SSE-KMS key, and from moto's Step Functions backend for the execution
that issued a task token (a moto internal, checked on moto 5.2.5).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped, unused-ignore]

from mlopsctl.local.template.intrinsics import Resolver
from mlopsctl.local.template.loader import Template


class StackFacts:
    """:class:`~.call_context.ResourceFacts` of a running local stack.

    Parameters
    ----------
    template:
        The stack's template.
    lookup:
        Resolves ``Ref``/``Fn::GetAtt`` to the provisioned resources.
    s3_client:
        A client of the stack's own (not authorized, not logged).
    key_arn_of:
        Turns a key reference (ID, ARN or ``alias/…``) into the key's ARN, or None for an AWS managed key.
    """

    def __init__(
        self,
        template: Template,
        lookup: Callable[[str, str | None], Any],
        s3_client: Any,
        key_arn_of: Callable[[str], str | None],
    ) -> None:
        resolver = Resolver(template.parameters, template.pseudo(), template.conditions, template.mappings, lookup)
        self._s3 = s3_client
        self._buckets: dict[str, str] = {}
        self._queues: dict[str, str] = {}
        self._topics: dict[str, str] = {}
        self._tables: dict[str, str] = {}
        for logical_id, spec in template.resources.items():
            if spec.type not in _KINDS:
                continue
            props = resolver.resolve(spec.properties) or {}
            key = _configured_key(spec.type, props)
            arn = key_arn_of(key) if key else None
            if not arn:
                continue
            ref = str(lookup(logical_id, None))
            by_kind = {
                "AWS::S3::Bucket": self._buckets,
                "AWS::SQS::Queue": self._queues,
                "AWS::SNS::Topic": self._topics,
                "AWS::DynamoDB::Table": self._tables,
            }
            by_kind[spec.type][ref] = arn

    def s3_object_kms_key(self, bucket: str, key: str) -> str | None:
        """The object's own SSE-KMS key, else the bucket's default key."""
        try:
            head = self._s3.head_object(Bucket=bucket, Key=key)
        except ClientError:
            return self._buckets.get(bucket)
        own = head.get("SSEKMSKeyId")
        return str(own) if own else self._buckets.get(bucket)

    def s3_object_exists(self, bucket: str, key: str) -> bool:
        """Whether the object exists (a HEAD by the stack's own client)."""
        try:
            self._s3.head_object(Bucket=bucket, Key=key)
        except ClientError:
            return False
        return True

    def s3_bucket_kms_key(self, bucket: str) -> str | None:
        """The bucket's default SSE-KMS key."""
        return self._buckets.get(bucket)

    def sqs_queue_kms_key(self, queue_url: str) -> str | None:
        """The queue's key (by URL)."""
        return self._queues.get(queue_url)

    def sns_topic_kms_key(self, topic_arn: str) -> str | None:
        """The topic's key."""
        return self._topics.get(topic_arn)

    def dynamodb_table_kms_key(self, table: str) -> str | None:
        """The table's customer managed key."""
        return self._tables.get(table)

    def state_machine_of_token(self, token: str) -> str | None:
        """The state machine whose running execution waits for ``token`` (moto's Step Functions backend)."""
        from mlopsctl.local.moto_patches.backends import state_machine_of_token  # noqa: PLC0415 - moto loads late

        return state_machine_of_token(token)


_KINDS = ("AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::SNS::Topic", "AWS::DynamoDB::Table")


def _configured_key(kind: str, props: Mapping[str, Any]) -> str | None:
    if kind == "AWS::S3::Bucket":
        rules = ((props.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration")) or []
        for rule in rules:
            default = rule.get("ServerSideEncryptionByDefault") or {}
            if str(default.get("SSEAlgorithm", "")).startswith("aws:kms"):
                return str(default.get("KMSMasterKeyID") or "alias/aws/s3")
        return None
    if kind == "AWS::DynamoDB::Table":
        sse = props.get("SSESpecification") or {}
        enabled = str(sse.get("SSEEnabled", "false")).lower() == "true"
        return str(sse["KMSMasterKeyId"]) if enabled and sse.get("KMSMasterKeyId") else None
    key = props.get("KmsMasterKeyId")
    return str(key) if key else None
