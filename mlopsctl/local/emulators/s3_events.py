"""S3 → EventBridge events in the shape real S3 sends them (emulated; moto's events are not).

moto 5.2.5 sends S3's EventBridge events with ``eTag`` instead of ``etag``, the raw key instead of its
percent-encoded spelling, ``version-id: null`` in unversioned buckets, ``reason: ObjectCreated`` instead of the API
name, the same ``id``, ``request-id`` and ``sequencer`` for every event, the real wall-clock time, to the rules of
every bus (S3 sends to the account's default bus only), an ``Object Tags Added`` after every ``PutObject``, and
nothing when a versioned bucket gets a delete marker. :class:`S3EventNotifier` replaces moto's sender while the
local stack runs and builds each event like the real samples in ``shared/aws-events/s3-*-eventbridge/``:

- ``detail.object``: ``key`` percent-encoded (RFC 3986, ``/`` kept, as LocalStack's AWS-validated notifier does),
  ``size`` and ``etag`` read from moto's S3 backend, ``version-id`` only in versioned buckets, a ``sequencer`` that
  grows with every event;
- ``reason``: ``PutObject``, ``PostObject``, ``CopyObject``, ``CompleteMultipartUpload``, ``DeleteObject``;
  ``Object Deleted`` also carries ``deletion-type`` (``Permanently Deleted`` or ``Delete Marker Created``);
- ``id`` and ``request-id`` unique per event, ``requester`` the account, ``source-ip-address`` loopback (emulated:
  the caller is on this machine), ``time`` the stack's virtual time;
- only the default bus; no ``Object Tags Added`` for the tags ``PutObject`` sets (only ``PutObjectTagging`` sends
  it), nor for an object without tags; one ``Object Created`` per multipart upload (moto sends a ``PutObject`` too).

Every event sent is kept in :attr:`S3EventNotifier.sent` (as put on the bus), so tests can deliver the same events
again, as EventBridge's at-least-once delivery may.

Examples
--------
>>> encode_key("incoming/My Data/naïve+1.txt")
'incoming/My%20Data/na%C3%AFve%2B1.txt'
"""

from __future__ import annotations

import copy
import logging
import threading
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import quote

from moto.events.models import events_backends
from moto.s3.models import s3_backends

from mlopsctl.local.moto_patches.s3_notifications import s3_detail_type, s3_events_sent_by

logger = logging.getLogger(__name__)

EMULATED_SOURCE_IP = "127.0.0.1"
"""``source-ip-address`` of every event: the local caller (emulated)."""

_REASONS = {
    "s3:ObjectCreated:Put": "PutObject",
    "s3:ObjectCreated:Post": "PostObject",
    "s3:ObjectCreated:Copy": "CopyObject",
    "s3:ObjectCreated:CompleteMultipartUpload": "CompleteMultipartUpload",
    "s3:ObjectRemoved:Delete": "DeleteObject",
    "s3:ObjectRemoved:DeleteMarkerCreated": "DeleteObject",
    "s3:LifecycleExpiration:Delete": "Lifecycle Expiration",
    "s3:LifecycleExpiration:DeleteMarkerCreated": "Lifecycle Expiration",
}
_DELETE_MARKER_EVENTS = frozenset(
    {"s3:ObjectRemoved:DeleteMarkerCreated", "s3:LifecycleExpiration:DeleteMarkerCreated"}
)
_TAGS_ADDED = "s3:ObjectTagging:Put"
_PUT = "s3:ObjectCreated:Put"


def encode_key(key: str) -> str:
    """A key as S3 spells it in EventBridge events: percent-encoded UTF-8, ``/`` kept (decoded by ``unquote``)."""
    return quote(key, safe="/", encoding="utf-8", errors="surrogatepass")


