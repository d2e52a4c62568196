"""SageMaker ``Model Package State Change`` events (the Approval and Rollback triggers).

The event fires on creation (``PendingManualApproval``), on approval or rejection, and on metadata edits
(``UpdatedModelPackageFields`` says which fields changed, in newer events). ``ModelPackageVersion`` arrives as an
integer or a string and is read as an ``int``; a redaction placeholder (``"<<version>>"`` in a captured sample) is
read as ``None`` and listed in ``unreadable`` (consumers then describe the package); any other non-number is invalid.
If the group name or the version is missing, it is read from the package ARN (``.../model-package/<group>/<version>``).
``CreationTime`` is ISO or epoch-ms, like every timestamp here.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, AliasPath, Field, model_validator

from mlops_core.events.envelope import PLACEHOLDER, EventEnvelope, detail_of, first_resource, mark_unreadable
from mlops_core.events.timestamps import UtcDateTime
from mlops_core.events.values import ApprovalStatus, ModelPackageStatus, StrictishInt


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
    model_package_version: StrictishInt | None = Field(
        ge=1, validation_alias=AliasPath("detail", "ModelPackageVersion")
    )
    approval_status: ApprovalStatus = Field(validation_alias=AliasPath("detail", "ModelApprovalStatus"))
    approval_description: str | None = Field(default=None, validation_alias=AliasPath("detail", "ApprovalDescription"))
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

    @model_validator(mode="after")
    def _version_is_none_only_when_redacted(self) -> ModelPackageStateChangeEvent:
        if self.model_package_version is None and "detail.ModelPackageVersion" not in self.unreadable:
            raise ValueError("detail.ModelPackageVersion: expected an integer, got None")
        return self

    @model_validator(mode="before")
    @classmethod
    def _placeholder_version_is_none(cls, data: Any) -> Any:
        detail = detail_of(data)
        version = detail.get("ModelPackageVersion") if detail is not None else None
        if detail is None or not isinstance(version, str) or not PLACEHOLDER.match(version.strip()):
            return data
        redacted = {**data, "detail": {**detail, "ModelPackageVersion": None}}
        return mark_unreadable(redacted, "detail.ModelPackageVersion")

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
