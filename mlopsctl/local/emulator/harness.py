"""A manual virtual clock and a settle loop, for tests and scripts that drive the emulator by hand."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from mlopsctl.local.emulator.emulator import SageMakerEmulator


class ManualClock:
    """A virtual clock that moves only when told to.

    Examples
    --------
    >>> clock = ManualClock(datetime(2025, 1, 1, tzinfo=UTC))
    >>> clock.advance(90).isoformat()
    '2025-01-01T00:01:30+00:00'
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2025, 1, 1, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        """The current virtual time."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        """Move forward by ``seconds``; returns the new time."""
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def advance_to(self, instant: datetime) -> datetime:
        """Move forward to ``instant`` (never backwards); returns the new time."""
        with self._lock:
            self._now = max(self._now, instant)
            return self._now


def settle(emulator: SageMakerEmulator, clock: ManualClock, *, horizon_seconds: float = 86_400) -> list[dict[str, Any]]:
    """Run the emulator until it is idle or ``horizon_seconds`` of virtual time have passed; return the events.

    Each step jumps the clock to the next due time, so the loop is bounded by the work there is, not by time.
    """
    limit = clock() + timedelta(seconds=horizon_seconds)
    emitted = emulator.run_due(clock())
    while (due := emulator.next_due()) is not None and due <= limit:
        emitted.extend(emulator.run_due(clock.advance_to(due)))
    return emitted
