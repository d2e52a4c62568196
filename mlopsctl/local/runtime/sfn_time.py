"""Virtual time for moto's Step Functions interpreter.

moto runs each execution on its own threads and really sleeps in ``Wait`` states, ``Retry`` intervals and task
timeouts. While a local stack runs, those waits are made *virtual*: the waiting thread parks in a
:class:`ParkingLot`, which puts the end of its wait in the stack's one
:class:`~mlopsctl.local.runtime.scheduler.Scheduler` (lane :attr:`~mlopsctl.local.runtime.scheduler.Lane.WAKE`);
the thread wakes when the stack's settle loop moves the
:class:`~mlopsctl.local.runtime.clock.VirtualClock` to that instant and runs it (or when what it waits for happens: a
task token delivered with ``SendTaskSuccess``, a heartbeat, the task finishing; the queued wake-up is then dropped).
So a ``Wait`` of an hour costs nothing, and a task's ``TimeoutSeconds`` fires in virtual time, interleaved with the
emulators' work by the scheduler's tie rule.

The lot also tells the stack when an execution is *idle*: it has a parked thread, no task worker running, and no
thread that was released and has not parked again yet (a thread whose wait just ended is about to compute: it counts
as *resuming* from its release until its next wait). An execution that is running and not idle is computing; the
stack polls it briefly (see :mod:`.settle`). Known limit:
in a ``Parallel``/``Map`` state, one branch parked while another is between two non-task states (``Pass``,
``Choice``) at that very instant looks idle.

:mod:`mlopsctl.local.moto_patches.sfn_waits` installs the lot into moto's interpreter.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mlopsctl.local.runtime.clock import VirtualClock
from mlopsctl.local.runtime.scheduler import Callback, Lane, Scheduler

#: Waits longer than this are "forever" (moto's default task timeout is 99,999,999 s).
_FOREVER = timedelta(days=365)
_POLL_SECONDS = 0.01

#: Per-thread: the execution a thread works for, whether it runs a task, the task's parent event.
thread_state = threading.local()


@dataclass
class Park:
    """A thread of an execution waiting for ``event``, until ``due`` (virtual) or forever."""

    execution_arn: str
    due: datetime | None
    event: threading.Event
    releases_worker: bool
    parent: VirtualTimedEvent | None = None
    released: bool = False


def execution_of(env: Any) -> str:
    try:
        return str(env.states.context_object.context_object_data["Execution"]["Id"])
    except (AttributeError, KeyError, TypeError):
        return ""


class ParkingLot:
    """Where execution threads wait in virtual time.

    A park is *released* synchronously by whoever ends the wait (the event being set, or the stack running the
    wake-up queued in ``scheduler`` for its due time), so the stack never sees an execution as idle between "its wait
    is over" and "its thread woke up".
    """

    def __init__(self, clock: VirtualClock, scheduler: Scheduler[Callback]) -> None:
        self._clock = clock
        self._scheduler = scheduler
        self._cond = threading.Condition()
        self._parks: dict[int, Park] = {}
        self._active: Counter[str] = Counter()
        self._resuming: Counter[str] = Counter()
        self._ids = itertools.count()
        self._closed = False

    # -- what the stack asks --------------------------------------------------------------------------------------

    def is_idle(self, execution_arn: str) -> bool:
        """True when the execution has a parked thread and no running task worker."""
        with self._cond:
            parked = any(p.execution_arn == execution_arn for p in self._parks.values())
            return parked and self._active[execution_arn] <= 0 and self._resuming[execution_arn] <= 0

    def _wake(self, key: int) -> None:
        """The clock reached the due time of the park ``key`` (the stack runs this from its scheduler)."""
        with self._cond:
            self._release(key)
            self._cond.notify_all()

    def release(self, event: threading.Event) -> None:
        """Release the parks waiting for ``event`` (called right after it is set)."""
        with self._cond:
            for key, park in list(self._parks.items()):
                if park.event is event:
                    self._release(key)
            self._cond.notify_all()

    def release_children(self, parent: VirtualTimedEvent) -> None:
        """Release the task workers of a task whose parent stopped waiting (it timed out or the task ended)."""
        with self._cond:
            for key, park in list(self._parks.items()):
                if park.parent is parent:
                    self._release(key)
            self._cond.notify_all()

    def close(self) -> None:
        """Release every parked thread (the stack is going away)."""
        with self._cond:
            self._closed = True
            for key in list(self._parks):
                self._release(key)
            self._cond.notify_all()

    def _release(self, key: int) -> None:
        park = self._parks.pop(key, None)
        if park is not None and not park.released:
            park.released = True
            if park.releases_worker:
                self._active[park.execution_arn] += 1
            else:
                self._resuming[park.execution_arn] += 1

    # -- what patched moto code calls ------------------------------------------------------------------------------

    def block(
        self,
        event: threading.Event,
        timeout: float | None,
        *,
        execution_arn: str | None = None,
        releases_worker: bool = False,
        interrupted: Callable[[], bool] | None = None,
    ) -> bool:
        """Wait until ``event`` is set or ``timeout`` virtual seconds pass; return whether it was set.

        ``releases_worker``: the waiting thread is a task worker, which stops counting as running while parked.
        """
        arn = execution_arn if execution_arn is not None else getattr(thread_state, "execution_arn", "")
        releases_worker = releases_worker and getattr(thread_state, "is_task", False)
        parent: VirtualTimedEvent | None = getattr(thread_state, "parent_event", None) if releases_worker else None
        due = None
        if timeout is not None and timedelta(seconds=timeout) < _FOREVER:
            due = self._clock.now() + timedelta(seconds=timeout)
        key = next(self._ids)
        park = Park(arn, due, event, releases_worker, parent)
        with self._cond:
            resumed = getattr(thread_state, "resuming_arn", None)
            if resumed is not None:  # this thread was released earlier and now waits again: it no longer resumes
                thread_state.resuming_arn = None
                self._resuming[resumed] -= 1
            if self._closed or event.is_set() or (parent is not None and parent.finished):
                return event.is_set()
            self._parks[key] = park
            if due is not None:
                self._scheduler.schedule(
                    due, f"wait of {arn or 'a thread'}", functools.partial(self._wake, key),
                    alive=lambda: not park.released, lane=Lane.WAKE,
                )  # fmt: skip
            if releases_worker:
                self._active[arn] -= 1
            while not park.released:
                if (interrupted is not None and interrupted()) or event.is_set():
                    self._release(key)
                    break
                self._cond.wait(_POLL_SECONDS)
            if not park.releases_worker:
                thread_state.resuming_arn = arn
        return event.is_set()

    def sleep(
        self, seconds: float, *, execution_arn: str | None = None, interrupted: Callable[[], bool] | None = None
    ) -> None:
        """A virtual ``time.sleep``."""
        if seconds > 0:
            self.block(threading.Event(), seconds, execution_arn=execution_arn, interrupted=interrupted)

    def worker_started(self, execution_arn: str) -> None:
        """A task worker of the execution is about to run (counted before its thread starts)."""
        with self._cond:
            self._active[execution_arn] += 1

    def worker_finished(self, execution_arn: str) -> None:
        """A task worker of the execution finished."""
        with self._cond:
            self._active[execution_arn] -= 1
            self._cond.notify_all()


class VirtualTimedEvent(threading.Event):
    """The event a task's parent thread waits on, with the task's ``TimeoutSeconds`` counted in virtual time."""

    def __init__(self, lot: ParkingLot) -> None:
        super().__init__()
        self._lot = lot
        self.finished = False

    def set(self) -> None:
        """Set, and release the waiting parent at once."""
        super().set()
        self._lot.release(self)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait in virtual time."""
        try:
            return self._lot.block(self, timeout)
        finally:
            self.finished = True
            self._lot.release_children(self)
