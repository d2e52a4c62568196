"""The EventBridge envelope shared by every consumed event, and the frozen base of every event model.

Every model is flat: the envelope fields (``id``, ``source``, ``detail_type``, ``account``, ``region``, ``time``,
``resources``) and the fields read from ``detail`` sit side by side (``event.bucket``, ``event.key``). A model is
validated from the event **as AWS delivers it** (``detail-type``, nested ``detail``, PascalCase or camelCase keys),
through validation aliases; it can also be built by field name, which tests and emulators use
(``S3ObjectCreatedEvent(id=..., bucket=..., key=...)``). Models are frozen and ignore unknown fields everywhere.

Decisions:

- ``source`` may be a one-element list: an AWS documentation sample has a duplicate ``source`` key whose last value
  (the one JSON parsers keep) is ``["aws.sagemaker"]``; it is read as ``"aws.sagemaker"``.
- ``detail-type`` is matched ignoring case, spaces, hyphens and underscores, and stored in AWS's canonical spelling:
  the 2020 SageMaker guide printed ``SageMakerEndpointStateChange`` for ``SageMaker Endpoint State Change``. Only the
  eight consumed types are matched; nothing else is guessed.
- ``version`` is optional (some published samples omit it); ``resources`` defaults to an empty list.
- ``account`` is 12 digits, ``region`` an AWS Region, every ``resources[]`` entry a well-formed ARN of at most 2,048
  characters (:mod:`mlops_core.events.arns`; a redaction placeholder such as ``<account>`` is read as redacted).
  Whether they are *ours* is for the handler to decide (:mod:`mlops_core.events.origin`): a pattern cannot.
- The envelope ``time`` is informational (no handler decides on it: they take ``now`` and the detail's own
  timestamps), so an unreadable one does not refuse the event: ``time`` is ``None`` and ``"time"`` is listed in
  ``unreadable``. LocalStack's recording of a real S3 event replaced it with the word ``"date"``.
- Validators are built on first use (``defer_build``): a function pays at cold start only for the events it reads.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mlops_core.events.arns import ACCOUNT, REGION, Arn, check_length, parse_arn, redacted, shown
from mlops_core.events.timestamps import UtcDateTime, to_utc_datetime
from mlops_core.events.values import squash

MAX_RESOURCES = 100
"""More ARNs than any AWS event of the consumed types carries (they carry one or two): refused unread."""


class EventModel(BaseModel):
    """Base of every event model and of their parts: frozen, unknown fields ignored, built by alias or by name."""

    model_config = ConfigDict(
        frozen=True, extra="ignore", validate_by_alias=True, validate_by_name=True, defer_build=True
    )


def read_source(value: object) -> object:
    """``"aws.s3"`` as is; a one-element list of a string (a duplicate-key artefact) as its element."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        return value[0]
    return value


class EventEnvelope(EventModel):
    """Fields every EventBridge event carries. Subclasses name the ``detail-type`` and ``source`` they accept."""

    DETAIL_TYPE: ClassVar[str] = ""
    SOURCE: ClassVar[str] = ""

    id: str = Field(min_length=1)
    source: str
    detail_type: str = Field(validation_alias="detail-type")
    account: str
    region: str
    time: UtcDateTime | None
    resources: list[str] = Field(default_factory=list)
    version: str | None = None
    unreadable: tuple[str, ...] = ()
    """Fields whose value was a placeholder or unreadable and was read as ``None`` (dotted paths)."""

    @model_validator(mode="before")
    @classmethod
    def _unreadable_time_is_none(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "time" not in data or data["time"] is None:
            return data
        try:
            to_utc_datetime(data["time"])
        except ValueError:
            return mark_unreadable({**data, "time": None}, "time")
        return data

    @field_validator("account")
    @classmethod
    def _account_is_an_account(cls, value: str) -> str:
        check_length(value, "account", maximum=32)
        if not ACCOUNT.fullmatch(value) and not redacted(value):
            raise ValueError(f"{shown(value)} is not an AWS account (12 digits)")
        return value

    @field_validator("region")
    @classmethod
    def _region_is_a_region(cls, value: str) -> str:
        check_length(value, "region", maximum=32)
        if not REGION.fullmatch(value) and not redacted(value):
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

    @field_validator("source", mode="before")
    @classmethod
    def _source_may_be_a_single_item_list(cls, value: Any) -> Any:
        return read_source(value)

    @field_validator("source")
    @classmethod
    def _source_is_ours(cls, value: str) -> str:
        if cls.SOURCE and value != cls.SOURCE:
            raise ValueError(f"expected source {cls.SOURCE!r}, got {value!r}")
        return value

    @field_validator("detail_type")
    @classmethod
    def _detail_type_in_canonical_spelling(cls, value: str) -> str:
        if not cls.DETAIL_TYPE:
            return value
        if squash(value) != squash(cls.DETAIL_TYPE):
            raise ValueError(f"expected detail-type {cls.DETAIL_TYPE!r}, got {value!r}")
        return cls.DETAIL_TYPE


def mark_unreadable(data: dict[str, Any], path: str) -> dict[str, Any]:
    """Record in a raw event being validated that ``path`` was unreadable (see ``EventEnvelope.unreadable``)."""
    return {**data, "unreadable": (*data.get("unreadable", ()), path)}


PLACEHOLDER = re.compile(r"^<{1,2}[^<>]+>{1,2}$")
"""A redaction placeholder of a published sample: ``<account>``, ``<<version>>``."""


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
