"""``mlopsctl demo --data DIR``: your own labeled files through the real system, on this machine, end to end.

On a fresh local stack (the project's template; AWS is moto), the files of ``DIR`` are uploaded under ``labeled/`` as
a user would, and the system runs as deployed: the data-arrival function checks each file (a file the pipeline
could not read is refused with the reason), the training pipeline runs the real step scripts in process (preprocess,
train, evaluate, the quality gate, registration), the registered model package is approved and deployed to the
endpoint (blue/green, in virtual time). What happened is printed; the exit code says how it ended:

- ``0``: every file was accepted, the model was registered and the endpoint serves it;
- ``1``: something did not: files refused (each with its reason), the pipeline failed (e.g. the quality gate), or
  the deployment did not succeed; the last line says why;
- ``2``: usage errors (no such directory, no data files in it, bad column names).

Columns: ``--label-column`` and ``--feature-columns`` become the stack's ``LabelColumn`` and ``FeatureColumns``
parameters, which the arrival check and the pipeline's preprocess step read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from mlops_core.ingest.labeled_data import Columns
from mlopsctl.demo.artifacts import template_model, upload_step_code
from mlopsctl.demo.observe import Package
from mlopsctl.demo.session import DemoStack, Installed, emulator_factories
from mlopsctl.local.errors import LocalStackError
from mlopsctl.local.runtime.stack import DEFAULT_TEMPLATE, LocalStack

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
LABELED_PREFIX = "labeled/"
MAX_FILES = 1000
"""Most files one run uploads (the training step copies at most this many per batch)."""


class UsageError(ValueError):
    """The command line cannot work: the message says why (exit code 2)."""


@dataclass(frozen=True)
class OwnDataOptions:
    """What ``--data`` runs on: the directory, the columns, the template, and whether to show the handlers' logs."""

    data: Path
    label_column: str = "label"
    feature_columns: str = "text"
    template: Path = DEFAULT_TEMPLATE
    verbose: bool = False


@dataclass
class OwnDataResult:
    """How the run ended and what it saw (the printed report, as data)."""

    uploaded: list[str] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)
    execution_status: str | None = None
    failure_reason: str | None = None
    package: Package | None = None
    deployment: str | None = None
    endpoint: str | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        """Every file accepted, and the endpoint serves the new model."""
        return not self.refused and self.deployment == "SUCCEEDED"


def data_files(directory: Path) -> list[Path]:
    """The files of ``directory`` to upload (recursively; hidden ones left out), in a stable order.

    Raises
    ------
    UsageError
        No such directory, or no file in it.
    """
    if not directory.is_dir():
        raise UsageError(f"--data {directory}: no such directory")
    files = sorted(
        p
        for p in directory.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(directory).parts)
    )
    if not files:
        raise UsageError(f"--data {directory}: no files in it (labeled CSV or JSON lines expected)")
    if len(files) > MAX_FILES:
        raise UsageError(f"--data {directory}: {len(files)} files, more than {MAX_FILES}; merge them")
    return files


def main(args: argparse.Namespace, quiet: Callable[..., AbstractContextManager[None]]) -> int:
    """The ``--data`` form of ``mlopsctl demo``; returns the exit code. ``quiet(verbose=…)`` mutes the handlers."""
    out = sys.stdout  # before ``quiet`` redirects it
    options = OwnDataOptions(
        data=args.data,
        label_column=args.label_column or "label",
        feature_columns=args.feature_columns or "text",
        template=args.template,
        verbose=args.verbose,
    )
    try:
        Columns.parse(options.label_column, options.feature_columns)
        files = data_files(options.data)
    except (UsageError, ValueError) as exc:
        sys.stderr.write(f"mlopsctl demo: error: {exc}\n")
        return EXIT_USAGE
    with quiet(verbose=options.verbose):
        result = run_own_data(options, files, out)
    return EXIT_OK if result.ok else EXIT_FAILED


def run_own_data(options: OwnDataOptions, files: list[Path], out: IO[str]) -> OwnDataResult:
    """Upload ``files`` to a fresh local stack and follow them to the endpoint; print as it goes; return the result."""
    write = out.write
    result = OwnDataResult()
    columns = Columns.parse(options.label_column, options.feature_columns)
    write(
        f"mlopsctl demo --data {options.data}: {len(files)} file(s) → labeled/ on a fresh local stack "
        f"(label column {columns.label}, feature columns {', '.join(columns.features)})\n"
    )
    parameters = {"LabelColumn": columns.label, "FeatureColumns": ",".join(columns.features)}
    installed = Installed()
    try:
        with LocalStack(options.template, parameters=parameters, emulators=emulator_factories({}, installed)) as stack:
            if installed.runner is None:
                raise LocalStackError("the SageMaker emulator did not start")
            _follow(DemoStack(stack, installed.runner, installed.alarm), options.data, files, result, write)
    except LocalStackError as exc:
        result.reason = f"the local stack could not start: {exc}"
    write(("ok: " if result.ok else "FAILED: ") + (result.reason or "deployed") + "\n")
    return result


