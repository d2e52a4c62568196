"""What :mod:`.requests` needs to know about a call: where it is made, and what the stack knows of its resources.

:class:`ResourceFacts` is read without authorization (an object's KMS key, a task token's state machine, …), to
decide which dependent actions a request checks; :class:`NoFacts` knows nothing (examples and unit tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class ResourceFacts(Protocol):
    """What the local stack knows about resources that decides dependent checks (read without authorization)."""

    def s3_object_kms_key(self, bucket: str, key: str) -> str | None:
        """The KMS key ARN an object is encrypted with (None: SSE-S3, none, or no such object)."""

    def s3_bucket_kms_key(self, bucket: str) -> str | None:
        """The KMS key ARN of a bucket's default encryption (None: SSE-S3 or none)."""

    def sqs_queue_kms_key(self, queue_url: str) -> str | None:
        """The KMS key ARN of an encrypted queue."""

    def sns_topic_kms_key(self, topic_arn: str) -> str | None:
        """The KMS key ARN of an encrypted topic."""

    def state_machine_of_token(self, token: str) -> str | None:
        """The ARN of the state machine whose execution issued a task token."""

    def dynamodb_table_kms_key(self, table: str) -> str | None:
        """The customer managed KMS key ARN a table is encrypted with (None: AWS owned or managed key)."""

    def s3_object_exists(self, bucket: str, key: str) -> bool:
        """Whether the object exists."""


class NoFacts:
    """Knows nothing: no encryption, no tokens (for examples and unit tests)."""

    def s3_object_kms_key(self, bucket: str, key: str) -> str | None:  # noqa: ARG002 - ResourceFacts
        """None."""
        return None

    def s3_bucket_kms_key(self, bucket: str) -> str | None:  # noqa: ARG002 - ResourceFacts
        """None."""
        return None

    def sqs_queue_kms_key(self, queue_url: str) -> str | None:  # noqa: ARG002 - ResourceFacts
        """None."""
        return None

    def sns_topic_kms_key(self, topic_arn: str) -> str | None:  # noqa: ARG002 - ResourceFacts
        """None."""
        return None

    def state_machine_of_token(self, token: str) -> str | None:  # noqa: ARG002 - ResourceFacts
        """None."""
        return None

    def dynamodb_table_kms_key(self, table: str) -> str | None:  # noqa: ARG002 - ResourceFacts
        """None."""
        return None

    def s3_object_exists(self, bucket: str, key: str) -> bool:  # noqa: ARG002 - ResourceFacts
        """Every object exists."""
        return True


@dataclass(frozen=True)
class CallContext:
    """Where the call is made, and what is known about the resources it touches."""

    partition: str
    region: str
    account: str
    facts: ResourceFacts
