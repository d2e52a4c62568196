"""The real pipeline runner: the project's pipeline definition and step scripts run on moto, driven by the emulator.

No template, no handlers: moto, the SageMaker emulator and :class:`StepScriptPipelineRunner`, fed as Ground Truth
would feed the pipeline (an output manifest whose ``source-ref`` objects are in S3).
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import joblib
import pytest
from moto import mock_aws

from mlopsctl.demo.artifacts import ticket_objects, upload_step_code
from mlopsctl.local.emulators.pipelines.container import ContainerAccess
from mlopsctl.local.emulators.pipelines.runner import StepScriptPipelineRunner
from mlopsctl.local.emulators.sagemaker import GoldLabelWorkforce, SageMakerEmulator
from mlopsctl.local.emulators.sagemaker.harness import settle
from mlopsctl.local.emulators.sagemaker.labeling import label_items
from mlopsctl.local.runtime.clock import VirtualClock
from pipelines.placeholders import render
from pipelines.spec import load_spec

pytestmark = pytest.mark.flow

ROOT = Path(__file__).resolve().parents[2]
REGION, ACCOUNT = "us-east-1", "123456789012"
ARTIFACTS, DATA, GROUP, PIPELINE = "artifacts", "data", "tickets", "training"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker-execution"


@dataclass
class World:
    sagemaker: Any
    s3: Any
    emulator: SageMakerEmulator
    runner: StepScriptPipelineRunner
    clock: VirtualClock
    manifest_uri: str

    def execute(self, pipeline: str = PIPELINE, **parameters: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Start an execution with ``parameters``, run it to the end; its description and the events emitted."""
        params = {"InputManifestUri": self.manifest_uri, "LabelingJobName": "job-1", "DataBatchId": "batch-1"}
        params.update(parameters)
        arn = self.sagemaker.start_pipeline_execution(
            PipelineName=pipeline,
            PipelineParameters=[{"Name": k, "Value": v} for k, v in params.items()],
        )["PipelineExecutionArn"]
        events = settle(self.emulator, self.clock)
        return self.sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn), events


def definition(artifacts_bucket: str) -> str:
    """The project's pipeline definition, rendered as the template renders it."""
    return render(
        (ROOT / "pipelines" / "generated" / "text.json").read_text(encoding="utf-8"),
        {
            "ArtifactsBucketName": artifacts_bucket,
            "DataBucketName": DATA,
            "ModelPackageGroupName": GROUP,
            "SageMakerExecutionRoleArn": ROLE,
            "SklearnImageAccount": "683313688378",
            "AWS::Region": REGION,
            "AWS::URLSuffix": "amazonaws.com",
        },
    )


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """One moto world for the module (pipeline runs take a second each): shared, so tests count what *they* add."""
    with mock_aws():
        sagemaker, s3 = boto3.client("sagemaker", region_name=REGION), boto3.client("s3", region_name=REGION)
        for bucket in (ARTIFACTS, DATA, "empty-artifacts", "elsewhere"):
            s3.create_bucket(Bucket=bucket)
        upload_step_code(s3, ARTIFACTS)
        sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
        sagemaker.create_pipeline(PipelineName=PIPELINE, PipelineDefinition=definition(ARTIFACTS), RoleArn=ROLE)
        sagemaker.create_pipeline(
            PipelineName="no-code", PipelineDefinition=definition("empty-artifacts"), RoleArn=ROLE
        )
        manifest_uri = ground_truth_output(s3)
        clock = VirtualClock(datetime(2025, 3, 1, tzinfo=UTC))
        runner = StepScriptPipelineRunner(
            lambda service: boto3.client(service, region_name=REGION), access=ContainerAccess(region=REGION)
        )
        emulator = SageMakerEmulator(clock=clock, account_id=ACCOUNT, region=REGION, pipeline_runner=runner)
        emulator.install()
        try:
            yield World(sagemaker, s3, emulator, runner, clock, manifest_uri)
        finally:
            emulator.uninstall()


