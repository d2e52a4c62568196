"""What the local stack asks of the parts that stand in for AWS's own behaviour (SageMaker jobs, alarms, …).

An emulator owns some emulated work that finishes at a known virtual time. The stack asks it when its next piece of
work is due, advances the virtual clock to that instant, and lets it run; the emulator returns the EventBridge events
AWS would emit at that moment, which the stack puts on the bus.
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
