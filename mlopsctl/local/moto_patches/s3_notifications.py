"""moto's S3 → EventBridge sender replaced (patches of moto internals; see :data:`.checked.PATCHES`).

:class:`mlopsctl.local.emulators.s3_events.S3EventNotifier` builds the events as real S3 sends them; this module
routes moto's to it: ``notifications._send_event_bridge_message`` is replaced by a relay handing the notifier's
``send`` the event name and the object as :class:`~.backends.S3Change` (moto's bucket and key, typed), and
``S3Backend._set_delete_marker`` also sends ``Object Removed: Delete Marker Created`` (moto sends nothing when a
versioned bucket gets a delete marker). :func:`s3_detail_type` reads moto's table of S3 detail types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

from moto.s3 import notifications
from moto.s3.models import S3Backend

from mlopsctl.local.moto_patches.backends import S3Change, s3_change

#: ``send(event_name, change)``: called for each S3 event moto would send to EventBridge.
Sender = Callable[[str, S3Change], None]


@contextmanager
def s3_events_sent_by(send: Sender) -> Iterator[None]:
    """Make moto hand every S3 → EventBridge event (delete markers too) to ``send`` while the context is open."""
    original_marker = S3Backend._set_delete_marker

    def set_delete_marker(backend: Any, bucket_name: str, key_name: str) -> Any:
        marker = original_marker(backend, bucket_name, key_name)
        bucket = backend.get_bucket(bucket_name)
        event = notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT
        notifications.send_event(backend.account_id, event, bucket, marker)
        return marker

    def relay(account_id: str, bucket: Any, event_name: Any, key: Any) -> None:
        send(str(getattr(event_name, "value", event_name)), s3_change(account_id, bucket, key))  # moto passes an enum

    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(notifications, "_send_event_bridge_message", relay))
        stack.enter_context(mock.patch.object(S3Backend, "_set_delete_marker", set_delete_marker))
        yield


def s3_detail_type(event_name: str) -> str:
    """The EventBridge ``detail-type`` of an S3 event name (``s3:ObjectCreated:Put`` → ``Object Created``)."""
    return str(notifications._detail_type(event_name))
