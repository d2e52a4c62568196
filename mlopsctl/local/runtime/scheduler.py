"""The local stack's one queue of work due at a later virtual instant.

A local stack has one :class:`Scheduler`, and everything that is due later is in it: the stack's own work
(redeliveries, async retries, the end of a batching window), the SageMaker emulator's (an endpoint becoming
``InService``, a bake ending, what an API call reported), and the end of every virtual wait of a Step Functions
execution thread (:mod:`.sfn_time`). The settle loop (:mod:`.settle`) asks it for the next due instant, moves the
clock there and runs what is due.

**The tie rule.** Items due at the same instant run by lane, then, within a lane, the items scheduled ``first`` (what
an API call reported), then in the order scheduled:

1. :attr:`Lane.WAKE`: execution threads whose wait ends are released (they go on on their own threads);
2. :attr:`Lane.EMULATED`: the emulated services' work, whose events go on the bus;
3. :attr:`Lane.STACK`: the stack's own work.

This is the order the stack kept when these were three queues (the parked threads woken as the clock moved, then the
emulator's agenda, then the stack's); work due at an instant runs when the loop is quiet at that instant (no event to
deliver, no execution computing), so at an instant the bus delivers what the work emitted after all of it ran.

Examples
--------
>>> from datetime import UTC, datetime, timedelta
>>> t0 = datetime(2025, 1, 1, tzinfo=UTC)
>>> queue: Scheduler[str] = Scheduler()
>>> queue.schedule(t0 + timedelta(seconds=5), "later", "b")
>>> queue.schedule(t0 + timedelta(seconds=5), "reported", "a", first=True)
>>> queue.schedule(t0 + timedelta(seconds=5), "woken", "w", lane=Lane.WAKE)
>>> queue.schedule(t0, "dropped", "x", alive=lambda: False)
>>> queue.next_due() == t0 + timedelta(seconds=5), queue.pending()
(True, ['woken', 'reported', 'later'])
>>> [item for _, item in iter(lambda: queue.pop_due(t0 + timedelta(seconds=5)), None)]
['w', 'a', 'b']
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable
from datetime import datetime
from enum import IntEnum

#: What the stack schedules: a callback run on the stack's thread.
Callback = Callable[[], None]


class Lane(IntEnum):
    """Who put an item in the queue; at equal due times, lower lanes run first (see the module docstring)."""

    WAKE = 0
    EMULATED = 1
    STACK = 2


type _Entry[T] = tuple[datetime, int, int, int, str, T | None, Callable[[], bool] | None]


class Scheduler[T]:
    """A queue of items by virtual due time (see the module docstring for the order at equal times).

    Any thread may schedule (an execution thread parking, an API call served by ``moto_server`` reporting to the
    emulator); the items are taken and run on the owner's thread. An item with an ``alive`` predicate that no longer
    holds is dropped without counting as due work; the predicate is asked with the queue's lock held, so it must not
    wait for a lock a scheduling thread may hold.
    """

    def __init__(self) -> None:
        self._heap: list[_Entry[T]] = []
        self._seq = itertools.count()
        self._lock = threading.Lock()

    def schedule(
        self,
        due: datetime,
        label: str,
        item: T,
        *,
        alive: Callable[[], bool] | None = None,
        first: bool = False,
        lane: Lane = Lane.STACK,
    ) -> None:
        """Queue ``item`` for when the virtual clock reaches ``due``."""
        self._push(due, label, item, alive, first=first, lane=lane)

    def wake_at(self, due: datetime, label: str, *, alive: Callable[[], bool] | None = None) -> None:
        """Queue a wake-up, with no work of its own: the clock stops at ``due`` (a batching window's end, which the
        loop's poll of the queue then sees)."""
        self._push(due, label, None, alive, first=False, lane=Lane.STACK)

    def next_due(self) -> datetime | None:
        """The earliest due time of a live item, or ``None``."""
        with self._lock:
            self._drop_dead()
            return self._heap[0][0] if self._heap else None

    def pending(self) -> list[str]:
        """Labels of the pending live items, in the order they will run (for error messages)."""
        with self._lock:
            live = [entry for entry in self._heap if entry[6] is None or entry[6]()]
        return [entry[4] for entry in sorted(live, key=lambda entry: entry[:4])]

    def pop_due(self, now: datetime) -> tuple[datetime, T | None] | None:
        """Take the first live item due at or before ``now``, with its due time (``None`` as the item of a wake-up);
        ``None`` when none is due."""
        with self._lock:
            self._drop_dead()
            if not self._heap or self._heap[0][0] > now:
                return None
            entry = heapq.heappop(self._heap)
            return entry[0], entry[5]

    def run_due(self: Scheduler[Callback], now: datetime) -> int:
        """Call every callback due at or before ``now``, in order, outside the queue's lock (a callback may schedule);
        return how many items ran (wake-ups count)."""
        ran = 0
        while (taken := self.pop_due(now)) is not None:
            if taken[1] is not None:
                taken[1]()
            ran += 1
        return ran

    def _push(
        self, due: datetime, label: str, item: T | None, alive: Callable[[], bool] | None, *, first: bool, lane: Lane
    ) -> None:
        with self._lock:
            heapq.heappush(self._heap, (due, int(lane), 0 if first else 1, next(self._seq), label, item, alive))

    def _drop_dead(self) -> None:
        while self._heap and (alive := self._heap[0][6]) is not None and not alive():
            heapq.heappop(self._heap)
