"""The virtual clock: it moves only forward, and its listeners hear every move, in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mlopsctl.local.errors import LocalStackError
from mlopsctl.local.runtime.clock import VirtualClock

START = datetime(2030, 1, 1, tzinfo=UTC)


def test_a_listener_hears_the_current_instant_then_every_move_forward_in_order() -> None:
    clock, heard = VirtualClock(START), list[datetime]()
    clock.subscribe(heard.append)

    clock.advance_to(START + timedelta(seconds=30))
    clock.advance_to(START + timedelta(seconds=10))  # the past: the clock stays, nobody hears anything
    clock.advance_to(START + timedelta(seconds=30))  # no move
    clock.advance_to(START + timedelta(hours=2))

    assert heard == [START, START + timedelta(seconds=30), START + timedelta(hours=2)]
    assert clock.now() == START + timedelta(hours=2)


def test_an_unsubscribed_listener_hears_no_more_moves() -> None:
    clock, heard = VirtualClock(START), list[datetime]()
    unsubscribe = clock.subscribe(heard.append)
    unsubscribe()

    clock.advance_to(START + timedelta(minutes=1))

    assert heard == [START]
    unsubscribe()  # twice is harmless


def test_naive_instants_are_refused() -> None:
    with pytest.raises(LocalStackError):
        VirtualClock(datetime(2030, 1, 1))
    with pytest.raises(LocalStackError):
        VirtualClock(START).advance_to(datetime(2030, 1, 2))
