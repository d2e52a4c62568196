"""``mlopsctl lineage VERSION|ARN``: where a model version came from, and where it went.

data batch → labeling job → pipeline execution → model package → deployments, for a version of the stack's model
package group (output ``ModelPackageGroupName``) or a model package ARN. It follows the links the system records:

1. the package (``DescribeModelPackage``): ``MetadataProperties.GeneratedBy`` is the pipeline execution that
   registered it (the training pipeline also writes ``PipelineExecutionArn``, ``LabelingJobName`` and ``DataBatchId``
   into ``CustomerMetadataProperties``);
2. the execution's ledger record (``PIPELINE#<pipeline>``/``EXECUTION#<id>``): the labeling job and the batch that
   started it;
3. the labeling job's ledger record, then the batch's record and members (``BATCH#<id>``);
4. the deployment records of the stack's endpoint (output ``EndpointName``) for that package.

A link that cannot be followed is ``null``, and the reason is one line of ``gaps``.

JSON schema (``--json``)::

    {
      "model_package": {"arn": str, "version": int, "status": str, "group": str, "created_at": str | null,
                        "generated_by": str | null},
      "pipeline_execution": {"arn": str, "pipeline_name": str, "execution_id": str, "status": str | null,
                             "started_at": str | null, "ended_at": str | null, "failed_step": str | null,
                             "reason": str | null, "batch_id": str | null, "labeling_job_name": str | null,
                             "input_manifest_uri": str | null, "recorded": bool} | null,
      "labeling_job": {"name": str, "status": str | null, "batch_id": str | null,
                       "output_manifest_uri": str | null} | null,
      "batch": {"id": str, "kind": str | null, "status": str | null, "created_at": str | null,
                "manifest_uri": str | null, "objects": int, "keys": [str]} | null,
      "deployments": [{"deployment_id": str, "endpoint_name": str, "outcome": str, "reason": str | null,
                       "alarm": str | null, "started_at": str, "finished_at": str | null, "strategy": str | null,
                       "endpoint_config_name": str | null, "execution_arn": str | null,
                       "rolled_back_by": str | null, "rollback_of": str | null}],
      "gaps": [str]
    }

``recorded`` is false for an execution the ledger has no record of (started outside this system); ``keys`` are the
first few of the batch's objects (``objects`` counts them all); ``deployments`` are oldest first. Timestamps are ISO
8601 UTC strings.

Exit codes: 0 shown; 1 AWS refused or the stack is not found; 2 no such version or package (one line).

IAM: ``sagemaker:DescribeModelPackage``, ``sagemaker:ListModelPackages`` (a version), ``dynamodb:GetItem`` and
``dynamodb:Query`` on the ledger table, ``cloudformation:DescribeStacks`` and ``cloudformation:ListStackResources``.
Documented in docs/operator/lineage.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import click
from botocore.exceptions import ClientError  # type: ignore[import-untyped, unused-ignore]
from rich.console import Console
from rich.tree import Tree

from mlopsctl.ops.cli import ops_options
from mlopsctl.ops.errors import UsageError
from mlopsctl.ops.lineage_records import BatchView, ExecutionView, LabelingJobView, LedgerReader, execution_parts
from mlopsctl.ops.output import emit
from mlopsctl.ops.target import Target

#: What SageMaker answers for a model package that does not exist.
_NOT_FOUND = frozenset({"ValidationException", "ResourceNotFound", "ResourceNotFoundException"})
#: The links before the model package, in the order the gaps name them.
UPSTREAM = ("pipeline execution", "labeling job", "data batch")


@dataclass
class Lineage:
    """The links found from one model package, and why the others are missing."""

    package: dict[str, Any]
    execution: ExecutionView | None = None
    labeling_job: LabelingJobView | None = None
    batch: BatchView | None = None
    deployments: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The documented ``--json`` document."""
        return {
            "model_package": self.package,
            "pipeline_execution": self.execution.as_json() if self.execution else None,
            "labeling_job": self.labeling_job.as_json() if self.labeling_job else None,
            "batch": self.batch.as_json() if self.batch else None,
            "deployments": self.deployments,
            "gaps": self.gaps,
        }


def describe_package(target: Target, wanted: str) -> dict[str, Any]:
    """``DescribeModelPackage`` of a version of the stack's group or of an ARN; :class:`UsageError` if none."""
    arn = wanted if wanted.startswith("arn:") else _version_arn(target, wanted)
    try:
        found: dict[str, Any] = target.client("sagemaker").describe_model_package(ModelPackageName=arn)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _NOT_FOUND:
            raise UsageError(f"no model package {arn}") from None
        raise
    return found


def _version_arn(target: Target, wanted: str) -> str:
    if not wanted.isdigit():
        raise UsageError(f"{wanted!r} is neither a version number nor a model package ARN")
    group = target.stack().output("ModelPackageGroupName")
    paginator = target.client("sagemaker").get_paginator("list_model_packages")
    for page in paginator.paginate(ModelPackageGroupName=group):
        for summary in page.get("ModelPackageSummaryList", []):
            if int(summary.get("ModelPackageVersion", -1)) == int(wanted):
                return str(summary["ModelPackageArn"])
    raise UsageError(f"model package group {group} has no version {wanted}")


