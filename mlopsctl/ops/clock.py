"""The operator commands' clock: what time it is and how to wait (``watch`` polls, ``status`` counts bake time).

A command reads it from Click's context object (``ctx.find_object(Clock)``), the system clock when none is given.
Tests pass a :class:`Clock` on the local stack's virtual time (``CliRunner().invoke(..., obj=clock)``), whose
``sleep`` advances that time instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import click


def _system_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Clock:
    """``now()`` (aware, UTC) and ``sleep(seconds)``."""

    now: Callable[[], datetime] = field(default=_system_now)
    sleep: Callable[[float], None] = field(default=time.sleep)


def current_clock() -> Clock:
    """The clock of the running command: the context's, else the system's."""
    context = click.get_current_context(silent=True)
    found = context.find_object(Clock) if context is not None else None
    return found if found is not None else Clock()
