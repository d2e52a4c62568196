"""Reading the system's end states, as an operator would: registry, endpoint, ledger, jobs and executions.

Every check of the demo is made here, from what AWS (moto) and the ledger hold, never from logs. The clients are the
stack's own (left out of the action log).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.types import TypeDeserializer  # type: ignore[import-untyped, unused-ignore]
from botocore.exceptions import ClientError  # type: ignore[import-untyped, unused-ignore]

from mlops_core.deploy.ledger_items import DeploymentRecord

ClientFactory = Callable[[str], Any]
_DESERIALIZER = TypeDeserializer()


@dataclass(frozen=True)
class Package:
    """A model package version in the registry."""

    arn: str
    version: int
    status: str
    metric: str | None
    """The quality gate's metric (``GateMetric`` on the package, e.g. ``macro_f1``)."""
    metric_value: float | None
    """Its value on the test split (``GateMetricValue``)."""
    lineage: dict[str, str]

    @property
    def label(self) -> str:
        """``v<version>``."""
        return f"v{self.version}"


@dataclass(frozen=True)
class Serving:
    """What an endpoint serves: its status, endpoint config, and the model package behind its first variant."""

    status: str
    config_name: str
    package_arn: str | None
    failure_reason: str | None
    updating: bool


class Observer:
    """Reads end states through the stack's clients.

    Parameters
    ----------
    clients
        Returns a boto3 client for a service name.
    ledger_table
        The ledger table's name.
    """

    def __init__(self, clients: ClientFactory, ledger_table: str) -> None:
        self._clients = clients
        self._ledger_table = ledger_table

    # -- registry --------------------------------------------------------------------------------------------------

    def packages(self, group: str) -> list[Package]:
        """Every version of the group, oldest first."""
        sagemaker = self._clients("sagemaker")
        summaries: list[dict[str, Any]] = []
        for page in sagemaker.get_paginator("list_model_packages").paginate(ModelPackageGroupName=group):
            summaries.extend(page.get("ModelPackageSummaryList", []))
        packages = [self.package(str(s["ModelPackageArn"])) for s in summaries]
        return sorted(packages, key=lambda p: p.version)

    def package(self, arn: str) -> Package:
        """One model package."""
        found = self._clients("sagemaker").describe_model_package(ModelPackageName=arn)
        lineage = {str(k): str(v) for k, v in (found.get("CustomerMetadataProperties") or {}).items()}
        try:
            value: float | None = float(lineage["GateMetricValue"])
        except (KeyError, ValueError):
            value = None
        return Package(
            arn=str(found["ModelPackageArn"]),
            version=int(found.get("ModelPackageVersion") or 0),
            status=str(found.get("ModelApprovalStatus") or ""),
            metric=lineage.get("GateMetric"),
            metric_value=value,
            lineage=lineage,
        )

    # -- endpoint --------------------------------------------------------------------------------------------------

    def serving(self, endpoint: str) -> Serving | None:
        """What ``endpoint`` serves, or None when it does not exist."""
        sagemaker = self._clients("sagemaker")
        try:
            found = sagemaker.describe_endpoint(EndpointName=endpoint)
        except ClientError:
            return None
        config_name = str(found.get("EndpointConfigName") or "")
        return Serving(
            status=str(found.get("EndpointStatus") or ""),
            config_name=config_name,
            package_arn=self._config_package(config_name),
            failure_reason=found.get("FailureReason") or None,
            updating=bool(found.get("PendingDeploymentSummary")),
        )

    def baking(self, endpoint: str) -> str | None:
        """The model package an update of ``endpoint`` is baking (its fleet takes traffic, alarms watched), or None."""
        try:
            found = self._clients("sagemaker").describe_endpoint(EndpointName=endpoint)
        except ClientError:
            return None
        pending = found.get("PendingDeploymentSummary") or {}
        variants = pending.get("ProductionVariants") or []
        if not any(s.get("Status") == "Baking" for v in variants for s in v.get("VariantStatus") or []):
            return None
        return self._config_package(str(pending.get("EndpointConfigName") or "")) or "unknown"

    def _config_package(self, config_name: str) -> str | None:
        sagemaker = self._clients("sagemaker")
        try:
            config = sagemaker.describe_endpoint_config(EndpointConfigName=config_name)
            model_name = config["ProductionVariants"][0]["ModelName"]
            model = sagemaker.describe_model(ModelName=model_name)
        except (ClientError, KeyError, IndexError):
            return None
        containers = [model.get("PrimaryContainer") or {}, *(model.get("Containers") or [])]
        return next((str(c["ModelPackageName"]) for c in containers if c.get("ModelPackageName")), None)

    # -- ledger ----------------------------------------------------------------------------------------------------

    def deployments(self, endpoint: str) -> list[DeploymentRecord]:
        """The endpoint's deployment records in the ledger, oldest first (read as the layer reads them)."""
        dynamodb = self._clients("dynamodb")
        records: list[DeploymentRecord] = []
        paginator = dynamodb.get_paginator("query")
        for page in paginator.paginate(
            TableName=self._ledger_table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": f"ENDPOINT#{endpoint}"}, ":prefix": {"S": "DEPLOYMENT#"}},
            ConsistentRead=True,
        ):
            records.extend(
                DeploymentRecord.of_item({k: _DESERIALIZER.deserialize(v) for k, v in item.items()})
                for item in page["Items"]
            )
        return records

    def deployment_of(self, endpoint: str, package_arn: str) -> DeploymentRecord | None:
        """The newest deployment record of ``package_arn`` on ``endpoint``."""
        found = [d for d in self.deployments(endpoint) if d.model_package_arn == package_arn]
        return found[-1] if found else None

    # -- jobs and executions ---------------------------------------------------------------------------------------

    def labeling_jobs(self) -> list[dict[str, Any]]:
        """Every labeling job, oldest first (DescribeLabelingJob views)."""
        sagemaker = self._clients("sagemaker")
        names = [s["LabelingJobName"] for s in sagemaker.list_labeling_jobs().get("LabelingJobSummaryList", [])]
        jobs = [sagemaker.describe_labeling_job(LabelingJobName=n) for n in names]
        return sorted(jobs, key=lambda j: j["CreationTime"])

    def executions(self, pipeline: str) -> list[dict[str, Any]]:
        """Every execution of ``pipeline``, oldest first (DescribePipelineExecution views with their parameters)."""
        sagemaker = self._clients("sagemaker")
        summaries = sagemaker.list_pipeline_executions(PipelineName=pipeline).get("PipelineExecutionSummaries", [])
        out = []
        for summary in summaries:
            arn = summary["PipelineExecutionArn"]
            described = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)
            parameters = sagemaker.list_pipeline_parameters_for_execution(PipelineExecutionArn=arn)
            described["Parameters"] = {p["Name"]: p["Value"] for p in parameters.get("PipelineParameters", [])}
            out.append(described)
        return sorted(out, key=lambda e: e["CreationTime"])

    def alarm_state(self, alarm: str) -> str | None:
        """The alarm's state value, or None when there is no such alarm."""
        found = self._clients("cloudwatch").describe_alarms(AlarmNames=[alarm]).get("MetricAlarms", [])
        return str(found[0]["StateValue"]) if found else None
