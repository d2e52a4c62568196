"""One at a time: the live loop's steps and a person's requests (:class:`PersonGate`).

``mlopsctl local up`` serves moto on threads (one per request) while its loop runs the system's work on another. A
person's request (the AWS CLI, boto3, ``mlopsctl`` from another process, or a call inside
:func:`~mlopsctl.local.runtime.actionlog.a_person_acts` in this one) changes what a step reads — an object lands in
the data bucket, a model package is approved, an alarm changes state — so it waits for the step in progress to end, and
the next step waits for it: each sees the other's effects whole, as a person acting between two instants would.

The system's own calls are not a person's: a step runs handlers, state machine executions call their tasks, the
stack dispatches events, and all of them call moto over HTTP *while the step holds the gate*; they must pass, or the
step would wait for itself. Every botocore request made in this process outside ``a_person_acts`` carries the header
:data:`SYSTEM_HEADER` (a botocore handler registered for every session, as the action log registers its own), and
the gate lets those through. The header says nothing about permissions: IAM is enforced in this process, before a
request is sent (:mod:`mlopsctl.local.iam`), and a request from another process is the account administrator's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import botocore.handlers  # type: ignore[import-untyped, unused-ignore]

from mlopsctl.local.runtime.actionlog import a_person_is_acting

#: Marks a request as the system's own (made in this process, not by a person).
SYSTEM_HEADER = "X-Mlopsctl-Local-Caller"
_SYSTEM = "system"
_ENVIRON_KEY = "HTTP_" + SYSTEM_HEADER.upper().replace("-", "_")

#: A WSGI application (PEP 3333).
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_registered = False
_registration = threading.Lock()


def _mark(request: Any, **_: Any) -> None:
    """``before-sign``: a request of this process that is not a person's carries :data:`SYSTEM_HEADER`."""
    if SYSTEM_HEADER in request.headers:
        del request.headers[SYSTEM_HEADER]  # botocore's headers append on assignment; a retry signs again
    if not a_person_is_acting():
        request.headers[SYSTEM_HEADER] = _SYSTEM


def mark_system_requests() -> None:
    """Mark the requests of every botocore session created from now on (once per process)."""
    global _registered  # noqa: PLW0603 - one registration per process, like the action log's
    with _registration:
        if not _registered:
            botocore.handlers.BUILTIN_HANDLERS.append(("before-sign", _mark))
            _registered = True


class PersonGate:
    """The lock between the loop's steps and a person's requests; :meth:`wrap` applies it to the served app."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @contextmanager
    def step(self) -> Iterator[None]:
        """Hold the gate for one step of the loop."""
        with self._lock:
            yield

    def wrap(self, app: WsgiApp) -> WsgiApp:
        """``app`` with every request that is not the system's served while holding the gate."""

        def gated(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            if environ.get(_ENVIRON_KEY) == _SYSTEM:
                return app(environ, start_response)
            with self._lock:
                result = app(environ, start_response)
                try:
                    return [b"".join(result)]  # the whole response, produced while the gate is held
                finally:
                    close = getattr(result, "close", None)
                    if callable(close):
                        close()

        return gated
