"""The action log: what the system did on the local stack, in virtual-time order.

Four kinds of entry, one JSON object per line (``"t"`` is the virtual time in seconds since the stack started):

- ``{"kind": "aws_call", "service": "sagemaker", "operation": "create_labeling_job", "params": {...}}`` for every
  AWS API call the system made (handlers and state machine tasks); the stack's own calls and the user's actions are
  not in it;
- ``{"kind": "handler", "function": "DataArrivalFunction", "outcome": "ok" | "ignored" | "error", "reason": ...}``;
- ``{"kind": "execution", "state_machine": "DeployStateMachine", "status": "SUCCEEDED", ...}`` once per run;
- ``{"kind": "event", "source": "aws.s3", "detail_type": "Object Created"}`` for every event put on the bus.

An ``aws_call`` entry of a call that failed carries ``"error": "<AWS error code>"``: the final outcome of that API
call, after botocore's retries (a call that succeeded after retried attempts carries no error, and
``"attempts": N`` when there was more than one; a call that never got an answer carries the exception's class name).

AWS calls are captured with botocore hooks registered for every session created while the stack runs (as moto
registers its own stub): ``provide-client-params`` logs the call and keeps a :class:`SystemCall` in botocore's
request context, ``after-call`` / ``after-call-error`` (same context) record how it ended. Clients of the stack itself
carry :data:`STACK_USER_AGENT` and are left out, and so are the calls a person makes in this process
(:func:`a_person_acts`: the tests of ``mlopsctl``'s operator commands). :func:`system_call` tells other hooks
(:mod:`.faults`) whether a request is one of the system's own.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import botocore.handlers  # type: ignore[import-untyped, unused-ignore]
from botocore import xform_name  # type: ignore[import-untyped, unused-ignore]

#: ``user_agent_extra`` of the stack's own clients (setup, dispatch, user actions): their calls are not logged.
STACK_USER_AGENT = "mlopsctl-local-stack"
_CONTEXT_KEY = "mlopsctl_local_call"
_a_person: contextvars.ContextVar[bool] = contextvars.ContextVar("mlops_local_a_person", default=False)


@contextlib.contextmanager
def a_person_acts() -> Iterator[None]:
    """Calls made in this block (this thread or task) are a person's, not the system's: not logged, not authorized.

    A person's calls from another process (the AWS CLI against ``mlopsctl local up``) never pass this process's hooks;
    this makes an operator command run in the test process the same: the account's administrator acting, as the
    user's actions of a replay are.
    """
    token = _a_person.set(True)
    try:
        yield
    finally:
        _a_person.reset(token)


def a_person_is_acting() -> bool:
    """Whether a call made here and now is a person's (inside :func:`a_person_acts`, in this thread or task)."""
    return _a_person.get()


def not_the_systems(context: Mapping[str, Any]) -> bool:
    """Whether a botocore request (its context) is the stack's own or a person's, not a call the system makes."""
    config = context.get("client_config")
    return _a_person.get() or STACK_USER_AGENT in (getattr(config, "user_agent_extra", None) or "")


def jsonable(value: Any) -> Any:  # noqa: PLR0911 - one return per kind of value
    """A JSON-safe copy of API parameters (bytes and streams become short placeholders)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return "base64:" + base64.b64encode(bytes(value)).decode()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "read"):
        return "<stream>"
    return str(value)


class ActionLog:
    """A thread-safe, append-only list of entries stamped with virtual time.

    Parameters
    ----------
    elapsed:
        Returns the virtual time passed since the stack started, in seconds.
    """

    def __init__(self, elapsed: Callable[[], float]) -> None:
        self._elapsed = elapsed
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []
        self._marks: list[tuple[int, str]] = []

    def _add(self, entry: dict[str, Any]) -> None:
        entry["t"] = round(self._elapsed(), 3)
        with self._lock:
            self._entries.append(entry)

    def aws_call(self, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Record an AWS API call the system made; the entry returned is completed by :meth:`call_ended`."""
        entry = {"kind": "aws_call", "service": service, "operation": operation, "params": jsonable(params)}
        self._add(entry)
        return entry

    def call_ended(self, entry: dict[str, Any], *, error: str | None, attempts: int) -> None:
        """Complete a call's entry with its final outcome (the AWS error code of a failed call) and its attempts."""
        with self._lock:
            if error:
                entry["error"] = error
            if attempts > 1:
                entry["attempts"] = attempts

    def handler(self, function: str, outcome: str, reason: str | None) -> None:
        """Record a handler run and how it ended."""
        self._add({"kind": "handler", "function": function, "outcome": outcome, "reason": reason})

    def execution(self, state_machine: str, status: str, **details: Any) -> None:
        """Record a state machine run that ended (or is still running when the log is read)."""
        self._add({"kind": "execution", "state_machine": state_machine, "status": status, **jsonable(details)})

    def event(self, source: str, detail_type: str, **details: Any) -> None:
        """Record an event put on the bus."""
        self._add({"kind": "event", "source": source, "detail_type": detail_type, **jsonable(details)})

    def mark(self, text: str) -> None:
        """A heading for the pretty timeline (not an entry: JSON output leaves it out)."""
        with self._lock:
            self._marks.append((len(self._entries), text))

    def entries(self, kind: str | None = None) -> list[dict[str, Any]]:
        """A copy of the entries so far, optionally only those of one kind."""
        with self._lock:
            return [dict(e) for e in self._entries if kind is None or e["kind"] == kind]

    def entries_since(self, start: int) -> list[dict[str, Any]]:
        """A copy of the entries from position ``start`` on (a reader that follows the log keeps its position)."""
        with self._lock:
            return [dict(e) for e in self._entries[start:]]

    def json_lines(self) -> str:
        """The log as JSON lines."""
        return "".join(json.dumps(e, sort_keys=False) + "\n" for e in self.entries())

    def pretty(self) -> str:
        """The log as a readable timeline with virtual time offsets."""
        with self._lock:
            entries, marks = list(self._entries), list(self._marks)
        lines: list[str] = []
        for index, entry in enumerate([*entries, None]):
            lines.extend(f"── {text}" for at, text in marks if at == index)
            if entry is not None:
                lines.append(timeline_line(entry))
        return "\n".join(lines) + "\n"


