"""Value normalisers shared by the event models: status spellings, versions, JSON-in-a-string.

Status spellings differ between an event and the API that describes the same resource (``IN_SERVICE`` in an
``Endpoint State Change`` event, ``InService`` from ``DescribeEndpoint``). Every status field is brought to **one
canonical spelling** so that code compares against one constant:

- SageMaker statuses use the API's PascalCase (``InService``, ``Updating``, ``PendingManualApproval``, ``Completed``);
- CloudWatch alarm states use the API's upper case (``ALARM``, ``OK``, ``INSUFFICIENT_DATA``).

A documented value is recognised whatever its case, underscores, hyphens or spaces (``in_service``, ``In Service``).
A value **outside AWS's documented set** is refused (``ValueError``, so the event is invalid, with the field and
the allowed values): no handler acts on a status it cannot know the meaning of. The sets are the enumerations of the
API references (the same enums botocore's service models carry; a unit test compares them): SageMaker
``ModelApprovalStatus``, ``ModelPackageStatus``, ``EndpointStatus``, ``VariantStatus``, ``PipelineExecutionStatus``
(with ``CompletedWithFailures``), ``LabelingJobStatus``; CloudWatch ``StateValue``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from pydantic import BeforeValidator

from mlops_core.events.arns import shown

_SEPARATORS = re.compile(r"[\s_\-]+")


def squash(text: str) -> str:
    """Case-, space-, hyphen- and underscore-insensitive comparison key (``"SageMakerEndpointStateChange"``)."""
    return _SEPARATORS.sub("", text).casefold()


def _status_reader(field: str, known: Iterable[str]) -> Callable[[object], object]:
    table = {squash(value): value for value in known}
    allowed = ", ".join(table.values())

    def read(value: object) -> object:
        if not isinstance(value, str):
            return value  # pydantic reports the wrong type with the field's location
        text = value.strip()
        if not text:
            raise ValueError("status is empty")
        canonical = table.get(squash(text)) if len(text) <= _LONGEST_STATUS else None
        if canonical is None:
            raise ValueError(f"{field} {shown(text)} is not one of AWS's documented values ({allowed})")
        return canonical

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
PIPELINE_EXECUTION_STATUSES = ("Executing", "Stopping", "Stopped", "Failed", "Succeeded", "CompletedWithFailures")
APPROVAL_STATUSES = ("Approved", "Rejected", "PendingManualApproval")
MODEL_PACKAGE_STATUSES = ("Pending", "InProgress", "Completed", "Failed", "Deleting")
ALARM_STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")

_LONGEST_STATUS = 64

EndpointStatus = Annotated[str, BeforeValidator(_status_reader("EndpointStatus", ENDPOINT_STATUSES))]
VariantStatusValue = Annotated[str, BeforeValidator(_status_reader("VariantStatus", VARIANT_STATUSES))]
LabelingJobStatus = Annotated[str, BeforeValidator(_status_reader("LabelingJobStatus", LABELING_JOB_STATUSES))]
PipelineExecutionStatus = Annotated[
    str, BeforeValidator(_status_reader("PipelineExecutionStatus", PIPELINE_EXECUTION_STATUSES))
]
ApprovalStatus = Annotated[str, BeforeValidator(_status_reader("ModelApprovalStatus", APPROVAL_STATUSES))]
ModelPackageStatus = Annotated[str, BeforeValidator(_status_reader("ModelPackageStatus", MODEL_PACKAGE_STATUSES))]
AlarmState = Annotated[str, BeforeValidator(_status_reader("alarm state", ALARM_STATES))]

read_endpoint_status = _status_reader("EndpointStatus", ENDPOINT_STATUSES)
read_variant_status = _status_reader("VariantStatus", VARIANT_STATUSES)


def read_int(value: object) -> object:
    """An integer from an int or an all-digit string (``2``, ``"2"``); booleans and other text are errors.

    Text of more than 19 digits (beyond a 64-bit integer, more than any AWS field here holds) is refused unread.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got the boolean {value!r}")
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdecimal()) or len(text) > _LONGEST_INT:
            raise ValueError(f"expected an integer, got {shown(value)}")
        return int(text)
    return value


_LONGEST_INT = 19

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
