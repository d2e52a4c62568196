"""One clock: while a local stack runs, the wall clock of the whole process *is* its virtual clock.

Handlers, Powertools (idempotency expiries, log and metric timestamps), moto (creation times, SQS visibility and
retention, alarm state times) and botocore read ``datetime.now``/``time.time``. :func:`following` makes all of them
read the :class:`~.clock.VirtualClock`: ``time_machine`` travels to the clock's instant with ``tick=False`` for the
stack's whole lifetime, and a listener on the clock moves it whenever :meth:`~.clock.VirtualClock.advance_to` does.
So a lock's expiry, a TTL and a ledger timestamp are on the same timeline as ``Wait`` states, queues and emulated
SageMaker jobs, and a lock whose TTL passed in virtual time is expired for the handler that reads it.

What frozen wall time means for code that waits or measures:

- real durations are measured with ``time.monotonic``/``time.perf_counter``, which ``time_machine`` leaves alone
  (the settle loop's real-time budget, the demo's "virtual / wall" timing, ``bench``); so do ``threading`` waits;
- moto's SQS long polling loops until ``time.time()`` passes the end of the poll, which frozen time never does: while
  installed, a long poll waits for a message for ``WaitTimeSeconds`` of *real* time (monotonic), as it did before
  (handler code takes no virtual time; nothing advances the clock while it blocks);
- a message whose visibility timeout is set to 0 must be visible at once; moto makes it visible only once the clock
  has moved past the instant it was set (``now > visible_at``), which frozen time never does by itself: while
  installed, a message is visible from its ``visible_at`` on (``>=``);
- botocore's retry back-off sleeps between attempts inside a handler's run; a run takes no virtual time on the local
  stack (its Lambda context always has its whole timeout left), so while installed the back-off is not slept in real
  time either: whether and how often botocore retries is its own decision, only the pause is skipped;
- botocore signs requests with the virtual instant (``X-Amz-Date``); moto does not check a signature's age.

Examples
--------
>>> import time
>>> from datetime import UTC, datetime, timedelta
>>> from mlopsctl.local.runtime.clock import VirtualClock
>>> clock = VirtualClock(datetime(2030, 1, 1, tzinfo=UTC))
>>> with following(clock):
...     clock.advance_to(clock.start + timedelta(days=3))
...     datetime.fromtimestamp(time.time(), UTC).isoformat()
'2030-01-04T00:00:00+00:00'
"""

from __future__ import annotations

import time
import types
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

import botocore.endpoint  # type: ignore[import-untyped, unused-ignore]
import moto.sqs.models as sqs_models
import time_machine

from mlopsctl.local.runtime.clock import VirtualClock

_IDLE_POLL_SECONDS = 0.01


@contextmanager
def following(clock: VirtualClock) -> Iterator[None]:
    """Make the process's wall clock follow ``clock`` while the context is open (see the module docstring)."""
    with ExitStack() as stack:
        traveller = stack.enter_context(time_machine.travel(clock.now(), tick=False))
        stack.callback(clock.subscribe(traveller.move_to))
        receive = _long_poll_in_real_time(sqs_models.SQSBackend.receive_message)
        stack.enter_context(mock.patch.object(sqs_models.SQSBackend, "receive_message", receive))
        stack.enter_context(mock.patch.object(sqs_models.Message, "visible", property(_visible_from_visible_at)))
        stack.enter_context(mock.patch.object(botocore.endpoint, "time", types.SimpleNamespace(sleep=_no_back_off)))
        yield


def _visible_from_visible_at(message: Any) -> bool:
    """``Message.visible``: visible from the instant its visibility timeout ends (moto's own clock read)."""
    return bool(sqs_models.unix_time_millis() >= message.visible_at)  # type: ignore[attr-defined]


def _no_back_off(_seconds: float) -> None:
    """botocore's pause between attempts: a handler's run takes no virtual time, so no real time either."""


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
