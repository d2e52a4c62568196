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

**When the loop runs them** (:mod:`.settle`): the stack's own work as soon as it is due, at the start of each step of
the loop; the wakes and the emulated work when the loop is quiet at their instant (no event to deliver, no execution
computing), after which the polled emulators run and the next step delivers the events. So at an instant the bus
delivers what the emulated work emitted after all of it ran, and what the stack's own work causes there (a retried
handler's call to SageMaker) is emulated at the loop's next quiet point. This is the order and the timing the stack
kept when these were three queues (its own, the parked threads', the emulator's agenda).

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
from collections.abc import Callable, Collection
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

#: Every lane.
ALL_LANES: tuple[Lane, ...] = tuple(Lane)


class Scheduler[T]:
    """A queue of items by virtual due time (see the module docstring for the order at equal times).

    Any thread may schedule (an execution thread parking, an API call served by ``moto_server`` reporting to the
    emulator); the items are taken and run on the owner's thread, all of them or those of some lanes. An item with an
    ``alive`` predicate that no longer holds is dropped without counting as due work; the predicate is asked with the
    queue's lock held, so it must not wait for a lock a scheduling thread may hold.
    """

    def __init__(self) -> None:
        self._heaps: dict[Lane, list[_Entry[T]]] = {lane: [] for lane in Lane}
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
            top = self._top(ALL_LANES)
            return top[0] if top is not None else None

    def pending(self) -> list[str]:
        """Labels of the pending live items, in the order they will run (for error messages)."""
        with self._lock:
            live = [e for heap in self._heaps.values() for e in heap if e[6] is None or e[6]()]
        return [entry[4] for entry in sorted(live, key=lambda entry: entry[:4])]

    def pop_due(self, now: datetime, lanes: Collection[Lane] = ALL_LANES) -> tuple[datetime, T | None] | None:
        """Take the first live item of ``lanes`` due at or before ``now``, with its due time (``None`` as the item of a
        wake-up); ``None`` when none is due."""
        with self._lock:
            top = self._top(lanes)
            if top is None or top[0] > now:
                return None
            entry = heapq.heappop(self._heaps[Lane(top[1])])
            return entry[0], entry[5]

    def run_due(self: Scheduler[Callback], now: datetime, lanes: Collection[Lane] = ALL_LANES) -> int:
        """Call every callback of ``lanes`` due at or before ``now``, in order, outside the queue's lock (a callback
        may schedule); return how many items ran (wake-ups count)."""
        ran = 0
        while (taken := self.pop_due(now, lanes)) is not None:
            if taken[1] is not None:
                taken[1]()
            ran += 1
        return ran

    def _push(
        self, due: datetime, label: str, item: T | None, alive: Callable[[], bool] | None, *, first: bool, lane: Lane
    ) -> None:
        with self._lock:
            heapq.heappush(self._heaps[lane], (due, int(lane), 0 if first else 1, next(self._seq), label, item, alive))

    def _top(self, lanes: Collection[Lane]) -> _Entry[T] | None:
        """The first live entry of ``lanes`` (dead ones at the tops are dropped); the lock is held."""
        tops = []
        for lane in lanes:
            heap = self._heaps[lane]
            while heap and (alive := heap[0][6]) is not None and not alive():
                heapq.heappop(heap)
            if heap:
                tops.append(heap[0])
        return min(tops, key=lambda entry: entry[:4], default=None)
