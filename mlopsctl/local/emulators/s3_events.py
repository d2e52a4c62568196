"""S3 → EventBridge events in the shape real S3 sends them (emulated; moto's events are not).

moto 5.2.5 sends S3's EventBridge events with ``eTag`` instead of ``etag``, the raw key instead of its
percent-encoded spelling, ``version-id: null`` in unversioned buckets, ``reason: ObjectCreated`` instead of the API
name, the same ``id``, ``request-id`` and ``sequencer`` for every event, the real wall-clock time, to the rules of
every bus (S3 sends to the account's default bus only), an ``Object Tags Added`` after every ``PutObject``, and
nothing when a versioned bucket gets a delete marker. :class:`S3EventNotifier` replaces moto's sender while the
local stack runs and builds each event like the real samples in ``shared/aws-events/s3-*-eventbridge/``:

- ``detail.object``: ``key`` percent-encoded (RFC 3986, ``/`` kept, as LocalStack's AWS-validated notifier does),
  ``size`` and ``etag`` as moto's S3 backend holds them, ``version-id`` only in versioned buckets, a ``sequencer`` that
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
from typing import Any
from urllib.parse import quote

from mlopsctl.local.moto_patches.backends import S3Change, put_on_bus, s3_object_has_tags
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
        self._just_created: object = None
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

    def send(self, event_name: str, change: S3Change) -> None:
        """Put the event S3 would send for ``event_name`` on ``change``'s object on the default bus (errors are
        logged: S3 notifications are asynchronous, the request that caused them has succeeded)."""
        try:
            event = self.build(event_name, change)
            if event is not None:
                self._put(change.account_id, change.region, event)
        except Exception:  # an S3 request never fails because of its notification
            logger.exception("could not send the S3 event %s for %s/%s", event_name, change.bucket, change.key)

    def build(self, event_name: str, change: S3Change) -> dict[str, Any] | None:
        """The event, or ``None`` when S3 would send none (tags set by ``PutObject``, an object without tags)."""
        if event_name == _TAGS_ADDED:
            set_by_put, self._just_created = change.handle is self._just_created, None
            if set_by_put or not s3_object_has_tags(change):
                return None
        if event_name == _PUT and change.multipart:
            return None  # moto's CompleteMultipartUpload stores the object with PutObject first; S3 sends one event
        if event_name.startswith("s3:ObjectCreated:"):
            self._just_created = change.handle
        detail_type = s3_detail_type(event_name)  # moto's table of S3 detail types
        detail: dict[str, Any] = {
            "version": "0",
            "bucket": {"name": change.bucket},
            "object": self._object(change, event_name, detail_type),
            "request-id": uuid.uuid4().hex[:16].upper(),
            "requester": change.account_id,
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
            "account": change.account_id,
            "time": self._clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": change.region,
            "resources": [f"arn:aws:s3:::{change.bucket}"],
            "detail": detail,
        }

    def _object(self, change: S3Change, event_name: str, detail_type: str) -> dict[str, Any]:
        obj: dict[str, Any] = {"key": encode_key(change.key)}
        is_marker = event_name in _DELETE_MARKER_EVENTS
        permanently_deleted = detail_type == "Object Deleted" and not is_marker
        if detail_type != "Object Deleted":
            obj["size"] = change.size
        if is_marker:
            obj["etag"] = "d41d8cd98f00b204e9800998ecf8427e"  # what S3 reports for a delete marker
        elif not permanently_deleted:
            obj["etag"] = str(change.etag).strip('"')
        if change.versioned and not permanently_deleted:
            obj["version-id"] = change.version_id
        obj["sequencer"] = self._next_sequencer()
        return obj

    def _next_sequencer(self) -> str:
        with self._lock:
            self._sequence += 1
            sequence = self._sequence
        millis = int(self._clock().timestamp() * 1000)
        return f"{(millis << 20) + sequence:018X}"

    def _put(self, account_id: str, region: str, event: dict[str, Any]) -> None:
        with self._lock:
            self.sent.append(copy.deepcopy(event))
        epoch = datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
        put_on_bus(account_id, region, "default", event, epoch)
