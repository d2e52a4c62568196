"""Work due at a later virtual instant: the stack's own (redeliveries, async retries, batching windows) and the
SageMaker emulator's agenda (an endpoint becoming ``InService``, a bake ending). One queue type for both.

Examples
--------
>>> from datetime import UTC, datetime, timedelta
>>> t0 = datetime(2025, 1, 1, tzinfo=UTC)
>>> queue: Scheduler[str] = Scheduler()
>>> queue.schedule(t0 + timedelta(seconds=5), "later", "b")
>>> queue.schedule(t0 + timedelta(seconds=5), "reported", "a", first=True)
>>> queue.schedule(t0, "dropped", "x", alive=lambda: False)
>>> queue.next_due() == t0 + timedelta(seconds=5), queue.pending()
(True, ['reported', 'later'])
>>> [item for _, item in iter(lambda: queue.pop_due(t0 + timedelta(seconds=5)), None)]
['a', 'b']
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from datetime import datetime

#: What the stack itself schedules: a callback run on the stack's thread.
Callback = Callable[[], None]


type _Entry[T] = tuple[datetime, int, int, str, T, Callable[[], bool] | None]


class Scheduler[T]:
    """A queue of items by virtual due time, run on its owner's thread (not thread-safe by itself).

    At equal due times, items scheduled ``first`` come before the others, then in the order scheduled. An item
    with an ``alive`` predicate that no longer holds is dropped without counting as due work.
    """

    def __init__(self) -> None:
        self._heap: list[_Entry[T]] = []
        self._seq = itertools.count()

    def schedule(
        self, due: datetime, label: str, item: T, *, alive: Callable[[], bool] | None = None, first: bool = False
    ) -> None:
        """Queue ``item`` for when the virtual clock reaches ``due``."""
        heapq.heappush(self._heap, (due, 0 if first else 1, next(self._seq), label, item, alive))

    def next_due(self) -> datetime | None:
        """The earliest due time of a live item, or ``None``."""
        self._drop_dead()
        return self._heap[0][0] if self._heap else None

    def pending(self) -> list[str]:
        """Labels of the pending items, in due order (for error messages)."""
        return [entry[3] for entry in sorted(self._heap, key=lambda entry: entry[:3])]

    def pop_due(self, now: datetime) -> tuple[datetime, T] | None:
        """Take the earliest live item due at or before ``now``, with its due time; ``None`` when none is due."""
        self._drop_dead()
        if not self._heap or self._heap[0][0] > now:
            return None
        due, _, _, _, item, _ = heapq.heappop(self._heap)
        return due, item

    def run_due(self: Scheduler[Callback], now: datetime) -> int:
        """Call every callback due at or before ``now``, in due order; return how many ran."""
        ran = 0
        while (taken := self.pop_due(now)) is not None:
            taken[1]()
            ran += 1
        return ran

    def _drop_dead(self) -> None:
        while self._heap and (alive := self._heap[0][5]) is not None and not alive():
            heapq.heappop(self._heap)
