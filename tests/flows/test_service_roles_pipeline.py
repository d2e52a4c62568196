"""The training pipeline's roles as SageMaker Pipelines uses them, on the local stack: mutation tests.

An execution runs as ``TrainingPipelineRole`` (it creates the jobs and passes them ``SageMakerExecutionRole``, reads
the evaluation report, registers the model) and each job as ``SageMakerExecutionRole`` (image, logs, metrics, its
inputs and outputs); :mod:`mlopsctl.local.emulator.pipeline_access` checks them. Each test takes one grant out of a
copy of ``template.yaml``, starts one execution (the emulator's default runner: the steps do not really run, so the
tests stay cheap; ``test_service_roles_demo_runner`` covers the real runner) and shows the step that needs the grant
failing, and the execution with it, with the AccessDenied naming the action and the resource. With the project's
template every step succeeds (``test_every_step_runs_with_the_projects_roles``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mlopsctl.local.emulator import SageMakerEmulator
from mlopsctl.local.stack import DEFAULT_TEMPLATE, LocalStack
from tests.flows.template_copies import role_section, template_with, without_statement

pytestmark = pytest.mark.flow

ACCOUNT = "123456789012"
JOB_SESSION = "assumed-role/mlops-local-sagemakerexecutionrole/SageMaker"
PIPELINE_SESSION = "assumed-role/mlops-local-trainingpipelinerole/SageMaker"


def emulator(stack: LocalStack) -> SageMakerEmulator:
    return SageMakerEmulator(stack.clock.now, account_id=stack.template.account_id, region=stack.template.region)


def run_execution(template: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]], Callable[[str], str]]:
    """Start one execution on a labeling output manifest; its description, its steps by name, and a name lookup."""
    with LocalStack(template, emulators=[emulator]) as stack:
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


def test_every_step_runs_with_the_projects_roles() -> None:
    described, steps, _ = run_execution(DEFAULT_TEMPLATE)

    assert described["PipelineExecutionStatus"] == "Succeeded"
    assert {name: s["StepStatus"] for name, s in steps.items()} == dict.fromkeys(
        ("Preprocess", "Train", "Evaluate", "QualityGate", "RegisterModel"), "Succeeded"
    )


PIPELINE_ROLE_CASES = [
    (
        "RunPipelineJobs",
        "Preprocess",
        "sagemaker:CreateProcessingJob",
        f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:processing-job/pipelines-{{execution}}-preprocess",
    ),
    ("PassExecutionRoleToJobs", "Preprocess", "iam:PassRole", "{SageMakerExecutionRoleArn}"),
    (
        "ReadEvaluationReports",
        "QualityGate",
        "s3:GetObject",
        "arn:aws:s3:::{ArtifactsBucket}/pipelines/runs/{execution}/evaluation/evaluation.json",
    ),
]
JOB_ROLE_CASES = [
    ("GetRegistryToken", "Preprocess", "ecr:GetAuthorizationToken", "*"),
    (
        "PullJobImage",
        "Preprocess",
        "ecr:BatchCheckLayerAvailability",
        "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-scikit-learn",
    ),
    (
        "WriteJobLogGroups",
        "Preprocess",
        "logs:CreateLogGroup",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/sagemaker/ProcessingJobs",
    ),
    (
        "WriteJobLogStreams",
        "Preprocess",
        "logs:CreateLogStream",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/sagemaker/ProcessingJobs:log-stream:pipelines-",
    ),
    ("PutJobMetrics", "Preprocess", "cloudwatch:PutMetricData", "*"),
    ("LocateBuckets", "Preprocess", "s3:ListBucket", "arn:aws:s3:::{DataBucket}"),
    (
        "ReadTrainingData",
        "Preprocess",
        "s3:GetObject",
        "arn:aws:s3:::{DataBucket}/labeling-output/job-1/manifests/output/output.manifest",
    ),
    ("UseStackKey", "Preprocess", "kms:Decrypt", "{MlopsKeyArn}"),
    (
        "ReadWritePipelineArtifacts",
        "Preprocess",
        "s3:GetObject",
        "arn:aws:s3:::{ArtifactsBucket}/pipelines/code/",
    ),
]


@pytest.mark.parametrize(("statement", "step", "action", "resource"), PIPELINE_ROLE_CASES)
def test_a_step_fails_when_the_pipeline_role_lacks_a_grant_pipelines_uses(
    tmp_path: Path, statement: str, step: str, action: str, resource: str
) -> None:
    template = template_with(tmp_path, without_statement("TrainingPipelineRole", statement))

    described, steps, names = run_execution(template)

    _assert_denied(
        described, steps, step, f"{PIPELINE_SESSION} is not authorized to perform: {action}", names(resource)
    )


@pytest.mark.parametrize(("statement", "step", "action", "resource"), JOB_ROLE_CASES)
def test_a_step_fails_when_the_job_role_lacks_a_grant_its_job_uses(
    tmp_path: Path, statement: str, step: str, action: str, resource: str
) -> None:
    template = template_with(tmp_path, without_statement("SageMakerExecutionRole", statement))

    described, steps, names = run_execution(template)

    denial = f"{JOB_SESSION} is not authorized to perform: {action}"
    _assert_denied(described, steps, step, denial, names(resource))


@pytest.mark.parametrize(
    ("kept", "denied"),
    [
        ("model-package/${ModelPackageGroupName}/*", "model-package-group/{ModelPackageGroup}"),
        ("model-package-group/${ModelPackageGroupName}", "model-package/{ModelPackageGroup}/*"),
    ],
)
def test_registering_needs_create_model_package_on_the_group_and_on_its_versions(
    tmp_path: Path, kept: str, denied: str
) -> None:
    section = role_section("TrainingPipelineRole")
    lines = section.splitlines(keepends=True)
    resource = next(
        line
        for line in lines
        if "sagemaker:${AWS::Region}:${AWS::AccountId}:model-package" in line and kept not in line
    )
    template = template_with(tmp_path, (section, section.replace(resource, "", 1)))

    described, steps, names = run_execution(template)

    arn = names(f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:{denied}")
    _assert_denied(described, steps, "RegisterModel", f"{PIPELINE_SESSION} is not authorized to perform: "
                   "sagemaker:CreateModelPackage", arn)  # fmt: skip


@pytest.mark.parametrize("role", ["TrainingPipelineRole", "SageMakerExecutionRole"])
def test_an_execution_fails_when_sagemaker_may_not_assume_its_roles(tmp_path: Path, role: str) -> None:
    section = role_section(role)
    foreign = section.replace("aws:SourceAccount: !Ref AWS::AccountId", 'aws:SourceAccount: "111122223333"', 1)

    described, steps, _ = run_execution(template_with(tmp_path, (section, foreign)))

    role_arn = f"arn:aws:iam::{ACCOUNT}:role/mlops-local-{role.lower()}"
    _assert_denied(described, steps, "Preprocess", "is not authorized to perform: sts:AssumeRole", role_arn)


def _assert_denied(
    described: dict[str, Any], steps: dict[str, dict[str, Any]], step: str, denial: str, arn: str
) -> None:
    assert described["PipelineExecutionStatus"] == "Failed"
    assert steps[step]["StepStatus"] == "Failed", {name: s["StepStatus"] for name, s in steps.items()}
    reason = steps[step]["FailureReason"]
    assert denial in reason, reason
    assert f"on resource: {arn}" in reason, reason
    assert step in described["FailureReason"]
    assert [name for name, s in steps.items() if s["StepStatus"] != "Succeeded"] == [step]
