"""Amazon S3 ``Object Created`` events, as S3 sends them to EventBridge (the DataArrival trigger).

EventBridge S3 events spell the object's fields ``etag``, ``version-id`` and ``sequencer`` (classic notifications say
``eTag``, ``versionId``); ``size`` is a number.

The key, decided: S3 **percent-encodes** the object key in EventBridge events (RFC 3986: a space is ``%20``, a literal
``+`` stays ``+`` or is ``%2B``, non-ASCII is UTF-8 ``%XX``), unlike classic notifications, which use form encoding
(a space is ``+``). :attr:`S3ObjectCreatedEvent.key` is the key **as S3 stores it**: decoded exactly once with
:func:`urllib.parse.unquote` (never ``unquote_plus``, which would turn a literal ``+`` into a space). Evidence:
LocalStack's EventBridge notifier, snapshot-tested against AWS, emits ``quote(key)``; field reports agree that a
``+`` in an EventBridge key is a literal plus. A key given by field name is taken as already decoded.
(moto puts the raw key in its EventBridge events; decoding a raw key changes it only if it contains ``%XX``.)

What is refused (``InvalidEventError``): a key over 1,024 bytes of UTF-8 once decoded (S3 User Guide, "Naming Amazon
S3 objects"; an encoded key over three times that is refused before decoding); a bucket name outside 3-255
characters of letters, digits, ``.``, ``_`` and ``-`` (S3 User Guide, "General purpose bucket naming rules": 3-63
lower-case characters today, up to 255 with upper case and ``_`` for legacy buckets in us-east-1, which the real
samples include); a size beyond S3's largest object (5 TiB).

Shape: S3 User Guide, "EventBridge event message structure" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from pydantic import AliasPath, Field, field_validator, model_validator

from mlops_core.events.arns import MAX_S3_KEY_BYTES, check_length, check_s3_key, shown
from mlops_core.events.envelope import EventEnvelope, detail_of
from mlops_core.events.values import StrictishInt

MAX_OBJECT_SIZE = 5 * 1024**4
"""The largest S3 object (5 TiB)."""
_LEGACY_BUCKET = re.compile(r"[A-Za-z0-9._-]{3,255}")


def decode_event_key(raw_key: str) -> str:
    """The object key as S3 stores it, from its percent-encoded spelling in an EventBridge event.

    Raises
    ------
    ValueError
        When the %-escapes do not decode to UTF-8.
    """
    return unquote(raw_key, encoding="utf-8", errors="strict")


class S3ObjectCreatedEvent(EventEnvelope):
    """``Object Created`` from ``aws.s3`` via EventBridge.

    Attributes
    ----------
    bucket, key
        The bucket name and the decoded object key (see the module's note on encoding).
    size, etag, version_id, sequencer
        Object size in bytes, its ETag (no quotes), version id (versioned buckets only) and the event sequencer.
        Data is identified by bucket + key + ETag (:attr:`mlops_core.ingest.objects.ObjectRef.identity`), never by
        the version id or the event id. An event without an ETag cannot be identified and is refused.
    reason
        ``PutObject``, ``CopyObject``, ``CompleteMultipartUpload``, ``PostObject``.
    """

    DETAIL_TYPE = "Object Created"
    SOURCE = "aws.s3"

    bucket: str = Field(min_length=1, validation_alias=AliasPath("detail", "bucket", "name"))
    key: str = Field(min_length=1)
    size: StrictishInt = Field(ge=0, le=MAX_OBJECT_SIZE, validation_alias=AliasPath("detail", "object", "size"))
    etag: str = Field(min_length=1, validation_alias=AliasPath("detail", "object", "etag"))
    version_id: str | None = Field(default=None, validation_alias=AliasPath("detail", "object", "version-id"))
    sequencer: str | None = Field(default=None, validation_alias=AliasPath("detail", "object", "sequencer"))
    reason: str | None = Field(default=None, validation_alias=AliasPath("detail", "reason"))
    requester: str | None = Field(default=None, validation_alias=AliasPath("detail", "requester"))
    request_id: str | None = Field(default=None, validation_alias=AliasPath("detail", "request-id"))
    source_ip_address: str | None = Field(default=None, validation_alias=AliasPath("detail", "source-ip-address"))

    @model_validator(mode="before")
    @classmethod
    def _decode_key_once(cls, data: Any) -> Any:
        detail = detail_of(data)
        if detail is None:
            return data
        obj = detail.get("object")
        raw_key = obj.get("key") if isinstance(obj, dict) else None
        if raw_key is None:
            raise ValueError("detail.object.key: Field required")
        if not isinstance(raw_key, str):
            raise ValueError(f"detail.object.key: expected a string, got {type(raw_key).__name__}")
        check_length(raw_key, "detail.object.key", maximum=3 * MAX_S3_KEY_BYTES)
        try:
            key = decode_event_key(raw_key)
        except UnicodeDecodeError:
            raise ValueError(f"detail.object.key: {shown(raw_key)} does not percent-decode to UTF-8") from None
        return {**data, "key": key}

    @field_validator("key")
    @classmethod
    def _key_within_limits(cls, value: str) -> str:
        return check_s3_key(value)

    @field_validator("bucket")
    @classmethod
    def _is_a_bucket_name(cls, value: str) -> str:
        check_length(value, "bucket name", maximum=255, minimum=3)
        if not _LEGACY_BUCKET.fullmatch(value):
            raise ValueError(f"{shown(value)} is not an S3 bucket name")
        return value
