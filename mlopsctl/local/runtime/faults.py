"""Injected AWS faults: a share of the system's own calls to some services fail as AWS fails them.

``--faults SERVICES:RATE[:ERROR]`` (``mlopsctl local replay``) or ``LocalStack(faults=[...], seed=N)``: SERVICES are
boto3 service names separated by commas, RATE a share from 0 to 1, ERROR an AWS error code (default
``ThrottlingException``); a rule may be given several times. Each *attempt* of a call the system makes (a handler's
or a state machine task's: what the action log records as ``aws_call``; never the stack's own clients, never the
user's actions) to a named service fails with that share: the error's documented HTTP status, in the wire shape of
the service's protocol (:mod:`.fault_wire`). botocore parses it as it parses AWS's answer, so its standard retry
mode retries exactly what it would retry against AWS (throttling codes and 5xx) and the call's final outcome is what
the handler sees; the action log gives it as the entry's ``"error"`` (and ``"attempts"`` when botocore retried).

Where: botocore's ``before-send`` event, registered *first* for every session created while a stack runs, so the
fault answers before moto's own ``before-send`` stub; that stub (which botocore calls too, as it calls every
handler) is told to leave a faulted request alone, so a faulted call has no effect in moto, as a throttled call has
none in AWS. In ``moto_server`` mode the request is not sent at all.

Reproducible: each attempt of a matching call draws from one ``random.Random(seed)``, rules in the order given (the
first rule that draws a fault wins). The draws are reproducible, the order in which concurrent threads (state
machine executions, the stack's own thread) make their calls is not, so two runs with one seed can fault different
calls when calls race.

Examples
--------
>>> rule = FaultRule.parse("sagemaker,dynamodb:0.3")
>>> sorted(rule.services), rule.rate, rule.error
(['dynamodb', 'sagemaker'], 0.3, 'ThrottlingException')
>>> FaultRule.parse("s3:1:SlowDown").error
'SlowDown'
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from functools import cache
from typing import Any

import botocore.handlers  # type: ignore[import-untyped, unused-ignore]
import botocore.session  # type: ignore[import-untyped, unused-ignore]
from botocore import xform_name  # type: ignore[import-untyped, unused-ignore]

from mlopsctl.local.errors import LocalStackError
from mlopsctl.local.moto_patches.stubber import requests_left_alone
from mlopsctl.local.runtime.actionlog import system_call
from mlopsctl.local.runtime.fault_wire import error_response, error_status

DEFAULT_ERROR = "ThrottlingException"
_FAULT_ATTRIBUTE = "_mlopsctl_local_fault"


class FaultSpecError(LocalStackError):
    """A ``--faults`` rule that cannot be applied (the message says why)."""


@cache
def _service_model(service: str) -> Any:
    session = botocore.session.get_session()
    if service not in session.get_available_services():
        raise FaultSpecError(f"unknown AWS service {service!r} (boto3 names, e.g. sagemaker, dynamodb, stepfunctions)")
    return session.get_service_model(service)


@dataclass(frozen=True)
class FaultRule:
    """Fail ``rate`` of the system's attempts to call ``services`` with ``error``."""

    services: frozenset[str]
    rate: float
    error: str = DEFAULT_ERROR

    def __post_init__(self) -> None:
        if not self.services:
            raise FaultSpecError("a fault rule names at least one service")
        if not 0 <= self.rate <= 1:
            raise FaultSpecError(f"a fault rate is a share from 0 to 1, got {self.rate}")
        for service in self.services:
            try:
                error_status(_service_model(service), self.error)
            except FaultSpecError:
                raise
            except LocalStackError as exc:
                raise FaultSpecError(str(exc)) from None

    @classmethod
    def parse(cls, spec: str) -> FaultRule:
        """``SERVICES:RATE[:ERROR]``, e.g. ``sagemaker,dynamodb:0.3`` or ``s3:0.1:SlowDown``."""
        parts = spec.split(":")
        if len(parts) not in (2, 3) or not all(parts):
            raise FaultSpecError(f"a fault rule is SERVICES:RATE[:ERROR], got {spec!r}")
        try:
            rate = float(parts[1])
        except ValueError:
            raise FaultSpecError(f"{spec!r}: the rate must be a number from 0 to 1") from None
        services = frozenset(s.strip() for s in parts[0].split(","))
        if "" in services:
            raise FaultSpecError(f"{spec!r}: an empty service name")
        return cls(services, rate, parts[2] if len(parts) == 3 else DEFAULT_ERROR)

    def __str__(self) -> str:
        return f"{','.join(sorted(self.services))}:{self.rate:g}:{self.error}"


