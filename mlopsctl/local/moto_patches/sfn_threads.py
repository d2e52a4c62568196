"""Step Functions executions whose threads a caller can join (a patch of a moto internal; see :data:`.checked.PATCHES`).

moto's ``ExecutionWorker.start`` runs an execution's program in a daemon thread it keeps to itself (in
``TMP_THREADS``). While :func:`execution_threads_to` is open, each execution starts the same way and its thread is
first handed to ``track``: a caller that drives executions in real time (the deployment tests' state machine) joins
it to wait for the execution's end, rather than polling ``DescribeExecution``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from unittest import mock

from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from moto.stepfunctions.parser.utils import TMP_THREADS


@contextmanager
def execution_threads_to(track: Callable[[threading.Thread], None]) -> Iterator[None]:
    """Hand each Step Functions execution's thread to ``track`` as it starts, while the context is open."""

    def start(worker: ExecutionWorker) -> None:  # moto's own start, the thread handed over before it runs
        thread = threading.Thread(target=worker._execution_logic, daemon=True)
        TMP_THREADS.append(thread)
        track(thread)
        thread.start()

    with mock.patch.object(ExecutionWorker, "start", start):
        yield
