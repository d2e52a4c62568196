"""Run the template's Lambda functions in process, as Lambda would: cold start once, environment, context.

A function's module (``<CodeUri>/app.py`` for ``Handler: app.lambda_handler``) is imported by file path under a
unique module name (no ``sys.path`` changes), with the function's environment applied, the first time it is
invoked on a stack: that is its cold start, so module-scope clients are created against the local stack. Every
invocation runs with ``os.environ`` set to the function's environment (the template's ``Environment.Variables`` over
the process environment) and a Lambda-like context object. Invocations are serialised (one at a time, like one
execution environment per function), because the environment is process-wide.

Outcomes (the handler convention): a handler that raises ends ``error`` (the reason is the exception); a handler
that returns a dict with ``"outcome": "ignored"`` (and a ``"reason"``) ends ``ignored``; a batch handler that
reports ``batchItemFailures`` ends ``error`` with the count; anything else is ``ok``.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import sys
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from mlopsctl.local.errors import LocalStackError
from mlopsctl.local.runtime.actionlog import ActionLog
from mlopsctl.local.runtime.provision import FunctionSpec, StackResources

logger = logging.getLogger(__name__)

_INVOKE_LOCK = threading.RLock()
_LOCK_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class Invocation:
    """How one handler run ended."""

    outcome: str  # ok | ignored | error
    reason: str | None
    result: Any = None
    error: BaseException | None = None


@dataclass
class LambdaContext:
    """The parts of Lambda's context object handlers use (Powertools reads these)."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    identity: Any = None
    client_context: Any = None

    def get_remaining_time_in_millis(self) -> int:
        """Virtual: the whole timeout is always left."""
        return self.timeout_seconds * 1000


def classify(result: Any, batch_size: int | None = None) -> tuple[str, str | None]:
    """The outcome of a handler that returned ``result`` (see the module docstring)."""
    if isinstance(result, dict):
        if result.get("outcome") == "ignored":
            return "ignored", str(result.get("reason") or "") or None
        failures = result.get("batchItemFailures")
        if failures:
            total = f" of {batch_size}" if batch_size is not None else ""
            return "error", f"{len(failures)}{total} batch items failed"
    return "ok", None


class FunctionRunner:
    """Imports and invokes the stack's functions.

    Parameters
    ----------
    resources:
        The provisioned stack (its functions).
    log:
        Where handler runs are recorded.
    base_environment:
        Variables every function sees besides its own (region, fake credentials, ``AWS_ENDPOINT_URL`` in server mode).
    namespace:
        Makes module names unique to this stack, so each stack has its own cold starts.
    """

    def __init__(
        self, resources: StackResources, log: ActionLog, base_environment: Mapping[str, str], namespace: str
    ) -> None:
        self._resources = resources
        self._log = log
        self._base = dict(base_environment)
        self._namespace = namespace
        self._modules: dict[str, ModuleType] = {}
        #: the context a handler runs in as its execution role (the stack's IAM enforcer sets it)
        self.acting_as: Callable[[FunctionSpec], AbstractContextManager[None]] = lambda _spec: nullcontext()

    def invoke(self, logical_id: str, event: Any, *, batch_size: int | None = None) -> Invocation:
        """Run function ``logical_id`` on ``event``; the run is recorded in the action log."""
        spec = self._resources.functions.get(logical_id)
        if spec is None:
            raise LocalStackError(f"no function {logical_id} in the template")
        if not _INVOKE_LOCK.acquire(timeout=_LOCK_TIMEOUT_SECONDS):
            raise LocalStackError(f"{logical_id}: another handler did not finish within {_LOCK_TIMEOUT_SECONDS}s")
        try:
            invocation = self._run(spec, event, batch_size)
        finally:
            _INVOKE_LOCK.release()
        self._log.handler(logical_id, invocation.outcome, invocation.reason)
        return invocation

    def invoke_by_name(self, name_or_arn: str, event: Any) -> Invocation | None:
        """Run the function with this name or ARN; ``None`` when there is no such function."""
        spec = self._resources.function_by_arn_or_name(name_or_arn)
        return None if spec is None else self.invoke(spec.logical_id, event)

    def close(self) -> None:
        """Forget the imported modules (the next stack cold-starts afresh)."""
        for module in self._modules.values():
            sys.modules.pop(module.__name__, None)
        self._modules.clear()

    def _run(self, spec: FunctionSpec, event: Any, batch_size: int | None) -> Invocation:
        with self._environment(spec), self.acting_as(spec):
            try:
                handler = self._handler(spec)
                result = handler(event, self._context(spec))
            except Exception as exc:  # a handler's failure is an outcome, not a crash of the stack
                logger.warning("%s raised %s: %s", spec.logical_id, type(exc).__name__, exc, exc_info=True)
                return Invocation("error", f"{type(exc).__name__}: {exc}", None, exc)
        outcome, reason = classify(result, batch_size)
        return Invocation(outcome, reason, result)

    def _handler(self, spec: FunctionSpec) -> Callable[[Any, Any], Any]:
        module_part, _, attribute = spec.handler.rpartition(".")
        if spec.logical_id not in self._modules:
            if not spec.code_dir:
                raise LocalStackError(f"{spec.logical_id} has no local code (CodeUri) to run")
            path = Path(spec.code_dir, *module_part.split(".")).with_suffix(".py")
            if not path.is_file():
                raise LocalStackError(f"{spec.logical_id}: handler module {path} does not exist")
            name = f"_mlops_local_{self._namespace}_{spec.logical_id}"
            module_spec = importlib.util.spec_from_file_location(name, path)
            if module_spec is None or module_spec.loader is None:
                raise LocalStackError(f"{spec.logical_id}: cannot import {path}")
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module
            try:
                module_spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(name, None)
                raise
            self._modules[spec.logical_id] = module
        handler = getattr(self._modules[spec.logical_id], attribute, None)
        if not callable(handler):
            raise LocalStackError(f"{spec.logical_id}: {spec.handler} is not a function")
        return handler  # type: ignore[no-any-return]

    def _context(self, spec: FunctionSpec) -> LambdaContext:
        return LambdaContext(
            function_name=spec.name,
            invoked_function_arn=spec.arn,
            memory_limit_in_mb=spec.memory,
            timeout_seconds=spec.timeout,
            aws_request_id=str(uuid.uuid4()),
            log_group_name=f"/aws/lambda/{spec.name}",
        )

    @contextmanager
    def _environment(self, spec: FunctionSpec) -> Iterator[None]:
        saved = dict(os.environ)
        os.environ.update(self._base)
        os.environ.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
                "_HANDLER": spec.handler,
                **spec.environment,
            }
        )
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)


def lambda_response(invocation: Invocation | None, response_headers: dict[str, str]) -> bytes | None:
    """What Lambda's Invoke API returns for an invocation (an ``Unhandled`` error payload when it raised)."""
    if invocation is None:
        return None
    if invocation.error is not None:
        response_headers["x-amz-function-error"] = "Unhandled"
        payload = {"errorType": type(invocation.error).__name__, "errorMessage": str(invocation.error)}
        return json.dumps(payload).encode()
    return json.dumps(invocation.result).encode()