def ground_truth_output(s3: Any) -> str:
    """150 tickets as ``.txt`` objects and the output manifest a Ground Truth job would write for them."""
    drop = ticket_objects(150, seed=20240611)
    items = []
    for name, body in drop.objects.items():
        s3.put_object(Bucket=DATA, Key=f"incoming/{name}", Body=body)
        items.append({"source-ref": f"s3://{DATA}/incoming/{name}"})
    result = label_items(
        job_name="job-1",
        attribute="job-1",
        kind="text-classification",
        labels=list(drop.labels),
        items=items,
        workforce=GoldLabelWorkforce(drop.gold),
        now=datetime(2025, 3, 1, tzinfo=UTC),
    )
    key = "labeling-output/job-1/manifests/output/output.manifest"
    s3.put_object(Bucket=DATA, Key=key, Body="".join(json.dumps(line) + "\n" for line in result.lines).encode())
    return f"s3://{DATA}/{key}"


@pytest.fixture(scope="module")
def good(world: World) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """One execution with the default parameters: its description, its events, the package it registered."""
    execution, events = world.execute()
    run = world.runner.runs[-1]
    assert run.model_package_arn is not None, [(s.name, s.failure_reason) for s in run.steps]
    package = world.sagemaker.describe_model_package(ModelPackageName=run.model_package_arn)
    return execution, events, package


