"""Request validation on moto's side: what AWS refuses before it acts, for the services named here.

moto dispatches every request, whatever its origin (boto3 in process, ``moto_server``, Step Functions' SDK tasks), to
``<Service>Response.call_action``. :func:`validated` wraps that method: the request's members are checked against the
operation's input shape in botocore's service model (:mod:`.constraints`) and, when one breaks a constraint, the call
fails as AWS fails it (``ValidationException``, HTTP 400, Coral's message) before moto looks at it. Checked before the
resource is looked up, as AWS does (a too-long execution name on a missing state machine is a
``ValidationException``, not ``StateMachineDoesNotExist``).

Only JSON-protocol services are validated here (their body is the request, in the model's member names).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from botocore.model import OperationNotFoundError  # type: ignore[import-untyped, unused-ignore]
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.core.utils import get_service_model

from mlopsctl.local.moto_patches.limits.constraints import validation_message, violations

#: ``call_action`` of a response class.
CallAction = Callable[[Any], Any]


class ValidationException(ServiceException):
    """AWS's request validation error (Coral's ``ValidationException``)."""

    code = "ValidationException"


@functools.cache
def _input_shape(service: str, operation: str) -> Any:
    try:
        return get_service_model(service).operation_model(operation).input_shape
    except OperationNotFoundError:
        return None


def request_violations(service: str, operation: str, body: Any) -> list[str]:
    """The constraints a JSON request ``body`` breaks (empty when none does, or the operation is unknown)."""
    shape = _input_shape(service, operation)
    if shape is None or not body:
        return []
    try:
        request = json.loads(body) if isinstance(body, str | bytes) else body
    except ValueError:
        return []  # malformed JSON: moto (and AWS) answer that themselves
    return violations(shape, request) if isinstance(request, dict) else []


def _refusal(response: Any, message: str) -> Any:
    """The error response ``call_action`` would return for a :class:`ValidationException` raised by an action."""
    status, headers, body = response.serialized(ActionResult(ValidationException(message)))
    headers["status"] = status
    status, headers, body = response._transform_response(response.response_headers, (body, headers))
    headers, body = response._enrich_response(headers, body)
    return status, headers, body


def validated(original: CallAction) -> CallAction:
    """``call_action`` that refuses a request breaking its model's constraints, as AWS does."""

    @functools.wraps(original)
    def call_action(response: Any) -> Any:
        found = request_violations(response.boto3_service_name, response._get_action(), response.body)
        if found:
            return _refusal(response, validation_message(found))
        return original(response)

    return call_action