class S3EventNotifier:
    """Sends real-shaped S3 events to the default bus in place of moto's (see the module docstring).

    Parameters
    ----------
    clock
        The current virtual time (tz-aware), the events' ``time``.
    """

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._sequence = 0
        self._just_created: Any = None
        self._patches = ExitStack()
        self.sent: list[dict[str, Any]] = []

    # -- lifecycle -------------------------------------------------------------------------------------------------

    def install(self) -> None:
        """Replace moto's S3 → EventBridge sender (and report delete markers) until :meth:`uninstall`."""
        self._patches = ExitStack()
        self._patches.enter_context(s3_events_sent_by(self.send))

    def uninstall(self) -> None:
        """Give moto its own sender back."""
        self._patches.close()

    # -- building and sending ------------------------------------------------------------------------------------

    def send(self, account_id: str, bucket: Any, event_name: Any, key: Any) -> None:
        """Put the event S3 would send for ``event_name`` on ``key`` on the default bus (errors are logged: S3
        notifications are asynchronous, the request that caused them has succeeded)."""
        event_name = str(getattr(event_name, "value", event_name))  # moto passes its S3NotificationEvent enum
        try:
            event = self.build(account_id, bucket, event_name, key)
            if event is not None:
                self._put(account_id, bucket.region_name, event)
        except Exception:  # an S3 request never fails because of its notification
            logger.exception("could not send the S3 event %s for %s/%s", event_name, bucket.name, key.name)

    def build(self, account_id: str, bucket: Any, event_name: str, key: Any) -> dict[str, Any] | None:
        """The event, or ``None`` when S3 would send none (tags set by ``PutObject``, an object without tags)."""
        if event_name == _TAGS_ADDED:
            set_by_put, self._just_created = key is self._just_created, None
            if set_by_put or not self._has_tags(account_id, key):
                return None
        if event_name == _PUT and getattr(key, "multipart", None) is not None:
            return None  # moto's CompleteMultipartUpload stores the object with PutObject first; S3 sends one event
        if event_name.startswith("s3:ObjectCreated:"):
            self._just_created = key
        detail_type = s3_detail_type(event_name)  # moto's table of S3 detail types
        detail: dict[str, Any] = {
            "version": "0",
            "bucket": {"name": bucket.name},
            "object": self._object(bucket, event_name, detail_type, key),
            "request-id": uuid.uuid4().hex[:16].upper(),
            "requester": account_id,
            "source-ip-address": EMULATED_SOURCE_IP,
        }
        reason = _REASONS.get(event_name)
        if reason is not None:
            detail["reason"] = reason
        if detail_type == "Object Deleted":
            deletion = "Delete Marker Created" if event_name in _DELETE_MARKER_EVENTS else "Permanently Deleted"
            detail["deletion-type"] = deletion
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": detail_type,
            "source": "aws.s3",
            "account": account_id,
            "time": self._clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": bucket.region_name,
            "resources": [f"arn:aws:s3:::{bucket.name}"],
            "detail": detail,
        }

    def _object(self, bucket: Any, event_name: str, detail_type: str, key: Any) -> dict[str, Any]:
        obj: dict[str, Any] = {"key": encode_key(key.name)}
        is_marker = event_name in _DELETE_MARKER_EVENTS
        permanently_deleted = detail_type == "Object Deleted" and not is_marker
        if detail_type != "Object Deleted":
            obj["size"] = key.size
        if is_marker:
            obj["etag"] = "d41d8cd98f00b204e9800998ecf8427e"  # what S3 reports for a delete marker
        elif not permanently_deleted:
            obj["etag"] = str(key.etag).strip('"')
        if bucket.is_versioned and not permanently_deleted:
            obj["version-id"] = key.version_id
        obj["sequencer"] = self._next_sequencer()
        return obj

    def _next_sequencer(self) -> str:
        with self._lock:
            self._sequence += 1
            sequence = self._sequence
        millis = int(self._clock().timestamp() * 1000)
        return f"{(millis << 20) + sequence:018X}"

    @staticmethod
    def _has_tags(account_id: str, key: Any) -> bool:
        backend = s3_backends[account_id][getattr(key, "partition", "aws")]
        return bool(backend.tagger.get_tag_dict_for_resource(key.arn))

    def _put(self, account_id: str, region: str, event: dict[str, Any]) -> None:
        with self._lock:
            self.sent.append(copy.deepcopy(event))
        epoch = datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
        default_bus = events_backends[account_id][region].describe_event_bus("default")
        for rule in list(default_bus.rules.values()):
            rule.send_to_targets(cast(Any, {**event, "time": epoch}), transform_input=False)