def package_count(world: World) -> int:
    return len(world.sagemaker.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"])


def read_json(s3: Any, uri: str) -> Any:
    bucket, key = uri[5:].split("/", 1)
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def test_a_good_model_is_registered_pending_approval_with_its_real_metrics_and_lineage(world: World, good: Any) -> None:
    execution, events, package = good

    assert execution["PipelineExecutionStatus"] == "Succeeded"
    assert package["ModelApprovalStatus"] == "PendingManualApproval"
    report = read_json(world.s3, package["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"])
    macro_f1 = report["multiclass_classification_metrics"]["macro_f1"]["value"]
    assert macro_f1 >= load_spec("text").gate.threshold  # it passed the gate at its default threshold
    assert report["dataset"]["labels"] == sorted(["billing", "technical", "account", "shipping", "returns"])
    lineage = package["CustomerMetadataProperties"]
    assert lineage["GateMetric"] == "macro_f1"
    assert lineage["GateMetricValue"] == str(macro_f1)
    assert lineage["LabelingJobName"] == "job-1"
    assert lineage["DataBatchId"] == "batch-1"
    assert lineage["InputManifestUri"] == world.manifest_uri
    assert lineage["PipelineExecutionArn"] == execution["PipelineExecutionArn"]
    assert package["MetadataProperties"]["GeneratedBy"] == execution["PipelineExecutionArn"]
    detail_types = [e["detail-type"] for e in events]
    assert "SageMaker Model Package State Change" in detail_types
    assert detail_types[-1] == "SageMaker Model Building Pipeline Execution Status Change"


def test_the_registered_model_artifact_is_the_trained_classifier(world: World, good: Any) -> None:
    container = good[2]["InferenceSpecification"]["Containers"][0]
    bucket, key = container["ModelDataUrl"][5:].split("/", 1)
    archive = world.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        names = set(tar.getnames())
        model = joblib.load(io.BytesIO(tar.extractfile("model.joblib").read()))  # type: ignore[union-attr]
    assert {"model.joblib", "code/inference.py"} <= names
    (label,) = model.predict(["I was charged twice on my invoice, please refund the payment"])
    assert label in {"billing", "technical", "account", "shipping", "returns"}


def test_steps_are_listed_with_the_jobs_they_ran_and_training_reports_its_validation_metric(
    world: World, good: Any
) -> None:
    steps = world.sagemaker.list_pipeline_execution_steps(
        PipelineExecutionArn=good[0]["PipelineExecutionArn"], SortOrder="Ascending"
    )["PipelineExecutionSteps"]
    assert [(s["StepName"], s["StepStatus"]) for s in steps] == [
        ("Preprocess", "Succeeded"),
        ("Train", "Succeeded"),
        ("Evaluate", "Succeeded"),
        ("QualityGate", "Succeeded"),
        ("RegisterModel", "Succeeded"),
    ]
    training_arn = steps[1]["Metadata"]["TrainingJob"]["Arn"]
    job = world.sagemaker.describe_training_job(TrainingJobName=training_arn.rsplit("/", 1)[-1])
    metrics = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
    assert 0.0 <= metrics["validation:macro_f1"] <= 1.0
    assert steps[3]["Metadata"]["Condition"]["Outcome"] == "True"
    run = next(r for r in world.runner.runs if r.execution_arn == good[0]["PipelineExecutionArn"])
    assert all(s.wall_seconds > 0 for s in run.steps)
    assert any("validation:macro_f1=" in line for line in run.steps[1].logs)


def test_a_threshold_above_the_measured_metric_fails_the_execution_and_registers_nothing(
    world: World, good: Any
) -> None:
    report = read_json(world.s3, good[2]["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"])
    above = round(report["multiclass_classification_metrics"]["macro_f1"]["value"] + 0.01, 6)
    before = package_count(world)

    execution, _ = world.execute(QualityGateThreshold=str(above))

    assert execution["PipelineExecutionStatus"] == "Failed"
    assert "QualityGateFailed: Model rejected by the quality gate: test macro_f1" in execution["FailureReason"]
    assert execution["FailureReason"].endswith(f"< {above}")
    assert package_count(world) == before


def test_a_step_script_that_cannot_use_its_input_fails_its_step_with_the_scripts_reason(world: World) -> None:
    world.s3.put_object(Bucket=DATA, Key="bad/only-one-class.jsonl", Body=b'{"text": "hello there", "label": "x"}\n')

    execution, _ = world.execute(InputManifestUri=f"s3://{DATA}/bad/")

    assert execution["PipelineExecutionStatus"] == "Failed"
    assert "Preprocess: AlgorithmError: preprocess failed: need at least 2 classes" in execution["FailureReason"]
    steps = world.sagemaker.list_pipeline_execution_steps(PipelineExecutionArn=execution["PipelineExecutionArn"])
    assert [s["StepName"] for s in steps["PipelineExecutionSteps"]] == ["Preprocess"]
    job = steps["PipelineExecutionSteps"][0]["Metadata"]["ProcessingJob"]["Arn"].rsplit("/", 1)[-1]
    assert world.sagemaker.describe_processing_job(ProcessingJobName=job)["ProcessingJobStatus"] == "Failed"


def test_missing_step_code_fails_the_first_step_saying_what_is_missing(world: World) -> None:
    execution, _ = world.execute("no-code")

    assert execution["PipelineExecutionStatus"] == "Failed"
    assert "Preprocess: ClientError: No S3 objects found under S3 URL" in execution["FailureReason"]
    assert "empty-artifacts/pipelines/code/" in execution["FailureReason"]


@pytest.mark.parametrize(
    "foreign",
    [
        "s3://elsewhere/secret.txt",  # another bucket
        f"s3://{DATA}/manifests/secret.txt",  # our bucket, outside incoming/ and labeled/
        f"s3://{DATA}/incoming",  # no object under a prefix: the prefix itself, without its slash
    ],
)
def test_a_labeled_manifest_naming_an_object_outside_the_stacks_data_fails_preprocess_unread(
    world: World, foreign: str
) -> None:
    bucket, key = foreign[5:].split("/", 1)
    world.s3.put_object(Bucket=bucket, Key=key, Body=b"the secret the manifest points at")
    manifest = world.s3.get_object(Bucket=DATA, Key=world.manifest_uri[len(f"s3://{DATA}/") :])["Body"].read()
    lines = manifest.decode().splitlines()
    poisoned = json.loads(lines[0]) | {"source-ref": foreign}
    world.s3.put_object(
        Bucket=DATA, Key="poisoned/output.manifest", Body="\n".join([json.dumps(poisoned), *lines[1:]]).encode()
    )
    before = package_count(world)

    execution, _ = world.execute(InputManifestUri=f"s3://{DATA}/poisoned/")

    assert execution["PipelineExecutionStatus"] == "Failed"
    assert f"source-ref '{foreign}' is outside the stack's data" in execution["FailureReason"]
    assert f"s3://{DATA}/incoming/, s3://{DATA}/labeled/" in execution["FailureReason"]
    assert package_count(world) == before
