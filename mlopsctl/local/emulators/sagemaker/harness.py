"""The SageMaker emulator driven by hand, for tests and scripts: the local stack's settle loop with only the emulator.

The clock is the local stack's :class:`~mlopsctl.local.runtime.clock.VirtualClock`; :data:`START` is where a hand-driven
clock starts unless told otherwise.

Examples
--------
>>> from mlopsctl.local.runtime.clock import VirtualClock
>>> clock = VirtualClock(START)
>>> clock.advance(90).isoformat()
'2025-01-01T00:01:30+00:00'
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mlopsctl.local.emulators.sagemaker.emulator import SageMakerEmulator
from mlopsctl.local.runtime.clock import VirtualClock
from mlopsctl.local.runtime.settle import SettleLimits, Settler

#: The first instant of a hand-driven clock.
START = datetime(2025, 1, 1, tzinfo=UTC)


def settle(
    emulator: SageMakerEmulator, clock: VirtualClock, *, horizon_seconds: float = 86_400
) -> list[dict[str, Any]]:
    """Run the emulator until it is idle or ``horizon_seconds`` of virtual time have passed; return the events.

    Each step jumps the clock to the next due time, so the loop is bounded by the work there is, not by time; work
    due past the horizon is left due, and the clock stays at the last work done.
    """
    horizon = timedelta(seconds=horizon_seconds)
    settler = Settler(clock, [emulator], limits=SettleLimits(max_virtual=horizon))
    settler.run(horizon=clock.now() + horizon)
    return settler.emitted