def _package(described: Mapping[str, Any]) -> dict[str, Any]:
    created: Any = described.get("CreationTime")
    return {
        "arn": described["ModelPackageArn"],
        "version": described.get("ModelPackageVersion"),
        "status": described.get("ModelApprovalStatus"),
        "group": described.get("ModelPackageGroupName"),
        "created_at": created.astimezone(UTC).isoformat() if isinstance(created, datetime) else created,
        "generated_by": (described.get("MetadataProperties") or {}).get("GeneratedBy"),
    }


def _execution_arn(described: Mapping[str, Any]) -> str | None:
    """The pipeline execution that registered the package: ``GeneratedBy``, else the pipeline's own metadata."""
    generated_by = (described.get("MetadataProperties") or {}).get("GeneratedBy")
    from_pipeline = (described.get("CustomerMetadataProperties") or {}).get("PipelineExecutionArn")
    for candidate in (generated_by, from_pipeline):
        if candidate:
            try:
                execution_parts(str(candidate))
            except ValueError:
                continue
            return str(candidate)
    return None


def trace(target: Target, described: Mapping[str, Any]) -> Lineage:
    """Follow the recorded links from a described model package (module docstring)."""
    stack = target.stack()
    ledger = LedgerReader(target.client("dynamodb"), stack.resource("LedgerTable"))
    lineage = Lineage(_package(described))
    metadata = described.get("CustomerMetadataProperties") or {}
    arn = _execution_arn(described)
    if arn is None:
        lineage.gaps += [f"registered by hand: no {link}" for link in UPSTREAM]
    else:
        _upstream(lineage, ledger, arn, metadata)
    endpoint = stack.output("EndpointName")
    lineage.deployments = [d.as_json() for d in ledger.deployments_of(endpoint, str(described["ModelPackageArn"]))]
    if not lineage.deployments:
        lineage.gaps.append(f"never deployed to {endpoint}: no deployments")
    return lineage


def _upstream(lineage: Lineage, ledger: LedgerReader, arn: str, metadata: Mapping[str, str]) -> None:
    execution = lineage.execution = ledger.execution(arn)
    if not execution.recorded:
        lineage.gaps.append(f"pipeline execution {arn} has no ledger record (started outside this system)")
    job_name = execution.labeling_job_name or metadata.get("LabelingJobName") or None
    if job_name is None:
        lineage.gaps.append("trained on data that needed no labeling: no labeling job")
    else:
        lineage.labeling_job = ledger.labeling_job(job_name)
        if lineage.labeling_job is None:
            lineage.gaps.append(f"labeling job {job_name} has no ledger record: no labeling job")
    from_job = lineage.labeling_job.batch_id if lineage.labeling_job else None
    batch_id = execution.batch_id or from_job or metadata.get("DataBatchId") or None
    if batch_id is None:
        lineage.gaps.append("the pipeline execution names no data batch: no data batch")
        return
    lineage.batch = ledger.batch(batch_id)
    if lineage.batch is None:
        lineage.gaps.append(f"batch {batch_id} has no ledger record: no data batch")


# -- for people -----------------------------------------------------------------------------------------------------
def render(console: Console, document: Mapping[str, Any]) -> None:
    """The chain as a rich tree, in order: batch → labeling job → execution → package → deployments; then the gaps."""
    package = document["model_package"]
    tree = Tree(f"[bold]lineage of {package['group']} v{package['version']}[/] ({package['status']})")
    batch, job, execution = document["batch"], document["labeling_job"], document["pipeline_execution"]
    if batch:
        node = tree.add(f"data batch [bold]{batch['id']}[/]: {batch['objects']} objects ({batch['status']})")
        for key in batch["keys"]:
            node.add(f"[dim]{key}[/]")
    if job:
        tree.add(f"labeling job [bold]{job['name']}[/]: {job['status']}")
    if execution:
        failed = f" at {execution['failed_step']}: {execution['reason']}" if execution["failed_step"] else ""
        tree.add(f"pipeline execution [bold]{execution['execution_id']}[/]: {execution['status']}{failed}")
    tree.add(f"model package [bold]{package['arn']}[/]: {package['status']}")
    if document["deployments"]:
        node = tree.add("deployments")
        for deployment in document["deployments"]:
            reason = f" ({deployment['reason']})" if deployment["reason"] else ""
            node.add(
                f"[bold]{deployment['deployment_id']}[/] to {deployment['endpoint_name']}, started "
                f"{deployment['started_at']}: {deployment['outcome']}{reason}"
            )
    console.print(tree)
    for gap in document["gaps"]:
        console.print(f"[yellow]missing[/] {gap}")


@click.command("lineage")
@click.argument("package", metavar="VERSION|ARN")
@ops_options
def command(target: Target, as_json: bool, package: str) -> None:
    """Data batch → labeling job → pipeline execution → model package → deployments of one model version."""
    lineage = trace(target, describe_package(target, package))
    emit(lineage.as_json(), render, as_json=as_json)
