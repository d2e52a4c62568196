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
- moto's SQS long polling and message visibility assume a ticking clock; while installed,
  :mod:`mlopsctl.local.moto_patches.sqs_clock` makes a long poll wait ``WaitTimeSeconds`` of *real* time (handler
  code takes no virtual time; nothing advances the clock while it blocks) and a message visible from its
  ``visible_at`` on (so a visibility timeout set to 0 ends at once);
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

import types
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from unittest import mock

import botocore.endpoint  # type: ignore[import-untyped, unused-ignore]
import time_machine

from mlopsctl.local.moto_patches.sqs_clock import sqs_on_frozen_time
from mlopsctl.local.runtime.clock import VirtualClock


@contextmanager
def following(clock: VirtualClock) -> Iterator[None]:
    """Make the process's wall clock follow ``clock`` while the context is open (see the module docstring)."""
    with ExitStack() as stack:
        traveller = stack.enter_context(time_machine.travel(clock.now(), tick=False))
        stack.callback(clock.subscribe(traveller.move_to))
        stack.enter_context(sqs_on_frozen_time())
        stack.enter_context(mock.patch.object(botocore.endpoint, "time", types.SimpleNamespace(sleep=_no_back_off)))
        yield


def _no_back_off(_seconds: float) -> None:
    """botocore's pause between attempts: a handler's run takes no virtual time, so no real time either."""