def timeline_line(entry: Mapping[str, Any]) -> str:
    """One entry as a line of the readable timeline (``+00:05:00  handler   DataArrivalFunction → ok``)."""
    return f"{_offset(entry['t'])}  {_describe(entry)}"


def _offset(seconds: float) -> str:
    whole = int(seconds)
    return f"+{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _describe(entry: Mapping[str, Any]) -> str:
    kind = entry["kind"]
    if kind == "aws_call":
        failed = f"  → {entry['error']}" if entry.get("error") else ""
        tries = f"  ({entry['attempts']} attempts)" if entry.get("attempts") else ""
        call = f"call      {entry['service']}.{entry['operation']}  {_summary(entry['params'])}".rstrip()
        return call + failed + tries
    if kind == "handler":
        reason = f"  ({entry['reason']})" if entry.get("reason") else ""
        return f"handler   {entry['function']} → {entry['outcome']}{reason}"
    if kind == "execution":
        extra = f"  {entry['error']}: {entry.get('cause') or ''}" if entry.get("error") else ""
        return f"execution {entry['state_machine']} → {entry['status']}{extra}".rstrip()
    return f"event     {entry['source']}  {entry['detail_type']}"


def _summary(params: dict[str, Any], width: int = 100) -> str:
    parts = [f"{k}={v}" for k, v in params.items() if isinstance(v, str | int | float | bool)]
    text = " ".join(parts)
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass(frozen=True)
class SystemCall:
    """A call of the system's own, as the recorder saw it; kept in botocore's request context while it runs."""

    entry: dict[str, Any]
    operation: Any  # botocore's OperationModel


def system_call(context: Mapping[str, Any] | None) -> SystemCall | None:
    """The system call a botocore request context belongs to; ``None`` for the stack's and the user's calls."""
    found = (context or {}).get(_CONTEXT_KEY)
    return found if isinstance(found, SystemCall) else None


class AwsCallRecorder:
    """Logs every AWS API call made through botocore while installed, except the stack's own.

    Only one recorder can be installed at a time (one local stack per process).
    """

    _active: AwsCallRecorder | None = None
    _registered = False
    _guard = threading.Lock()

    def __init__(self, log: ActionLog) -> None:
        self._log = log

    def install(self) -> None:
        """Start logging calls of every botocore session created from now on."""
        with AwsCallRecorder._guard:
            if AwsCallRecorder._active is not None:
                raise RuntimeError("another local stack is already recording AWS calls in this process")
            AwsCallRecorder._active = self
            if not AwsCallRecorder._registered:
                botocore.handlers.BUILTIN_HANDLERS.extend(
                    [
                        ("provide-client-params", _on_client_params),
                        ("after-call", _on_after_call),
                        ("after-call-error", _on_after_call_error),
                    ]
                )
                AwsCallRecorder._registered = True

    def uninstall(self) -> None:
        """Stop logging."""
        with AwsCallRecorder._guard:
            if AwsCallRecorder._active is self:
                AwsCallRecorder._active = None

    def record(self, params: dict[str, Any], model: Any, context: dict[str, Any]) -> None:
        """Log one call unless it comes from a client of the stack."""
        if not_the_systems(context):
            return
        entry = self._log.aws_call(model.service_model.service_name, xform_name(model.name), params)
        context[_CONTEXT_KEY] = SystemCall(entry, model)

    def ended(self, context: dict[str, Any], error: str | None) -> None:
        """Record how a logged call ended."""
        call = system_call(context)
        if call is not None:
            attempts = int((context.get("retries") or {}).get("attempt", 1))
            self._log.call_ended(call.entry, error=error, attempts=attempts)


def _on_client_params(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    recorder = AwsCallRecorder._active
    if recorder is not None:
        recorder.record(params, model, context)


def _on_after_call(http_response: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    recorder = AwsCallRecorder._active
    if recorder is None:
        return
    error = None
    if http_response.status_code >= 300:
        code = context.get("error_code_override") or (parsed.get("Error") or {}).get("Code")
        error = str(code or http_response.status_code)
    recorder.ended(context, error)


def _on_after_call_error(exception: BaseException, context: dict[str, Any], **_: Any) -> None:
    recorder = AwsCallRecorder._active
    if recorder is not None:
        response = getattr(exception, "response", None)
        code = (response.get("Error") or {}).get("Code") if isinstance(response, dict) else None
        recorder.ended(context, str(code or type(exception).__name__))
