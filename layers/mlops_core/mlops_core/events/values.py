"""Value normalisers shared by the event models: status spellings, versions, ARNs, JSON-in-a-string.

Status spellings differ between an event and the API that describes the same resource (``IN_SERVICE`` in an
``Endpoint State Change`` event, ``InService`` from ``DescribeEndpoint``). Every status field is brought to **one
canonical spelling** so that code compares against one constant:

- SageMaker statuses use the API's PascalCase (``InService``, ``Updating``, ``PendingManualApproval``, ``Completed``);
- CloudWatch alarm states use the API's upper case (``ALARM``, ``OK``, ``INSUFFICIENT_DATA``).

A known value is recognised whatever its case, underscores, hyphens or spaces (``in_service``, ``In Service``).
An unknown value is kept (stripped) rather than rejected, so a status AWS adds later does not turn a real event into
an invalid one; an unknown ``UPPER_SNAKE`` SageMaker value is turned into PascalCase the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from pydantic import BeforeValidator

_SEPARATORS = re.compile(r"[\s_\-]+")


def squash(text: str) -> str:
    """Case-, space-, hyphen- and underscore-insensitive comparison key (``"SageMakerEndpointStateChange"``)."""
    return _SEPARATORS.sub("", text).casefold()


def _pascal(text: str) -> str:
    return "".join(part[:1].upper() + part[1:].lower() for part in _SEPARATORS.split(text) if part)


def _status_reader(known: Iterable[str], *, unknown_as_pascal: bool) -> Callable[[object], object]:
    table = {squash(value): value for value in known}

    def read(value: object) -> object:
        if not isinstance(value, str):
            return value  # pydantic reports the wrong type with the field's location
        text = value.strip()
        if not text:
            raise ValueError("status is empty")
        canonical = table.get(squash(text))
        if canonical is not None:
            return canonical
        if unknown_as_pascal and ("_" in text or text.isupper()):
            return _pascal(text)
        return text

    return read


ENDPOINT_STATUSES = (
    "OutOfService",
    "Creating",
    "Updating",
    "SystemUpdating",
    "RollingBack",
    "InService",
    "Deleting",
    "Failed",
    "UpdateRollbackFailed",
)
VARIANT_STATUSES = ("Creating", "Updating", "Deleting", "ActivatingTraffic", "Baking")
LABELING_JOB_STATUSES = ("Initializing", "InProgress", "Completed", "Failed", "Stopping", "Stopped")
PIPELINE_EXECUTION_STATUSES = ("Executing", "Stopping", "Stopped", "Failed", "Succeeded")
APPROVAL_STATUSES = ("Approved", "Rejected", "PendingManualApproval")
MODEL_PACKAGE_STATUSES = ("Pending", "InProgress", "Completed", "Failed", "Deleting")
ALARM_STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")

EndpointStatus = Annotated[str, BeforeValidator(_status_reader(ENDPOINT_STATUSES, unknown_as_pascal=True))]
VariantStatusValue = Annotated[str, BeforeValidator(_status_reader(VARIANT_STATUSES, unknown_as_pascal=True))]
LabelingJobStatus = Annotated[str, BeforeValidator(_status_reader(LABELING_JOB_STATUSES, unknown_as_pascal=True))]
PipelineExecutionStatus = Annotated[
    str, BeforeValidator(_status_reader(PIPELINE_EXECUTION_STATUSES, unknown_as_pascal=True))
]
ApprovalStatus = Annotated[str, BeforeValidator(_status_reader(APPROVAL_STATUSES, unknown_as_pascal=True))]
ModelPackageStatus = Annotated[str, BeforeValidator(_status_reader(MODEL_PACKAGE_STATUSES, unknown_as_pascal=True))]
AlarmState = Annotated[str, BeforeValidator(_status_reader(ALARM_STATES, unknown_as_pascal=False))]

read_endpoint_status = _status_reader(ENDPOINT_STATUSES, unknown_as_pascal=True)
read_variant_status = _status_reader(VARIANT_STATUSES, unknown_as_pascal=True)


def read_int(value: object) -> object:
    """An integer from an int or an all-digit string (``2``, ``"2"``); booleans and other text are errors."""
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got the boolean {value!r}")
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdecimal()):
            raise ValueError(f"expected an integer, got {value!r}")
        return int(text)
    return value


StrictishInt = Annotated[int, BeforeValidator(read_int)]
"""An integer field that also accepts its decimal string, and never a boolean."""


def read_json_text(value: object) -> object:
    """Decode a JSON-encoded string into an object (CloudWatch's ``reasonData``); other text is kept as it is."""
    if not isinstance(value, str):
        return value
    try:
        decoded: Any = json.loads(value)
    except (ValueError, RecursionError):
        return value
    return decoded if isinstance(decoded, dict) else value


def arn_resource_id(arn: str, resource_type: str) -> str | None:
    """The part of an ARN after ``<resource_type>/`` up to the next ``/`` (``labeling-job/<name>`` -> name).

    Returns ``None`` when the ARN has no such resource. Placeholders (``<account>``) are not checked: names are not
    validated here, only located.
    """
    marker = f":{resource_type}/"
    _, found, rest = arn.partition(marker)
    if not found:
        return None
    name = rest.split("/", 1)[0]
    return name or None
