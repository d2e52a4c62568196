"""The EventBridge envelope shared by every consumed event, and the frozen base of every event model.

Every model is flat: the envelope fields (``id``, ``source``, ``detail_type``, ``account``, ``region``, ``time``,
``resources``) and the fields read from ``detail`` sit side by side (``event.bucket``, ``event.key``). A model is
validated from the event **as AWS delivers it** (``detail-type``, nested ``detail``, PascalCase or camelCase keys),
through validation aliases; it can also be built by field name, which tests and emulators use
(``S3ObjectCreatedEvent(id=..., bucket=..., key=...)``). Models are frozen and ignore unknown fields everywhere.

The envelope is the one EventBridge documents (EventBridge User Guide, "Event structure reference",
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html): ``version``, ``id``,
``detail-type``, ``source``, ``account``, ``time``, ``region``, ``resources``, ``detail``. Decisions:

- ``detail-type`` and ``source`` are compared **exactly** with the model's ``DETAIL_TYPE`` and ``SOURCE`` (the
  detail-types the EventBridge events reference lists for SageMaker, S3, CloudWatch and Step Functions). A sample
  printing another spelling is normalised by the test loader, never here.
- ``account`` is 12 digits, ``region`` an AWS Region, every ``resources[]`` entry a well-formed ARN of at most 2,048
  characters (:mod:`mlops_core.events.arns`); a redaction placeholder such as ``<account>`` is none of these.
  Whether they are *ours* is for the handler to decide (:mod:`mlops_core.events.origin`): a pattern cannot.
- ``time`` is required and read by :mod:`mlops_core.events.timestamps` (ISO-8601, or epoch milliseconds as the
  SageMaker Developer Guide's ``Endpoint State Change`` sample prints it).
- ``version`` is optional (EventBridge sets it to ``"0"``; models built by field name need not give it);
  ``resources`` defaults to an empty list.
- Validators are built on first use (``defer_build``): a function pays at cold start only for the events it reads.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mlops_core.events.arns import ACCOUNT, REGION, Arn, check_length, parse_arn, shown
from mlops_core.events.timestamps import UtcDateTime

MAX_RESOURCES = 100
"""More ARNs than any AWS event of the consumed types carries (they carry one or two): refused unread."""


class EventModel(BaseModel):
    """Base of every event model and of their parts: frozen, unknown fields ignored, built by alias or by name."""

    model_config = ConfigDict(
        frozen=True, extra="ignore", validate_by_alias=True, validate_by_name=True, defer_build=True
    )


class EventEnvelope(EventModel):
    """Fields every EventBridge event carries. Subclasses name the ``detail-type`` and ``source`` they accept."""

    DETAIL_TYPE: ClassVar[str] = ""
    SOURCE: ClassVar[str] = ""

    id: str = Field(min_length=1)
    source: str
    detail_type: str = Field(validation_alias="detail-type")
    account: str
    region: str
    time: UtcDateTime
    resources: list[str] = Field(default_factory=list)
    version: str | None = None

    @field_validator("account")
    @classmethod
    def _account_is_an_account(cls, value: str) -> str:
        check_length(value, "account", maximum=32)
        if not ACCOUNT.fullmatch(value):
            raise ValueError(f"{shown(value)} is not an AWS account (12 digits)")
        return value

    @field_validator("region")
    @classmethod
    def _region_is_a_region(cls, value: str) -> str:
        check_length(value, "region", maximum=32)
        if not REGION.fullmatch(value):
            raise ValueError(f"{shown(value)} is not an AWS Region")
        return value

    @field_validator("resources", mode="before")
    @classmethod
    def _few_resources(cls, value: Any) -> Any:
        if isinstance(value, list) and len(value) > MAX_RESOURCES:
            raise ValueError(f"{len(value)} resources; the consumed events carry at most {MAX_RESOURCES}")
        return value

    @field_validator("resources")
    @classmethod
    def _resources_are_arns(cls, value: list[str]) -> list[str]:
        for index, text in enumerate(value):
            parse_arn(text, what=f"resources[{index}]")
        return value

    def carried_arns(self) -> tuple[str, ...]:
        """Every ARN the event carries: ``resources[]`` and the ARNs of its detail (subclasses add theirs)."""
        return tuple(self.resources)

    def parsed_arns(self) -> tuple[Arn, ...]:
        """:meth:`carried_arns`, read (each was checked when the event was validated)."""
        return tuple(parse_arn(text, what="ARN") for text in dict.fromkeys(self.carried_arns()))

    @field_validator("source")
    @classmethod
    def _source_is_ours(cls, value: str) -> str:
        if cls.SOURCE and value != cls.SOURCE:
            raise ValueError(f"expected source {cls.SOURCE!r}, got {value!r}")
        return value

    @field_validator("detail_type")
    @classmethod
    def _detail_type_is_ours(cls, value: str) -> str:
        if cls.DETAIL_TYPE and value != cls.DETAIL_TYPE:
            raise ValueError(f"expected detail-type {cls.DETAIL_TYPE!r}, got {value!r}")
        return value


def detail_of(data: Any) -> dict[str, Any] | None:
    """The ``detail`` object of a raw event being validated, or ``None`` when building by field name."""
    if isinstance(data, dict):
        detail = data.get("detail")
        if isinstance(detail, dict):
            return detail
    return None


def first_resource(data: Any) -> str | None:
    """``resources[0]`` of a raw event being validated, when it is a string."""
    if isinstance(data, dict):
        resources = data.get("resources")
        if isinstance(resources, list) and resources and isinstance(resources[0], str):
            return resources[0]
    return None
