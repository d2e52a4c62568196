"""Requests that never reach moto (a patch of a moto internal; see :data:`.checked.PATCHES`).

moto answers every botocore request from its ``BotocoreStubber`` (a ``before-send`` handler). An injected fault
(:mod:`mlopsctl.local.runtime.faults`) decides that an attempt fails before it reaches the service; while installed,
the stubber leaves such a request alone (returns ``None``), so the fault's own ``before-send`` response is the one
botocore sees.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from moto.core.botocore_stubber import BotocoreStubber


@contextmanager
def requests_left_alone(skip: Callable[[Any], bool]) -> Iterator[None]:
    """While the context is open, moto does not answer a request for which ``skip(request)`` holds."""
    original = BotocoreStubber.__call__

    def call(stubber: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> Any:
        if skip(request):
            return None  # this attempt failed before it reached the service
        return original(stubber, event_name, request, **kwargs)

    with mock.patch.object(BotocoreStubber, "__call__", call):
        yield
