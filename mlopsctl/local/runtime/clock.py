"""The virtual clock of the local stack: time passes only when the stack advances it.

Listeners (:meth:`VirtualClock.subscribe`) hear every move, in order; :mod:`.wall_clock` uses one to keep the wall
clock that handlers and moto read (``datetime.now``, ``time.time``) on the same instant.

Examples
--------
>>> from datetime import UTC, datetime, timedelta
>>> clock = VirtualClock(datetime(2025, 1, 1, tzinfo=UTC))
>>> heard = []
>>> unsubscribe = clock.subscribe(heard.append)
>>> clock.advance_to(clock.now() + timedelta(minutes=5))
>>> clock.now().isoformat()
'2025-01-01T00:05:00+00:00'
>>> clock.elapsed().total_seconds()
300.0
>>> clock.advance(90).isoformat() == clock().isoformat() == '2025-01-01T00:06:30+00:00'
True
>>> [instant.isoformat() for instant in heard]
['2025-01-01T00:00:00+00:00', '2025-01-01T00:05:00+00:00', '2025-01-01T00:06:30+00:00']
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from mlopsctl.local.errors import LocalStackError

#: Hears the clock's new instant (called with the clock's lock held: it must not read or move the clock).
Listener = Callable[[datetime], None]


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
        self._listeners: list[Listener] = []

    @property
    def start(self) -> datetime:
        """The instant the clock started at."""
        return self._start

    def now(self) -> datetime:
        """The current virtual instant."""
        with self._lock:
            return self._now

    def __call__(self) -> datetime:
        """The current virtual instant (the clock is what the SageMaker emulator calls for the time)."""
        return self.now()

    def elapsed(self) -> timedelta:
        """Virtual time passed since the start."""
        return self.now() - self._start

    def advance_to(self, instant: datetime) -> None:
        """Move the clock forward to ``instant``; an instant in the past leaves it where it is."""
        if instant.tzinfo is None:
            raise LocalStackError("advance_to needs a timezone-aware instant")
        with self._lock:
            if instant <= self._now:
                return
            self._now = instant
            for listener in self._listeners:
                listener(instant)

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward by ``seconds``; return the new instant."""
        with self._lock:
            target = self._now + timedelta(seconds=seconds)
        self.advance_to(target)
        return self.now()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with the current instant now and with the new one on every move; return an unsubscribe.

        Listeners run in the order they subscribed, with the clock's lock held, so they hear the moves in order.
        """
        with self._lock:
            self._listeners.append(listener)
            listener(self._now)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe
