"""moto's SQS under a frozen wall clock (patches of moto internals; see :data:`.checked.PATCHES`).

While a local stack runs, the process's wall clock stands still between moves of the virtual clock
(:mod:`mlopsctl.local.runtime.wall_clock`). Two parts of moto's SQS assume it ticks:

- ``SQSBackend.receive_message`` long-polls until ``time.time()`` passes the end of the poll, which frozen time never
  does: while installed, a long poll waits for a message for ``WaitTimeSeconds`` of *real* time (monotonic);
- ``Message.visible`` is true only once the clock has moved past the instant the message became visible
  (``now > visible_at``), so a visibility timeout set to 0 would never end by itself: while installed, a message is
  visible from its ``visible_at`` on (``>=``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

import moto.sqs.models as sqs_models

_IDLE_POLL_SECONDS = 0.01


@contextmanager
def sqs_on_frozen_time() -> Iterator[None]:
    """Apply both changes (see the module docstring) while the context is open."""
    with ExitStack() as stack:
        receive = _long_poll_in_real_time(sqs_models.SQSBackend.receive_message)
        stack.enter_context(mock.patch.object(sqs_models.SQSBackend, "receive_message", receive))
        stack.enter_context(mock.patch.object(sqs_models.Message, "visible", property(_visible_from_visible_at)))
        yield


def _visible_from_visible_at(message: Any) -> bool:
    """``Message.visible``: visible from the instant its visibility timeout ends (moto's own clock read)."""
    return bool(sqs_models.unix_time_millis() >= message.visible_at)  # type: ignore[attr-defined]


def _long_poll_in_real_time(original: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
    """``ReceiveMessage`` with ``WaitTimeSeconds`` waiting in real time (monotonic), not until frozen time passes."""

    def receive_message(  # noqa: PLR0917 - moto's signature, called positionally
        backend: Any,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> list[Any]:
        deadline = time.monotonic() + (wait_seconds_timeout or 0)
        while True:
            found = original(backend, queue_name, count, 0, visibility_timeout, message_attribute_names)
            left = deadline - time.monotonic()
            if found or left <= 0:
                return found
            backend.get_queue(queue_name).wait_for_messages(min(1.0, left))
            time.sleep(min(_IDLE_POLL_SECONDS, max(left, 0.0)))  # visible but undeliverable (a FIFO group in flight)

    return receive_message
