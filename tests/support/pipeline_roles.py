"""The training pipeline's roles on the local stack: one execution started, and the step a missing grant fails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from mlopsctl.local.runtime.stack import LocalStack

ACCOUNT = "123456789012"
JOB_SESSION = "assumed-role/mlops-local-sagemakerexecutionrole/SageMaker"
PIPELINE_SESSION = "assumed-role/mlops-local-trainingpipelinerole/SageMaker"


def emulator(stack: LocalStack) -> SageMakerEmulator:
    return SageMakerEmulator(stack.clock.now, account_id=stack.template.account_id, region=stack.template.region)


Execution = tuple[dict[str, Any], dict[str, dict[str, Any]], Callable[[str], str]]


def execute(stack: LocalStack) -> Execution:
    """Start one execution on a labeling output manifest; its description, its steps by name, and a name lookup."""
    manifest = f"s3://{stack.physical_name('DataBucket')}/labeling-output/job-1/manifests/output/output.manifest"
    arn = stack.aws(
        "sagemaker",
        "start_pipeline_execution",
        PipelineName=stack.physical_name("TrainingPipeline"),
        PipelineParameters=[{"Name": "InputManifestUri", "Value": manifest}],
    )["PipelineExecutionArn"]
    sagemaker = stack.client("sagemaker")
    described = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)
    steps = sagemaker.list_pipeline_execution_steps(PipelineExecutionArn=arn)["PipelineExecutionSteps"]
    names = {"execution": arn.rsplit("/", 1)[-1]}
    names.update({lid: stack.physical_name(lid) for lid in ("ArtifactsBucket", "DataBucket", "ModelPackageGroup")})
    names.update({f"{lid}Arn": stack.arn(lid) for lid in ("SageMakerExecutionRole", "MlopsKey")})
    return described, {s["StepName"]: s for s in steps}, lambda text: text.format(**names)


CREATE_JOB = (
    "Preprocess",
    "sagemaker:CreateProcessingJob",
    f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:processing-job/pipelines-{{execution}}-preprocess",
)
PULL_IMAGE = (
    "Preprocess",
    "ecr:BatchCheckLayerAvailability",
    "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-scikit-learn",
)


def assert_denied(
    described: dict[str, Any], steps: dict[str, dict[str, Any]], step: str, denial: str, arn: str
) -> None:
    assert described["PipelineExecutionStatus"] == "Failed"
    assert steps[step]["StepStatus"] == "Failed", {name: s["StepStatus"] for name, s in steps.items()}
    reason = steps[step]["FailureReason"]
    assert denial in reason, reason
    assert f"on resource: {arn}" in reason, reason
    assert step in described["FailureReason"]
    assert [name for name, s in steps.items() if s["StepStatus"] != "Succeeded"] == [step]
