"""SNS notifications: one structured JSON message per outcome, with attributes subscribers can filter on.

The message body is the JSON of the notification (``kind``, ``endpoint_name``, ``outcome``, ``reason``, ...); the
subject is a short human line; ``kind`` and ``outcome`` (and ``endpoint_name`` when given) are also message
attributes, so a subscription filter policy can pick, say, only ``ROLLED_BACK`` deployments.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from mlops_core.aws.calls import aws_call

_SUBJECT_LIMIT = 100
_FILTERABLE = ("kind", "outcome", "endpoint_name")


class Notifier(ABC):
    """Publishes structured notifications."""

    @abstractmethod
    def publish(self, subject: str, message: Mapping[str, Any]) -> None:
        """Publish ``message`` (JSON-serialisable) with a one-line ``subject``."""


def subject_line(text: str) -> str:
    """An SNS subject: one printable line of at most 100 characters."""
    line = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return (line or "notification")[:_SUBJECT_LIMIT]


class SnsNotifier(Notifier):
    """:class:`Notifier` on a boto3 SNS client and one topic."""

    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, subject: str, message: Mapping[str, Any]) -> None:
        attributes = {
            name: {"DataType": "String", "StringValue": str(message[name])}
            for name in _FILTERABLE
            if message.get(name) not in (None, "")
        }
        with aws_call("Publish"):
            self._client.publish(
                TopicArn=self._topic_arn,
                Subject=subject_line(subject),
                Message=json.dumps(message, sort_keys=True, default=str),
                MessageAttributes=attributes,
            )
