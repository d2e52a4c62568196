"""What the local stack asks of the parts that stand in for AWS's own behaviour (SageMaker jobs, alarms, …).

An emulator owns some emulated work that finishes at a known virtual time. The SageMaker emulator puts its work in
the stack's one scheduler (``schedule_on``: see :mod:`mlopsctl.local.runtime.scheduler`). Any other emulator is
*polled*: it works out when its next piece of work is due from what it observes (the demo's alarm: "now, while the
endpoint bakes"), so the stack asks it each time it looks for the next due instant, advances the virtual clock, runs
the scheduler's work due by then, then lets the polled emulator run; the emulator returns the EventBridge events AWS
would emit at that moment, which the stack puts on the bus.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol


class Emulator(Protocol):
    """Emulated AWS behaviour driven by the stack's virtual clock."""

    def next_due(self) -> datetime | None:
        """The virtual instant the next emulated work is due, or ``None`` when nothing is pending."""
        ...

    def run_due(self, now: datetime) -> list[dict[str, Any]]:  # EventBridge events (dicts like real samples)
        """Finish every piece of work due at or before ``now``; return the events AWS would emit for it."""
        ...
