"""SageMaker hosting and model registry calls of a deployment, and the CloudWatch alarms that guard it.

:class:`EndpointGateway` is the port the services use; :class:`SageMakerEndpoints` implements it with boto3.
:class:`AlarmReader` / :class:`CloudWatchAlarms` read the rollback alarms. Clients are injected (standard retry mode
is the factory's job). Failed calls become typed errors through :func:`~mlops_core.aws.calls.aws_call`:
:class:`~mlops_core.errors.TransientError` (retried by Lambda or ASL) or
:class:`~mlops_core.aws.errors.RequestRejectedError` (AWS's code and message).

SageMaker has no "not found" error code: ``Describe*`` raises ``ValidationException`` for a missing resource. Our
names are valid by construction, so a ``ValidationException`` from a ``Describe*`` of one of them reads as "absent".
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from mlops_core.aws.calls import aws_call
from mlops_core.aws.errors import RequestRejectedError
from mlops_core.deploy.preflight import AlarmView, EndpointView, PackageView, VariantView
from mlops_core.errors import MlopsError

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sagemaker.type_defs import DeploymentConfigTypeDef, ProductionVariantTypeDef, TagTypeDef

#: What SageMaker's ``CustomerMetadataValue`` pattern ``[\p{L}\p{Z}\p{N}_.:/=+\-@]`` does not allow, read strictly: any
#: white space but a plain space (tabs and line breaks are not ``\p{Z}``) goes too.
_METADATA_VALUE_FORBIDDEN = re.compile(r"[^\w .:/=+\-@]")


class AlarmsUnreadableError(MlopsError):
    """The rollback alarms could not be described (permissions, or a request CloudWatch refused)."""


def metadata_value(text: str) -> str:
    """A string made acceptable as a ``CustomerMetadataProperties`` value (allowed characters, 1-256 long)."""
    cleaned = _METADATA_VALUE_FORBIDDEN.sub(" ", text).strip()
    return (cleaned or "-")[:256]


class EndpointGateway(ABC):
    """What a deployment reads and changes in SageMaker."""

    @abstractmethod
    def describe_package(self, package_arn: str) -> PackageView | None:
        """The package version, or ``None`` if it does not exist."""

    @abstractmethod
    def latest_approved_version(self, group_name: str) -> int | None:
        """The newest ``Approved`` version of a group, or ``None``."""

    @abstractmethod
    def describe_endpoint(self, endpoint_name: str) -> EndpointView | None:
        """The endpoint, or ``None`` if it does not exist."""

    @abstractmethod
    def endpoint_variants(self, config_name: str) -> tuple[VariantView, ...]:
        """The production variants of an endpoint config (empty if it does not exist)."""

    @abstractmethod
    def ensure_model(self, name: str, package_arn: str, role_arn: str, tags: Mapping[str, str]) -> bool:
        """Create the model from the package unless it exists; ``True`` when created now."""

    @abstractmethod
    def ensure_endpoint_config(self, name: str, variant: Mapping[str, Any], tags: Mapping[str, str]) -> bool:
        """Create the endpoint config unless it exists; ``True`` when created now."""

    @abstractmethod
    def create_endpoint(self, name: str, config_name: str, tags: Mapping[str, str]) -> None:
        """Create the endpoint (first deployment)."""

    @abstractmethod
    def update_endpoint(self, name: str, config_name: str, deployment_config: Mapping[str, Any]) -> None:
        """Start a blue/green update of the endpoint to ``config_name``."""

    @abstractmethod
    def tag_endpoint(self, endpoint_arn: str, tags: Mapping[str, str]) -> None:
        """Add or overwrite tags on the endpoint (``AddTags``: a key it has gets the new value)."""

    @abstractmethod
    def reject_package(self, package_arn: str, reason: str) -> None:
        """Set the package ``Rejected`` with ``reason`` as its approval description."""

    @abstractmethod
    def annotate_package(self, package_arn: str, properties: Mapping[str, str]) -> None:
        """Add customer metadata to the package without changing its approval status."""


def _tag_list(tags: Mapping[str, str]) -> list[TagTypeDef]:
    return [{"Key": key, "Value": value[:256]} for key, value in tags.items()]


def _absent(exc: RequestRejectedError) -> bool:
    return exc.code == "ValidationException"


def _model_data(container: Mapping[str, Any], data_type: str) -> str | None:
    """A container's model data of ``data_type``: ``ModelDataUrl`` (an object), or ``ModelDataSource.S3DataSource``
    (``S3DataType`` ``S3Object`` or ``S3Prefix``)."""
    if data_type == "S3Object" and container.get("ModelDataUrl"):
        return str(container["ModelDataUrl"])
    source = (container.get("ModelDataSource") or {}).get("S3DataSource") or {}
    return str(source["S3Uri"]) if source.get("S3Uri") and source.get("S3DataType") == data_type else None


class SageMakerEndpoints(EndpointGateway):
    """:class:`EndpointGateway` on a boto3 SageMaker client."""

    def __init__(self, client: SageMakerClient) -> None:
        self._client = client

    def describe_package(self, package_arn: str) -> PackageView | None:
        try:
            with aws_call("DescribeModelPackage"):
                found = self._client.describe_model_package(ModelPackageName=package_arn)
        except RequestRejectedError as exc:
            if _absent(exc):
                return None
            raise
        containers = found.get("InferenceSpecification", {}).get("Containers", [])
        return PackageView(
            arn=found["ModelPackageArn"],
            group_name=found.get("ModelPackageGroupName", ""),
            version=int(found.get("ModelPackageVersion", 0)),
            approval_status=found.get("ModelApprovalStatus", ""),
            package_status=found.get("ModelPackageStatus"),
            images=tuple(container.get("Image") for container in containers),
            model_data_urls=tuple(_model_data(container, "S3Object") for container in containers),
            model_data_prefixes=tuple(p for c in containers if (p := _model_data(c, "S3Prefix"))),
            generated_by=found.get("MetadataProperties", {}).get("GeneratedBy"),
            customer_metadata=tuple(sorted(found.get("CustomerMetadataProperties", {}).items())),
            approval_description=found.get("ApprovalDescription"),
        )

    def latest_approved_version(self, group_name: str) -> int | None:
        # The highest version among the newest approved ones: versions grow with creation time, but two packages
        # registered in the same instant tie on CreationTime, so the sort alone cannot pick the newest.
        with aws_call("ListModelPackages"):
            listed = self._client.list_model_packages(
                ModelPackageGroupName=group_name,
                ModelApprovalStatus="Approved",
                SortBy="CreationTime",
                SortOrder="Descending",
                MaxResults=100,
            )
        versions = [int(s["ModelPackageVersion"]) for s in listed.get("ModelPackageSummaryList", [])]
        return max(versions, default=None)

    def describe_endpoint(self, endpoint_name: str) -> EndpointView | None:
        try:
            with aws_call("DescribeEndpoint"):
                found = self._client.describe_endpoint(EndpointName=endpoint_name)
        except RequestRejectedError as exc:
            if _absent(exc):
                return None
            raise
        return EndpointView(
            name=found["EndpointName"],
            status=found["EndpointStatus"],
            config_name=found.get("EndpointConfigName"),
            failure_reason=found.get("FailureReason"),
            pending_config_name=found.get("PendingDeploymentSummary", {}).get("EndpointConfigName"),
            arn=found.get("EndpointArn"),
        )

    def endpoint_variants(self, config_name: str) -> tuple[VariantView, ...]:
        try:
            with aws_call("DescribeEndpointConfig"):
                found = self._client.describe_endpoint_config(EndpointConfigName=config_name)
        except RequestRejectedError as exc:
            if _absent(exc):
                return ()
            raise
        return tuple(
            VariantView(name=variant["VariantName"], model_name=variant.get("ModelName"))
            for variant in found.get("ProductionVariants", [])
        )

    def _model_exists(self, name: str) -> bool:
        try:
            with aws_call("DescribeModel"):
                self._client.describe_model(ModelName=name)
        except RequestRejectedError as exc:
            if _absent(exc):
                return False
            raise
        return True

    def ensure_model(self, name: str, package_arn: str, role_arn: str, tags: Mapping[str, str]) -> bool:
        if self._model_exists(name):
            return False
        with aws_call("CreateModel"):
            self._client.create_model(
                ModelName=name,
                ExecutionRoleArn=role_arn,
                PrimaryContainer={"ModelPackageName": package_arn},
                Tags=_tag_list(tags),
            )
        return True

    def ensure_endpoint_config(self, name: str, variant: Mapping[str, Any], tags: Mapping[str, str]) -> bool:
        if self.endpoint_variants(name):
            return False
        with aws_call("CreateEndpointConfig"):
            self._client.create_endpoint_config(
                EndpointConfigName=name,
                ProductionVariants=[cast("ProductionVariantTypeDef", dict(variant))],
                Tags=_tag_list(tags),
            )
        return True

    def create_endpoint(self, name: str, config_name: str, tags: Mapping[str, str]) -> None:
        with aws_call("CreateEndpoint"):
            self._client.create_endpoint(EndpointName=name, EndpointConfigName=config_name, Tags=_tag_list(tags))

    def update_endpoint(self, name: str, config_name: str, deployment_config: Mapping[str, Any]) -> None:
        with aws_call("UpdateEndpoint"):
            self._client.update_endpoint(
                EndpointName=name,
                EndpointConfigName=config_name,
                DeploymentConfig=cast("DeploymentConfigTypeDef", dict(deployment_config)),
            )

    def tag_endpoint(self, endpoint_arn: str, tags: Mapping[str, str]) -> None:
        with aws_call("AddTags"):
            self._client.add_tags(ResourceArn=endpoint_arn, Tags=_tag_list(tags))

    def reject_package(self, package_arn: str, reason: str) -> None:
        # ApprovalDescription's pattern is ".*" (Java: no line terminators), at most 1024 characters
        description = " ".join(reason.splitlines())[:1024]
        with aws_call("UpdateModelPackage"):
            self._client.update_model_package(
                ModelPackageArn=package_arn, ModelApprovalStatus="Rejected", ApprovalDescription=description
            )

    def annotate_package(self, package_arn: str, properties: Mapping[str, str]) -> None:
        cleaned = {key: metadata_value(value) for key, value in properties.items()}
        with aws_call("UpdateModelPackage"):
            self._client.update_model_package(ModelPackageArn=package_arn, CustomerMetadataProperties=cleaned)


class AlarmReader(ABC):
    """Reads the CloudWatch alarms that guard the endpoint."""

    @abstractmethod
    def describe(self, names: tuple[str, ...]) -> tuple[AlarmView, ...]:
        """The alarms of these names that exist; raises :class:`AlarmsUnreadableError` if they cannot be read."""


class CloudWatchAlarms(AlarmReader):
    """:class:`AlarmReader` on a boto3 CloudWatch client."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def describe(self, names: tuple[str, ...]) -> tuple[AlarmView, ...]:
        if not names:
            return ()
        found: list[AlarmView] = []
        try:
            with aws_call("DescribeAlarms"):
                pages = self._client.get_paginator("describe_alarms").paginate(
                    AlarmNames=list(names), AlarmTypes=["MetricAlarm", "CompositeAlarm"]
                )
                for page in pages:
                    found.extend(
                        AlarmView(
                            name=alarm["AlarmName"],
                            state=alarm.get("StateValue", ""),
                            state_updated=alarm.get("StateUpdatedTimestamp"),
                            state_reason=alarm.get("StateReason"),
                        )
                        for alarm in [*page.get("MetricAlarms", []), *page.get("CompositeAlarms", [])]
                    )
        except RequestRejectedError as exc:
            raise AlarmsUnreadableError(f"CloudWatch DescribeAlarms refused: {exc.code}: {exc.message}") from exc
        return tuple(found)
