"""SQS and SNS message sizes as AWS measures them: UTF-8 bytes of the body plus every message attribute.

moto counts the characters of the body only. AWS:

- SQS ``SendMessage``: "The maximum size is 1 MiB or 1,048,576 bytes" (SQS API Reference, SendMessage,
  ``MessageBody``; raised from 256 KiB in 2025), and a queue's ``MaximumMessageSize`` (1,024 to 1,048,576 bytes,
  default 1,048,576) caps it further; "All parts of the message attribute, including ``Name``, ``Type``, and
  ``Value``, are part of the message size restriction (1 MiB or 1,048,576 bytes)" (API Reference,
  MessageAttributeValue). A ``SendMessageBatch`` may carry at most 1 MiB in all ("the sum of the individual lengths
  of all of the batched messages", SendMessageBatch); its messages are measured with their attributes, the
  strictest reading. Refused as moto refuses: ``InvalidParameterValue`` ("Message must be shorter than N bytes"),
  ``BatchRequestTooLong``.
- SNS ``Publish``: "By default, topics accept messages up to 256 KiB"; "Amazon SNS validates the combined size of the
  message body and message attributes against the topic's configured ``MaximumMessageSize``. If the combined size
  exceeds the limit, Amazon SNS returns an ``InvalidParameter`` error" (SNS Developer Guide, Publishing large
  messages with Amazon SNS). moto has no ``MaximumMessageSize`` attribute: every topic has the default.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable, Mapping
from typing import Any

from moto.sns.exceptions import InvalidParameterValue as SnsInvalidParameter
from moto.sqs.exceptions import BatchRequestTooLong
from moto.sqs.exceptions import InvalidParameterValue as SqsInvalidParameter

#: SQS's largest message and batch (1 MiB).
SQS_MAX_MESSAGE_BYTES = 1_048_576
#: SNS's default (and, in moto, only) ``MaximumMessageSize`` (256 KiB).
SNS_MAX_MESSAGE_BYTES = 262_144


def _utf8(value: Any) -> int:
    return len(str(value).encode("utf-8", "surrogatepass"))


def _binary(value: Any) -> int:
    if isinstance(value, bytes | bytearray):
        return len(value)
    try:
        return len(base64.b64decode(str(value), validate=True))
    except (binascii.Error, ValueError):
        return _utf8(value)


def sqs_message_bytes(body: str, attributes: Mapping[str, Any] | None) -> int:
    """The size SQS measures: body, then each attribute's name, ``DataType`` and value (binary: raw bytes)."""
    size = _utf8(body)
    for name, attribute in (attributes or {}).items():
        size += _utf8(name) + _utf8(attribute.get("DataType", ""))
        if "StringValue" in attribute:
            size += _utf8(attribute["StringValue"])
        if "BinaryValue" in attribute:
            size += _binary(attribute["BinaryValue"])
    return size


def sns_message_bytes(message: str, attributes: Mapping[str, Any] | None) -> int:
    """The size SNS measures: body, then each attribute's name, type and value (as moto's backend holds them)."""
    size = _utf8(message)
    for name, attribute in (attributes or {}).items():
        value = attribute.get("Value", "")
        binary = str(attribute.get("Type", "")).startswith("Binary")
        size += _utf8(name) + _utf8(attribute.get("Type", "")) + (_binary(value) if binary else _utf8(value))
    return size


def checked_send_message(original: Callable[..., Any]) -> Callable[..., Any]:
    """``SQSBackend.send_message`` that measures as SQS does (see the module docstring)."""

    @functools.wraps(original)
    def send_message(backend: Any, queue_name: str, message_body: str, *args: Any, **kwargs: Any) -> Any:
        attributes = kwargs.get("message_attributes", args[0] if args else None)
        limit = min(SQS_MAX_MESSAGE_BYTES, int(backend.get_queue(queue_name).maximum_message_size))
        if sqs_message_bytes(message_body, attributes) > limit:
            reason = f"Message must be shorter than {limit} bytes."
            raise SqsInvalidParameter(f"One or more parameters are invalid. Reason: {reason}")
        return original(backend, queue_name, message_body, *args, **kwargs)

    return send_message


def checked_send_message_batch(original: Callable[..., Any]) -> Callable[..., Any]:
    """``SQSBackend.send_message_batch`` that refuses batches over 1 MiB in all, attributes included."""

    @functools.wraps(original)
    def send_message_batch(backend: Any, queue_name: str, entries: Mapping[str, Any], *args: Any) -> Any:
        total = sum(
            sqs_message_bytes(entry.get("MessageBody", ""), entry.get("MessageAttributes"))
            for entry in entries.values()
        )
        if total > SQS_MAX_MESSAGE_BYTES:
            raise BatchRequestTooLong(total)
        return original(backend, queue_name, entries, *args)

    return send_message_batch


def checked_publish(original: Callable[..., Any]) -> Callable[..., Any]:
    """``SNSBackend.publish`` that measures body and attributes against the topic's 256 KiB."""

    @functools.wraps(original)
    def publish(backend: Any, message: str, *args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("phone_number") and sns_message_bytes(message, kwargs.get("message_attributes")) > (
            SNS_MAX_MESSAGE_BYTES
        ):
            raise SnsInvalidParameter("Invalid parameter: Message too long")
        return original(backend, message, *args, **kwargs)

    return publish