@dataclass(frozen=True)
class Fault:
    """One injected fault: which call, which attempt, which error."""

    service: str
    operation: str
    attempt: int
    error: str


class FaultInjector:
    """Decides, per attempt of a system call, whether it fails; answers with AWS's error response when it does.

    Only one injector can be installed at a time (one local stack per process).

    Parameters
    ----------
    rules:
        The fault rules (``FaultRule`` or their ``SERVICES:RATE[:ERROR]`` text).
    seed:
        Seed of the draws (``None``: not reproducible).
    """

    _active: FaultInjector | None = None
    _registered = False
    _guard = threading.Lock()

    def __init__(self, rules: Sequence[FaultRule | str], seed: int | None = None) -> None:
        self.rules = [rule if isinstance(rule, FaultRule) else FaultRule.parse(rule) for rule in rules]
        self._random = random.Random(seed)  # noqa: S311 - reproducible draws, not cryptography
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._attempts: Counter[str] = Counter()
        self._patch: ExitStack | None = None

    # -- what tests and the stack read -----------------------------------------------------------------------------

    @property
    def injected(self) -> list[Fault]:
        """Every fault injected so far, in order."""
        with self._lock:
            return list(self._faults)

    def attempts(self, service: str | None = None) -> int:
        """Attempts of system calls seen (to ``service``, or to any service a rule names)."""
        with self._lock:
            return self._attempts[service] if service else sum(self._attempts.values())

    # -- lifecycle -------------------------------------------------------------------------------------------------

    def install(self) -> None:
        """Start injecting into every botocore session created from now on."""
        with FaultInjector._guard:
            if FaultInjector._active is not None:
                raise LocalStackError("another local stack is already injecting faults in this process")
            FaultInjector._active = self
            if not FaultInjector._registered:
                entry = ("before-send", _on_before_send, botocore.handlers.REGISTER_FIRST)
                botocore.handlers.BUILTIN_HANDLERS.append(entry)
                FaultInjector._registered = True
        self._patch = ExitStack()
        self._patch.enter_context(requests_left_alone(_faulted))

    def uninstall(self) -> None:
        """Stop injecting."""
        if self._patch is not None:
            self._patch.close()
            self._patch = None
        with FaultInjector._guard:
            if FaultInjector._active is self:
                FaultInjector._active = None

    # -- per attempt -----------------------------------------------------------------------------------------------

    def decide(self, request: Any) -> Any:
        """The error response for this attempt, or ``None``; decided once per attempt (per request object)."""
        if hasattr(request, _FAULT_ATTRIBUTE):
            return getattr(request, _FAULT_ATTRIBUTE)
        call = system_call(getattr(request, "context", None))
        response = None if call is None else self._draw(request, call.operation)
        setattr(request, _FAULT_ATTRIBUTE, response)
        return response

    def _draw(self, request: Any, operation: Any) -> Any:
        service = operation.service_model.service_name
        rules = [rule for rule in self.rules if service in rule.services]
        if not rules:
            return None
        attempt = int((request.context.get("retries") or {}).get("attempt", 1))
        with self._lock:
            self._attempts[service] += 1
            rule = next((r for r in rules if self._random.random() < r.rate), None)
            if rule is None:
                return None
            code, status = error_status(operation.service_model, rule.error)
            self._faults.append(Fault(service, xform_name(operation.name), attempt, code))
        return error_response(operation.service_model, code, status, request.url)


def _on_before_send(request: Any, **_: Any) -> Any:
    injector = FaultInjector._active
    if injector is None:
        return None
    return injector.decide(request)


def _faulted(request: Any) -> bool:
    """Whether this attempt fails before it reaches the service (moto must leave it alone)."""
    injector = FaultInjector._active
    return injector is not None and injector.decide(request) is not None
