"""Run the local stack to quiescence: everything an action caused has happened, within bounded virtual time.

One loop, with a bound on iterations, on virtual time and on real time:

1. run the stack's own due work (the scheduler's lane ``STACK``), drain the bus (taps, then rules → targets), poll
   the event source mappings;
2. poll the executions: one that runs and is not parked is computing → wait a few milliseconds (real) and loop;
3. when nothing moved, ask the one :class:`~.scheduler.Scheduler` for the earliest due instant (it holds the stack's
   own work, the ends of the parked execution threads' waits and the SageMaker emulator's work) and the emulators
   that are polled instead (:class:`~mlopsctl.local.protocols.Emulator`: work they work out from what they observe,
   such as the demo's alarm); none → quiescent; else advance the virtual clock to it, run the scheduler's wakes and
   emulated work due by then (lanes ``WAKE``, ``EMULATED``) in its tie order (:mod:`.scheduler`), then the polled
   emulators that are due, put their events on the bus, and loop.

:meth:`Settler.run` also runs only *up to an instant* (``until``: the work due by then happens, then the clock stands
at that instant, whatever is due later) or *until something is seen* (``stop``, asked after the taps are drained and
before the rules deliver, so "as soon as an event is put on the bus" means before its targets react); replays use
both for their timing (:mod:`.replay`), or only *within a horizon* (``horizon``: work due later is left due and the
clock stays where the last work left it).

The loop drives what it is given: a local stack gives it everything (its SageMaker emulator puts its work in the
stack's scheduler and its events on the bus: :meth:`~mlopsctl.local.emulators.sagemaker.SageMakerEmulator.schedule_on`);
a test that drives the SageMaker emulator by hand gives it the clock and the emulator only, polled
(:func:`mlopsctl.local.emulators.sagemaker.harness.settle`), and the events the emulator emits are kept in
:attr:`Settler.emitted` instead of being put on a bus.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mlopsctl.local.errors import NotQuiescentError
from mlopsctl.local.protocols import Emulator
from mlopsctl.local.runtime.bus import EventBus
from mlopsctl.local.runtime.clock import VirtualClock
from mlopsctl.local.runtime.executions import ExecutionMonitor, ExecutionState
from mlopsctl.local.runtime.scheduler import Callback, Lane, Scheduler
from mlopsctl.local.runtime.sqs_source import SqsPoller

_NO_EXECUTIONS = ExecutionState(running=[], busy=[])
#: The scheduler's lanes run at the start of each step, and those run when the loop is quiet (see :mod:`.scheduler`).
_AT_ONCE = (Lane.STACK,)
_AT_QUIET = (Lane.WAKE, Lane.EMULATED)


@dataclass(frozen=True)
class SettleLimits:
    """Bounds of one run to quiescence."""

    max_virtual: timedelta = timedelta(days=2)
    max_iterations: int = 20_000
    max_real_seconds: float = 120.0
    poll_seconds: float = 0.005


@dataclass
class Settler:
    """The parts of the stack the loop drives (a part left out has no work).

    ``emulators`` are polled, except those whose work is in ``scheduler`` (their ``scheduler`` attribute is it).
    """

    clock: VirtualClock
    emulators: Sequence[Emulator]
    bus: EventBus | None = None
    pollers: Sequence[SqsPoller] = ()
    scheduler: Scheduler[Callback] = field(default_factory=Scheduler)
    monitor: ExecutionMonitor | None = None
    limits: SettleLimits = SettleLimits()
    #: The emulators' events, when there is no bus to put them on.
    emitted: list[dict[str, Any]] = field(default_factory=list)

    def settle(self) -> None:
        """Run until quiescent; raise :class:`NotQuiescentError` past a bound."""
        self.run()

    def run(
        self,
        *,
        until: datetime | None = None,
        stop: Callable[[], bool] | None = None,
        horizon: datetime | None = None,
    ) -> bool:
        """Run until quiescent, or until the instant ``until``, or until ``stop()`` holds; return whether it held.

        With ``until``, the work due at or before that instant is done and the clock is left at it (work due later
        stays due). ``stop`` is asked after every drain of the bus's taps; when it holds the run ends at once, the
        rules' deliveries of that drain still pending. With ``horizon``, work due after it is left due and the clock
        is not moved past the last work done (quiescent within the horizon).
        """
        started, real_deadline = self.clock.now(), time.monotonic() + self.limits.max_real_seconds
        for _ in range(self.limits.max_iterations):
            moved = self._pump(stop)
            if stop is not None and stop():
                return True
            state = self.monitor.poll() if self.monitor is not None else _NO_EXECUTIONS
            if time.monotonic() > real_deadline:
                why = f"still busy after {self.limits.max_real_seconds:.0f}s of real time"
                raise NotQuiescentError(self._describe(why, state.busy))
            if moved or state.announced:
                continue
            if state.busy:
                time.sleep(self.limits.poll_seconds)
                continue
            due = self._next_due()
            if horizon is not None and due is not None and due > horizon:
                return False
            if until is not None and (due is None or due > until):
                if self.clock.now() >= until:
                    return False
                due = until
            if due is None:
                return False
            if due - started > self.limits.max_virtual:
                raise NotQuiescentError(
                    self._describe(f"work still due after {self.limits.max_virtual}", state.running)
                )
            self.clock.advance_to(due)
            self.scheduler.run_due(self.clock.now(), _AT_QUIET)
            self._run_emulators()
        raise NotQuiescentError(self._describe(f"no quiescence after {self.limits.max_iterations} iterations", []))

    def _pump(self, stop: Callable[[], bool] | None) -> bool:
        moved = self.scheduler.run_due(self.clock.now(), _AT_ONCE) > 0
        if self.bus is not None:
            moved = self.bus.drain_taps() or moved
            if stop is not None and stop():
                return moved
            moved = self.bus.deliver() or moved
        for poller in self.pollers:
            moved = poller.poll() or moved
        return moved

    def _polled(self) -> list[Emulator]:
        return [e for e in self.emulators if getattr(e, "scheduler", None) is not self.scheduler]

    def _next_due(self) -> datetime | None:
        candidates = [self.scheduler.next_due(), *(e.next_due() for e in self._polled())]
        return min((c for c in candidates if c is not None), default=None)

    def _run_emulators(self) -> None:
        now = self.clock.now()
        for emulator in self._polled():
            due = emulator.next_due()
            if due is not None and due <= now:
                for event in emulator.run_due(now):
                    self._put(event)

    def _put(self, event: dict[str, Any]) -> None:
        if self.bus is not None:
            self.bus.inject(event)
        else:
            self.emitted.append(event)

    def _describe(self, why: str, executions: list[str]) -> str:
        pending = self.scheduler.pending()
        parts = [f"the local stack did not settle: {why}"]
        if executions:
            parts.append("executions: " + ", ".join(executions))
        if pending:
            parts.append("pending: " + ", ".join(pending[:10]))
        emulated = [type(e).__name__ for e in self._polled() if e.next_due() is not None]
        if emulated:
            parts.append("emulators with work: " + ", ".join(emulated))
        return "; ".join(parts)
