"""Patches that make moto's Step Functions interpreter wait in a :class:`~.sfn_time.ParkingLot` (virtual time).

Patched (only while installed): ``WaitFunction._wait_interval`` and ``Timestamp._get_wait_seconds`` (Wait states),
``retrier_decl.time`` (Retry intervals), ``ExecutionState._eval_state`` / ``_evaluate_with_timeout`` and
``execute_state``'s ``threading.Event`` / ``Thread`` (task timeouts, task worker tracking),
``CallbackEndpoint.wait`` / ``notify`` / ``interrupt_all`` and ``HeartbeatEndpoint.clear_and_wait`` / ``notify``
(``.waitForTaskToken`` and heartbeats). Checked against moto 5.2.5 (pinned).
"""

from __future__ import annotations

import threading
import types
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC
from typing import Any
from unittest import mock

from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEventException
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec import execute_state
from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task import StateTask
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import timestamp, wait_function
from moto.stepfunctions.parser.asl.eval.callback import callback

from mlopsctl.local.runtime.clock import VirtualClock
from mlopsctl.local.runtime.sfn_time import ParkingLot, VirtualTimedEvent, execution_of, thread_state

Patch = tuple[Any, str, Any]


def install(lot: ParkingLot, clock: VirtualClock) -> ExitStack:
    """Patch moto's interpreter to wait in ``lot``; closing the returned stack undoes it."""
    patches = ExitStack()
    for target, attribute, value in [*_execution_patches(lot), *_wait_patches(lot, clock), *_callback_patches(lot)]:
        patches.enter_context(mock.patch.object(target, attribute, value))
    return patches


def _execution_patches(lot: ParkingLot) -> list[Patch]:
    """Know which execution a thread works for, whether it runs a task, and the task's timeout in virtual time."""
    original_eval_state = execute_state.ExecutionState._eval_state
    original_with_timeout = execute_state.ExecutionState._evaluate_with_timeout

    def eval_state(self: Any, env: Any) -> None:
        thread_state.execution_arn = execution_of(env)
        original_eval_state(self, env)

    def evaluate_with_timeout(self: Any, env: Any) -> None:
        previous = getattr(thread_state, "is_task", False)
        thread_state.is_task = isinstance(self, StateTask)
        try:
            original_with_timeout(self, env)
        finally:
            thread_state.is_task = previous

    def make_event() -> VirtualTimedEvent:
        event = VirtualTimedEvent(lot)
        thread_state.parent_event = event
        return event

    class TrackedThread(threading.Thread):
        """A task's worker thread: counted as running from ``start()`` until its target returns."""

        def __init__(self, target: Callable[[], None], daemon: bool | None = None) -> None:
            self._arn = getattr(thread_state, "execution_arn", "")
            self._is_task = getattr(thread_state, "is_task", False)
            parent = getattr(thread_state, "parent_event", None)

            def run_tracked() -> None:
                thread_state.execution_arn, thread_state.is_task = self._arn, self._is_task
                thread_state.parent_event = parent
                try:
                    target()
                finally:
                    if self._is_task:
                        lot.worker_finished(self._arn)

            super().__init__(target=run_tracked, daemon=daemon)

        def start(self) -> None:
            if self._is_task:
                lot.worker_started(self._arn)
            super().start()

    return [
        (execute_state.ExecutionState, "_eval_state", eval_state),
        (execute_state.ExecutionState, "_evaluate_with_timeout", evaluate_with_timeout),
        (execute_state, "threading", types.SimpleNamespace(Event=make_event)),
        (execute_state, "Thread", TrackedThread),
    ]


def _wait_patches(lot: ParkingLot, clock: VirtualClock) -> list[Patch]:
    """Wait states and Retry intervals in virtual time."""

    def wait_interval(_self: Any, env: Any, wait_seconds: int) -> None:
        lot.sleep(wait_seconds, execution_arn=execution_of(env), interrupted=lambda: not env.is_running())

    def timestamp_seconds(self: Any, env: Any) -> int:
        self.string.eval(env=env)
        text = env.stack.pop()
        instant = self._from_timestamp_string(timestamp=text)
        if instant is None:
            raise FailureEventException(self._create_failure_event(env, text))
        return int((instant.replace(tzinfo=UTC) - clock.now()).total_seconds())

    return [
        (retrier_decl, "time", types.SimpleNamespace(sleep=lot.sleep)),
        (wait_function.WaitFunction, "_wait_interval", wait_interval),
        (timestamp.Timestamp, "_get_wait_seconds", timestamp_seconds),
    ]


def _callback_patches(lot: ParkingLot) -> list[Patch]:
    """Task tokens and heartbeats: parked while waiting, released the moment they arrive."""
    original_notify: Callable[[Any, Any], None] = callback.CallbackEndpoint.notify
    original_interrupt: Callable[[Any], None] = callback.CallbackEndpoint.interrupt_all
    original_heartbeat_notify: Callable[[Any], None] = callback.HeartbeatEndpoint.notify

    def callback_wait(self: Any, timeout: float | None = None) -> Any:  # noqa: ARG001 - the parent times out
        lot.block(self._notify_event, None, releases_worker=True)
        return self._outcome

    def callback_notify(self: Any, outcome: Any) -> None:
        original_notify(self, outcome)
        lot.release(self._notify_event)

    def callback_interrupt(self: Any) -> None:
        original_interrupt(self)
        lot.release(self._notify_event)

    def heartbeat_wait(self: Any) -> bool:
        with self._mutex:
            if self._next_heartbeat_event.is_set():
                self._next_heartbeat_event.clear()
                return True
        return lot.block(self._next_heartbeat_event, self._heartbeat_seconds, releases_worker=True)

    def heartbeat_notify(self: Any) -> None:
        original_heartbeat_notify(self)
        lot.release(self._next_heartbeat_event)

    return [
        (callback.CallbackEndpoint, "wait", callback_wait),
        (callback.CallbackEndpoint, "notify", callback_notify),
        (callback.CallbackEndpoint, "interrupt_all", callback_interrupt),
        (callback.HeartbeatEndpoint, "clear_and_wait", heartbeat_wait),
        (callback.HeartbeatEndpoint, "notify", heartbeat_notify),
    ]
