"""The virtual clock of the local stack: time passes only when the stack advances it.

Examples
--------
>>> from datetime import UTC, datetime, timedelta
>>> clock = VirtualClock(datetime(2025, 1, 1, tzinfo=UTC))
>>> clock.advance_to(clock.now() + timedelta(minutes=5))
>>> clock.now().isoformat()
'2025-01-01T00:05:00+00:00'
>>> clock.elapsed().total_seconds()
300.0
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from mlopsctl.local.errors import LocalStackError


class VirtualClock:
    """A monotonic, thread-safe clock that only moves when told to.

    Parameters
    ----------
    start:
        The first instant (timezone-aware). Defaults to the current wall-clock time, truncated to the second, so that
        events stamped with virtual time look fresh to code that compares them with the wall clock.
    """

    def __init__(self, start: datetime | None = None) -> None:
        if start is None:
            start = datetime.now(UTC).replace(microsecond=0)
        if start.tzinfo is None:
            raise LocalStackError("VirtualClock needs a timezone-aware start instant")
        self._start = start
        self._now = start
        self._lock = threading.Lock()

    @property
    def start(self) -> datetime:
        """The instant the clock started at."""
        return self._start

    def now(self) -> datetime:
        """The current virtual instant."""
        with self._lock:
            return self._now

    def elapsed(self) -> timedelta:
        """Virtual time passed since the start."""
        return self.now() - self._start

    def advance_to(self, instant: datetime) -> None:
        """Move the clock forward to ``instant``; an instant in the past leaves it where it is."""
        if instant.tzinfo is None:
            raise LocalStackError("advance_to needs a timezone-aware instant")
        with self._lock:
            self._now = max(self._now, instant)
