"""SageMaker ``Model Package State Change`` events (the Approval and Rollback triggers).

The event fires on creation (``PendingManualApproval``), on approval or rejection, and on metadata edits
(``UpdatedModelPackageFields`` says which fields changed, in newer events). ``ModelPackageVersion`` arrives as an
integer (or its decimal text) and is read as an ``int``; anything else is invalid. If the group name or the version
is missing, it is read from the package ARN (``.../model-package/<group>/<version>``), which AWS always sends.
``CreationTime`` is ISO or epoch-ms, like every timestamp here.

Shape: SageMaker Developer Guide, "Events that Amazon SageMaker AI sends to Amazon EventBridge", section "SageMaker
model package state change" (https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html):
the package ARN in ``detail.ModelPackageArn`` and ``resources[0]``; the current page adds ``ModelLifeCycle`` and
``UpdatedModelPackageFields``.

What is refused (``InvalidEventError``), from the SageMaker API Reference (``DescribeModelPackage`` output): a
package ARN that is not ``arn:<partition>:sagemaker:<region>:<account>:model-package/<group>/<version>`` or is longer
than 2,048 characters; a group name outside SageMaker's name pattern (1-63 characters); a version that is not an
integer from 1 to 2,147,483,647; an ARN whose group or version **disagrees with the detail's** (the group compared
ignoring case: SageMaker lower-cases names in its ARNs); a ``ModelApprovalStatus`` or ``ModelPackageStatus`` outside
the API's enumeration; an ``ApprovalDescription`` over 1,024 characters; ``CustomerMetadataProperties`` beyond 50
entries, keys over 128 or values over 256 characters. Whether the package is *ours* (partition, Region, account,
group) is the handler's question (:mod:`mlops_core.events.origin`, the Approval service).
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, AliasPath, Field, field_validator, model_validator

from mlops_core.events.arns import (
    MAX_INT32,
    check_length,
    check_name,
    model_package_arn,
    model_package_group_and_version,
    shown,
)
from mlops_core.events.envelope import EventEnvelope, detail_of, first_resource
from mlops_core.events.timestamps import UtcDateTime
from mlops_core.events.values import ApprovalStatus, ModelPackageStatus, StrictishInt

MAX_APPROVAL_DESCRIPTION = 1024
MAX_METADATA_ENTRIES, MAX_METADATA_KEY, MAX_METADATA_VALUE = 50, 128, 256


def _group_and_version(arn: str) -> tuple[str | None, str | None]:
    _, found, rest = arn.partition(":model-package/")
    if not found:
        return None, None
    parts = rest.split("/")
    if len(parts) != 2:  # <group>/<version>
        return None, None
    return parts[0] or None, parts[1] or None


class ModelPackageStateChangeEvent(EventEnvelope):
    """``SageMaker Model Package State Change`` from ``aws.sagemaker``.

    Attributes
    ----------
    model_package_arn, model_package_group_name, model_package_version
        Which package (version as an int).
    approval_status, approval_description
        ``Approved``, ``Rejected``, ``PendingManualApproval``; the description when one was given.
    model_package_status
        ``Pending``, ``InProgress``, ``Completed``, ``Failed``, ``Deleting``.
    image_uri, model_data_url
        The first inference container's image and model artefact, when the event carries them.
    generated_by
        ``MetadataProperties.GeneratedBy``: the pipeline execution ARN that registered the package (lineage).
    updated_fields
        ``UpdatedModelPackageFields`` (e.g. ``("ModelApprovalStatus",)``); empty when the event does not say.
    customer_metadata
        ``CustomerMetadataProperties``.
    """

    DETAIL_TYPE = "SageMaker Model Package State Change"
    SOURCE = "aws.sagemaker"

    model_package_arn: str = Field(
        min_length=1,
        validation_alias=AliasChoices(AliasPath("detail", "ModelPackageArn"), AliasPath("resources", 0)),
    )
    model_package_group_name: str = Field(min_length=1, validation_alias=AliasPath("detail", "ModelPackageGroupName"))
    model_package_version: StrictishInt = Field(
        ge=1, le=MAX_INT32, validation_alias=AliasPath("detail", "ModelPackageVersion")
    )
    approval_status: ApprovalStatus = Field(validation_alias=AliasPath("detail", "ModelApprovalStatus"))
    approval_description: str | None = Field(
        default=None, max_length=MAX_APPROVAL_DESCRIPTION, validation_alias=AliasPath("detail", "ApprovalDescription")
    )
    model_package_status: ModelPackageStatus | None = Field(
        default=None, validation_alias=AliasPath("detail", "ModelPackageStatus")
    )
    creation_time: UtcDateTime | None = Field(default=None, validation_alias=AliasPath("detail", "CreationTime"))
    last_modified_time: UtcDateTime | None = Field(
        default=None, validation_alias=AliasPath("detail", "LastModifiedTime")
    )
    image_uri: str | None = Field(
        default=None, validation_alias=AliasPath("detail", "InferenceSpecification", "Containers", 0, "Image")
    )
    model_data_url: str | None = Field(
        default=None, validation_alias=AliasPath("detail", "InferenceSpecification", "Containers", 0, "ModelDataUrl")
    )
    generated_by: str | None = Field(
        default=None, validation_alias=AliasPath("detail", "MetadataProperties", "GeneratedBy")
    )
    updated_fields: tuple[str, ...] = Field(
        default=(), validation_alias=AliasPath("detail", "UpdatedModelPackageFields")
    )
    customer_metadata: dict[str, str] = Field(
        default_factory=dict, validation_alias=AliasPath("detail", "CustomerMetadataProperties")
    )

    @field_validator("model_package_arn")
    @classmethod
    def _is_a_versioned_package_arn(cls, value: str) -> str:
        model_package_arn(value)
        return value

    @field_validator("model_package_group_name")
    @classmethod
    def _group_is_a_sagemaker_name(cls, value: str) -> str:
        return check_name(value, "ModelPackageGroupName")

    @field_validator("customer_metadata")
    @classmethod
    def _metadata_within_limits(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_METADATA_ENTRIES:
            raise ValueError(f"{len(value)} entries; SageMaker allows at most {MAX_METADATA_ENTRIES}")
        for key, item in value.items():
            check_length(key, "a key", maximum=MAX_METADATA_KEY)
            check_length(item, f"the value of {shown(key)}", maximum=MAX_METADATA_VALUE)
        return value

    @model_validator(mode="after")
    def _arn_agrees_with_the_detail(self) -> ModelPackageStateChangeEvent:
        group, version = self.arn_group_and_version
        detail_group = self.model_package_group_name
        if group.lower() != detail_group.lower():
            raise ValueError(
                f"detail.ModelPackageArn names group {shown(group)}, the detail says {shown(detail_group)}"
            )
        detail_version = self.model_package_version
        if int(version) != detail_version:
            raise ValueError(f"detail.ModelPackageArn names version {version}, the detail says {detail_version}")
        return self

    @property
    def arn_group_and_version(self) -> tuple[str, str]:
        """The group (as SageMaker writes it in ARNs, lower case) and version text that the package ARN names."""
        return model_package_group_and_version(model_package_arn(self.model_package_arn))

    def carried_arns(self) -> tuple[str, ...]:
        """``resources[]`` and the package ARN."""
        return (*self.resources, self.model_package_arn)

    @model_validator(mode="before")
    @classmethod
    def _fill_group_and_version_from_arn(cls, data: Any) -> Any:
        detail = detail_of(data)
        if detail is None or ("ModelPackageGroupName" in detail and "ModelPackageVersion" in detail):
            return data
        arn = detail.get("ModelPackageArn", first_resource(data))
        group, version = _group_and_version(arn) if isinstance(arn, str) else (None, None)
        filled = dict(detail)
        if group is not None:
            filled.setdefault("ModelPackageGroupName", group)
        if version is not None:
            filled.setdefault("ModelPackageVersion", version)
        return {**data, "detail": filled}
