"""Work the stack itself has to do at a later virtual instant (redeliveries, async retries, batching windows)."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from datetime import datetime


class Scheduler:
    """A queue of callbacks by virtual due time; run on the stack's own thread."""

    def __init__(self) -> None:
        self._heap: list[tuple[datetime, int, str, Callable[[], None]]] = []
        self._seq = itertools.count()

    def schedule(self, due: datetime, label: str, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the virtual clock reaches ``due``."""
        heapq.heappush(self._heap, (due, next(self._seq), label, callback))

    def next_due(self) -> datetime | None:
        """The earliest due time, or ``None``."""
        return self._heap[0][0] if self._heap else None

    def pending(self) -> list[str]:
        """Labels of the pending callbacks (for error messages)."""
        return [label for _, _, label, _ in sorted(self._heap)]

    def run_due(self, now: datetime) -> int:
        """Run every callback due at or before ``now``; return how many ran."""
        ran = 0
        while self._heap and self._heap[0][0] <= now:
            _, _, _, callback = heapq.heappop(self._heap)
            callback()
            ran += 1
        return ran
