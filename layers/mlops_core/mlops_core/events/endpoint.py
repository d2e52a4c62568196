"""SageMaker ``Endpoint State Change`` and ``Endpoint Deployment State Change`` events (the Deploy waits on them).

Endpoint events spell the status ``IN_SERVICE``/``UPDATING``; DescribeEndpoint says ``InService``/``Updating``. Both
models store the **API spelling** (see :mod:`mlops_core.events.values`), so code compares against one constant.

A deployment event's detail has the DescribeEndpoint shape, with no single "state" field. The model's ``state`` is
the most specific progress it carries, ``reason`` the message that goes with it:

1. the last ``VariantStatus`` of the pending deployment (``PendingDeploymentSummary.ProductionVariants``), e.g.
   ``Baking`` with "Baking for 600 seconds ...";
2. else the last ``VariantStatus`` of the current production variants (e.g. ``Updating``, "Scaling out ...");
3. else the endpoint status (``InService``, ``Failed``...) with ``FailureReason``.

``PendingDeploymentSummary.StartTime`` is not read (nothing decides on it); ``VariantStatus[].StartTime`` is.

Shapes: SageMaker Developer Guide, "Events that Amazon SageMaker AI sends to Amazon EventBridge", sections "SageMaker
endpoint state change" and "SageMaker endpoint deployment state change"
(https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html): the endpoint ARN in
``detail.EndpointArn`` and ``resources[0]``, ``EndpointStatus`` in upper snake case, times as epoch milliseconds.

What is refused (``InvalidEventError``), from the SageMaker API Reference (``DescribeEndpoint``): an endpoint ARN that
is not ``arn:<partition>:sagemaker:<region>:<account>:endpoint/<name>`` or outside 20-2,048 characters; endpoint,
endpoint config and variant names outside SageMaker's name pattern (1-63 characters); an ARN naming another endpoint
than ``EndpointName`` (compared ignoring case: SageMaker lower-cases names in its ARNs); an endpoint or variant status
outside the API's enumerations; a failure reason or status message over 1,024 characters.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, AliasChoices, AliasPath, Field, field_validator, model_validator

from mlops_core.events.arns import check_name, endpoint_arn
from mlops_core.events.envelope import EventEnvelope, EventModel, detail_of
from mlops_core.events.timestamps import UtcDateTime
from mlops_core.events.values import EndpointStatus, VariantStatusValue, read_endpoint_status, read_variant_status

MAX_MESSAGE = 1024
"""``FailureReason`` and ``VariantStatus[].StatusMessage``: at most 1,024 characters."""


def _name(value: object) -> object:
    return check_name(value, "name") if isinstance(value, str) else value


Name = Annotated[str, AfterValidator(_name)]
"""An endpoint, endpoint config or variant name (SageMaker's name pattern, 1-63 characters)."""


class VariantStatus(EventModel):
    """One ``VariantStatus`` entry: what a production variant is doing now."""

    status: VariantStatusValue = Field(validation_alias="Status")
    status_message: str | None = Field(default=None, max_length=MAX_MESSAGE, validation_alias="StatusMessage")
    start_time: UtcDateTime | None = Field(default=None, validation_alias="StartTime")


class ProductionVariantSummary(EventModel):
    """A production variant as the event describes it (weights and counts may be floats in events: ``1.0``)."""

    variant_name: Name | None = Field(default=None, validation_alias="VariantName")
    current_weight: float | None = Field(default=None, validation_alias="CurrentWeight")
    desired_weight: float | None = Field(default=None, validation_alias="DesiredWeight")
    current_instance_count: int | None = Field(default=None, validation_alias="CurrentInstanceCount")
    desired_instance_count: int | None = Field(default=None, validation_alias="DesiredInstanceCount")
    variant_status: tuple[VariantStatus, ...] = Field(default=(), validation_alias="VariantStatus")


_ENDPOINT_ARN = AliasChoices(AliasPath("detail", "EndpointArn"), AliasPath("resources", 0))


class _EndpointEvent(EventEnvelope):
    """What both endpoint events share: the endpoint's name and ARN, which must name the same endpoint."""

    endpoint_name: Name = Field(validation_alias=AliasPath("detail", "EndpointName"))
    endpoint_arn: str = Field(min_length=1, validation_alias=_ENDPOINT_ARN)
    endpoint_config_name: Name | None = Field(default=None, validation_alias=AliasPath("detail", "EndpointConfigName"))
    failure_reason: str | None = Field(
        default=None, max_length=MAX_MESSAGE, validation_alias=AliasPath("detail", "FailureReason")
    )

    @field_validator("endpoint_arn")
    @classmethod
    def _is_an_endpoint_arn(cls, value: str) -> str:
        endpoint_arn(value)
        return value

    @model_validator(mode="after")
    def _arn_names_the_endpoint(self) -> _EndpointEvent:
        named = endpoint_arn(self.endpoint_arn).resource.removeprefix("endpoint/")
        if named.lower() != self.endpoint_name.lower():
            raise ValueError(f"the endpoint ARN names endpoint {named!r}, the detail says {self.endpoint_name!r}")
        return self

    def carried_arns(self) -> tuple[str, ...]:
        """``resources[]`` and the endpoint ARN."""
        return (*self.resources, self.endpoint_arn)


class EndpointStateChangeEvent(_EndpointEvent):
    """``SageMaker Endpoint State Change`` from ``aws.sagemaker``.

    Attributes
    ----------
    endpoint_name, endpoint_arn
        The endpoint (the ARN may spell the name in lower case).
    status
        API spelling: ``Creating``, ``Updating``, ``SystemUpdating``, ``RollingBack``, ``InService``, ``Deleting``,
        ``Failed``, ``OutOfService``, ``UpdateRollbackFailed``.
    endpoint_config_name, failure_reason, creation_time, last_modified_time, production_variants
        As in the event, when present.
    """

    DETAIL_TYPE = "SageMaker Endpoint State Change"
    SOURCE = "aws.sagemaker"

    status: EndpointStatus = Field(validation_alias=AliasPath("detail", "EndpointStatus"))
    creation_time: UtcDateTime | None = Field(default=None, validation_alias=AliasPath("detail", "CreationTime"))
    last_modified_time: UtcDateTime | None = Field(
        default=None, validation_alias=AliasPath("detail", "LastModifiedTime")
    )
    production_variants: tuple[ProductionVariantSummary, ...] = Field(
        default=(), validation_alias=AliasPath("detail", "ProductionVariants")
    )


def _last_variant_status(variants: object) -> dict[str, Any] | None:
    if not isinstance(variants, list):
        return None
    statuses = [
        entry
        for variant in variants
        if isinstance(variant, dict) and isinstance(variant.get("VariantStatus"), list)
        for entry in variant["VariantStatus"]
        if isinstance(entry, dict) and isinstance(entry.get("Status"), str)
    ]
    return statuses[-1] if statuses else None


def _progress(detail: dict[str, Any]) -> tuple[object, object] | None:
    """(state, reason) per the module's rule, from the raw detail; ``None`` when it carries no status at all."""
    pending = detail.get("PendingDeploymentSummary")
    pending_variants = pending.get("ProductionVariants") if isinstance(pending, dict) else None
    for variants in (pending_variants, detail.get("ProductionVariants")):
        entry = _last_variant_status(variants)
        if entry is not None:
            return read_variant_status(entry["Status"]), entry.get("StatusMessage")
    if "EndpointStatus" in detail:
        return read_endpoint_status(detail["EndpointStatus"]), detail.get("FailureReason")
    return None


class EndpointDeploymentStateChangeEvent(_EndpointEvent):
    """``SageMaker Endpoint Deployment State Change`` from ``aws.sagemaker`` (blue/green progress, capacity changes).

    Attributes
    ----------
    endpoint_name, endpoint_arn
        The endpoint.
    state, reason
        The deployment's most specific progress and its message (see the module's rule), e.g. ``Baking``.
    endpoint_status
        The endpoint's status in API spelling (``Updating`` while a deployment runs).
    endpoint_config_name, pending_endpoint_config_name
        The config serving now, and the one being deployed (blue/green), when present.
    production_variants, pending_production_variants, failure_reason
        As in the event.
    """

    DETAIL_TYPE = "SageMaker Endpoint Deployment State Change"
    SOURCE = "aws.sagemaker"

    state: str = Field(min_length=1)
    reason: str | None = Field(default=None, max_length=MAX_MESSAGE)
    endpoint_status: EndpointStatus | None = Field(default=None, validation_alias=AliasPath("detail", "EndpointStatus"))
    pending_endpoint_config_name: Name | None = Field(
        default=None, validation_alias=AliasPath("detail", "PendingDeploymentSummary", "EndpointConfigName")
    )
    production_variants: tuple[ProductionVariantSummary, ...] = Field(
        default=(), validation_alias=AliasPath("detail", "ProductionVariants")
    )
    pending_production_variants: tuple[ProductionVariantSummary, ...] = Field(
        default=(), validation_alias=AliasPath("detail", "PendingDeploymentSummary", "ProductionVariants")
    )

    @model_validator(mode="before")
    @classmethod
    def _state_from_progress(cls, data: Any) -> Any:
        detail = detail_of(data)
        if detail is None:
            return data
        progress = _progress(detail)
        if progress is None:
            raise ValueError("detail: neither a VariantStatus nor an EndpointStatus says what the deployment is doing")
        state, reason = progress
        return {**data, "state": state, "reason": reason}
