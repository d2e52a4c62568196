"""The local stack served live (:class:`LiveStack`): moto_server on loopback, and a loop that keeps time running.

The stack is the one ``replay`` starts (the project's template, the SageMaker emulator, IAM enforced for the system's
calls), served by ``moto_server`` on ``127.0.0.1:PORT``. A loop on its own thread keeps the virtual clock at
``start + speed * real time elapsed``: every tick it runs the work due up to that instant
(:meth:`~mlopsctl.local.runtime.stack.LocalStack.run_until`: events delivered, handlers run, executions woken, the
emulator's jobs finished and their events sent), holding the :class:`~.gate.PersonGate`; a person's request is served
between two steps. There is one clock: the stack's; the loop only moves it.

What a person does over HTTP reaches the system as it does in a replay: S3 sends its events to EventBridge
(:mod:`mlopsctl.local.emulators.s3_events`), the registry and CloudWatch report model package and alarm changes to the
emulator (:mod:`mlopsctl.local.moto_patches`), and the next step delivers them.

Examples
--------
Not a doctest (it serves a port); ``tests/support/local_up.py`` does the same::

    with LiveStack(UpOptions(port=0, speed=600)) as live:
        live.url  # 'http://127.0.0.1:PORT'
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from mlopsctl.local.errors import LocalStackError
from mlopsctl.local.runtime.stack import DEFAULT_TEMPLATE, LocalStack
from mlopsctl.local.up.gate import PersonGate, mark_system_requests

logger = logging.getLogger(__name__)

DEFAULT_PORT = 4566
DEFAULT_SPEED = 60.0

#: Hears the action log's new entries after each step.
EntryListener = Callable[[list[dict[str, Any]]], None]


@dataclass(frozen=True)
class UpOptions:
    """What ``mlopsctl local up`` serves, where, and how fast its time runs."""

    template: Path = DEFAULT_TEMPLATE
    parameters: Mapping[str, str] = field(default_factory=dict)
    port: int = DEFAULT_PORT
    speed: float = DEFAULT_SPEED
    #: Real seconds between two steps of the loop.
    tick_seconds: float = 0.05

    def __post_init__(self) -> None:
        if not self.speed > 0:
            raise LocalStackError(f"--speed must be a positive number, got {self.speed}")
        if not 0 <= self.port <= 65535:
            raise LocalStackError(f"--port must be a port number (0-65535), got {self.port}")


def _emulator(stack: LocalStack) -> SageMakerEmulator:
    return SageMakerEmulator(clock=stack.clock.now, account_id=stack.template.account_id, region=stack.template.region)


class LiveStack:
    """A started local stack on loopback with its time running (a context manager; see the module docstring).

    Parameters
    ----------
    options:
        Template, parameters, port, speed.
    on_entries:
        Called on the loop's thread with the action log's entries each step added (nothing when none).
    on_problem:
        Called on the loop's thread with one line when a step hit a bound of its run (the stack did not settle in
        time); time goes on.
    """

    def __init__(
        self,
        options: UpOptions,
        on_entries: EntryListener | None = None,
        on_problem: Callable[[str], None] | None = None,
    ) -> None:
        mark_system_requests()  # before the stack's first client: the system's requests must pass the gate
        self.options = options
        self.gate = PersonGate()
        self.stack = LocalStack(
            options.template,
            parameters=dict(options.parameters),
            server=True,
            port=options.port,
            middleware=self.gate.wrap,
            emulators=[_emulator],
        )
        self._on_entries = on_entries
        self._on_problem = on_problem or (lambda line: logger.warning("%s", line))
        self._read = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        #: Why the loop stopped on its own (an unexpected error), if it did.
        self.failure: BaseException | None = None
        self.ended = threading.Event()

    @property
    def url(self) -> str:
        """The endpoint URL (``http://127.0.0.1:PORT``)."""
        return str(self.stack.endpoint_url)

    def __enter__(self) -> LiveStack:
        self.stack.__enter__()
        self._thread = threading.Thread(target=self._loop, name="mlopsctl-local-up", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """End the loop, stop the running executions, close the server (the port is free again)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.stack.close()

    def _loop(self) -> None:
        clock = self.stack.clock
        real_start, virtual_start = time.monotonic(), clock.now()
        try:
            while not self._stopping.wait(self.options.tick_seconds):
                elapsed = (time.monotonic() - real_start) * self.options.speed
                self.step(virtual_start + timedelta(seconds=elapsed))
        except BaseException as exc:
            self.failure = exc
            logger.exception("the local stack's loop stopped")
        finally:
            self.ended.set()

    def step(self, until: Any) -> None:
        """Run the work due up to ``until`` (a virtual instant), holding the gate; report the new log entries."""
        with self.gate.step():
            if self._stopping.is_set():
                return
            try:
                self.stack.run_until(until)
            except LocalStackError as exc:  # a bound of one run (NotQuiescentError): said, and time goes on
                self._on_problem(str(exc))
        entries = self.stack.log.entries_since(self._read)
        self._read += len(entries)
        if entries and self._on_entries is not None:
            self._on_entries(entries)