def _follow(demo: DemoStack, root: Path, files: list[Path], result: OwnDataResult, write: Callable[[str], Any]) -> None:
    """Upload, then read what the system did at each stage (stopping at the first that did not happen)."""
    s3, data_bucket = demo.stack.client("s3"), demo.name("DataBucket")
    upload_step_code(s3, demo.name("ArtifactsBucket"), template_model(demo.stack.template.path))
    for path in files:
        key = LABELED_PREFIX + path.relative_to(root).as_posix()
        demo.stack.aws("s3", "put_object", Bucket=data_bucket, Key=key, Body=path.read_bytes(), settle=False)
        result.uploaded.append(key)
    demo.stack.settle()
    write(f"  uploaded     {len(result.uploaded)} file(s) to s3://{data_bucket}/{LABELED_PREFIX}\n")
    _read_refusals(demo, result, write)
    executions = demo.observe.executions(demo.name("TrainingPipeline"))
    if not executions:
        result.reason = _nothing_trained(result)
        return
    last = executions[-1]
    result.execution_status = str(last["PipelineExecutionStatus"])
    result.failure_reason = str(last.get("FailureReason") or "") or None
    run = next((r for r in demo.runner.runs if r.execution_arn == last["PipelineExecutionArn"]), None)
    steps = ", ".join(f"{s.name} {s.status}" for s in run.steps) if run else "not run"
    write(f"  pipeline     {result.execution_status} ({steps})\n")
    if result.execution_status != "Succeeded":
        result.reason = f"the training pipeline {result.execution_status}: {result.failure_reason or 'no reason given'}"
        return
    new = demo.observe.packages(demo.name("ModelPackageGroup"))
    if not new:
        result.reason = "the pipeline succeeded but registered no model package"
        return
    result.package = package = new[-1]
    metric = f"{package.metric} {package.metric_value}"
    write(f"  registered   {package.label} {package.status}, {metric} ({package.arn})\n")
    _deploy(demo, package, result, write)


def _read_refusals(demo: DemoStack, result: OwnDataResult, write: Callable[[str], Any]) -> None:
    for note in demo.stack.notifications():
        message = json.loads(note["Message"])
        if message.get("kind") == "data" and message.get("outcome") == "REFUSED":
            result.refused.extend(message.get("files") or [])
    accepted = len(result.uploaded) - len(result.refused)
    write(f"  arrival      {accepted} accepted, {len(result.refused)} refused\n")
    for refused in result.refused:
        write(f"    refused    {refused['key']}: {refused['reason']}: {refused['message']}\n")
    if result.refused:
        result.reason = f"{len(result.refused)} file(s) refused at arrival (see above)"


def _nothing_trained(result: OwnDataResult) -> str:
    if result.refused and len(result.refused) == len(result.uploaded):
        return f"nothing to train on: all {len(result.refused)} file(s) were refused at arrival"
    return "no training pipeline execution started (run with --verbose to see the handlers' logs)"


def _deploy(demo: DemoStack, package: Package, result: OwnDataResult, write: Callable[[str], Any]) -> None:
    """Approve the package as a user would; the system deploys it; read the ledger and the endpoint."""
    demo.stack.aws(
        "sagemaker",
        "update_model_package",
        ModelPackageArn=package.arn,
        ModelApprovalStatus="Approved",
        ApprovalDescription="approved by mlopsctl demo --data",
    )
    endpoint = demo.endpoint_name
    record = demo.observe.deployment_of(endpoint, package.arn)
    result.deployment = record.outcome.value if record else None
    serving = demo.observe.serving(endpoint)
    if serving is not None:
        result.endpoint = f"{endpoint} {serving.status}" + (
            f", serving {package.label}" if serving.package_arn == package.arn else ""
        )
    write(f"  approved     {package.label}: deployment {result.deployment or 'not recorded'}\n")
    write(f"  endpoint     {result.endpoint or endpoint + ': none'}\n")
    if result.deployment != "SUCCEEDED":
        reason = f" ({record.reason})" if record and record.reason else ""
        result.reason = f"the deployment of {package.label} ended {result.deployment or 'without a record'}{reason}"
    elif serving is None or serving.package_arn != package.arn:
        result.deployment = "NOT_SERVING"
        result.reason = f"the endpoint does not serve {package.label}"
