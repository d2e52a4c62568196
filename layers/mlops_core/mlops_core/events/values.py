"""Value readers shared by the event models: status spellings, versions, JSON-in-a-string.

Every status field is read in **exactly the spellings AWS sends** and stored in one canonical spelling, so that code
compares against one constant:

- SageMaker statuses use the API's PascalCase (``InService``, ``PendingManualApproval``, ``Completed``), which is also
  what SageMaker's events carry, except ``EndpointStatus``: ``Endpoint State Change`` and ``Endpoint Deployment State
  Change`` events spell it in upper snake case (``IN_SERVICE``, ``UPDATING``: the samples of the SageMaker Developer
  Guide, "Automating SageMaker AI with Amazon EventBridge",
  https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html), so that field accepts
  both the event's and the API's spelling and stores the API's;
- CloudWatch alarm states use the API's upper case (``ALARM``, ``OK``, ``INSUFFICIENT_DATA``).

Nothing else is guessed: another case, spaces or hyphens are refused like any value **outside AWS's documented set**
(``ValueError``, so the event is invalid, with the field and the allowed values): no handler acts on a status it
cannot know the meaning of. The sets are the enumerations of the API references (the same enums botocore's service
models carry; a unit test compares them): SageMaker ``ModelApprovalStatus``, ``ModelPackageStatus``,
``EndpointStatus``, ``VariantStatus``, ``PipelineExecutionStatus`` (with ``CompletedWithFailures``),
``LabelingJobStatus``; CloudWatch ``StateValue``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from pydantic import BeforeValidator

from mlops_core.events.arns import shown


def upper_snake(api_status: str) -> str:
    """The event spelling of an endpoint status: ``InService`` -> ``IN_SERVICE``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", api_status).upper()


def _status_reader(
    field: str, known: Iterable[str], spell: Callable[[str], str] | None = None
) -> Callable[[object], object]:
    """A reader of ``field``: a value of ``known`` as it is, or (with ``spell``) in its event spelling."""
    table = {value: value for value in known}
    allowed = ", ".join(table)
    if spell is not None:
        table |= {spell(value): value for value in known}

    def read(value: object) -> object:
        if not isinstance(value, str):
            return value  # pydantic reports the wrong type with the field's location
        if not value:
            raise ValueError("status is empty")
        canonical = table.get(value)
        if canonical is None:
            raise ValueError(f"{field} {shown(value)} is not one of AWS's documented values ({allowed})")
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

read_endpoint_status = _status_reader("EndpointStatus", ENDPOINT_STATUSES, upper_snake)
read_variant_status = _status_reader("VariantStatus", VARIANT_STATUSES)

EndpointStatus = Annotated[str, BeforeValidator(read_endpoint_status)]
VariantStatusValue = Annotated[str, BeforeValidator(read_variant_status)]
LabelingJobStatus = Annotated[str, BeforeValidator(_status_reader("LabelingJobStatus", LABELING_JOB_STATUSES))]
PipelineExecutionStatus = Annotated[
    str, BeforeValidator(_status_reader("PipelineExecutionStatus", PIPELINE_EXECUTION_STATUSES))
]
ApprovalStatus = Annotated[str, BeforeValidator(_status_reader("ModelApprovalStatus", APPROVAL_STATUSES))]
ModelPackageStatus = Annotated[str, BeforeValidator(_status_reader("ModelPackageStatus", MODEL_PACKAGE_STATUSES))]
AlarmState = Annotated[str, BeforeValidator(_status_reader("alarm state", ALARM_STATES))]


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

    Returns ``None`` when the ARN has no such resource. Names are not validated here, only located.
    """
    marker = f":{resource_type}/"
    _, found, rest = arn.partition(marker)
    if not found:
        return None
    name = rest.split("/", 1)[0]
    return name or None
