"""The training pipeline's roles as SageMaker Pipelines uses them, on the local stack: mutation tests.

An execution runs as ``TrainingPipelineRole`` (it creates the jobs and passes them ``SageMakerExecutionRole``, reads the
evaluation report, registers the model) and each job as ``SageMakerExecutionRole`` (image, logs, metrics, its inputs and
outputs); :mod:`mlopsctl.local.emulators.sagemaker.pipeline_access` checks them. Each test takes one statement out of
the running stack's view of a role (:func:`~tests.support.template_copies.statement_removed`; the edits that need a
template of their own are in ``test_service_roles_pipeline_copies``), starts one execution (the emulator's default
runner: the steps do not really run, so the tests stay cheap; ``test_service_roles_demo_runner`` covers the real runner)
and shows the step that needs the grant failing, and the execution with it, with the AccessDenied naming the action and
the resource. With the project's template every step succeeds (``test_every_step_runs_with_the_projects_roles``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mlopsctl.local.runtime.stack import DEFAULT_TEMPLATE, LocalStack
from tests.support.pipeline_roles import (
    ACCOUNT,
    CREATE_JOB,
    JOB_SESSION,
    PIPELINE_SESSION,
    PULL_IMAGE,
    assert_denied,
    emulator,
    execute,
)
from tests.support.template_copies import statement_removed

# These tests take grants away on purpose: the denials they cause are what they assert.
pytestmark = [pytest.mark.flow, pytest.mark.iam_denials]


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    """One stack of the project's template for the module; each test starts an execution of its own."""
    with LocalStack(DEFAULT_TEMPLATE, emulators=[emulator]) as running:
        yield running


def test_every_step_runs_with_the_projects_roles(stack: LocalStack) -> None:
    described, steps, _ = execute(stack)

    assert described["PipelineExecutionStatus"] == "Succeeded"
    assert {name: s["StepStatus"] for name, s in steps.items()} == dict.fromkeys(
        ("Preprocess", "Train", "Evaluate", "QualityGate", "RegisterModel"), "Succeeded"
    )


PIPELINE_ROLE_CASES = [
    ("RunPipelineJobs", *CREATE_JOB),
    ("PassExecutionRoleToJobs", "Preprocess", "iam:PassRole", "{SageMakerExecutionRoleArn}"),
    (
        "ReadEvaluationReports",
        "QualityGate",
        "s3:GetObject",
        "arn:aws:s3:::{ArtifactsBucket}/pipelines/runs/{execution}/evaluation/evaluation.json",
    ),
    ("UseStackKey", "QualityGate", "kms:Decrypt", "{MlopsKeyArn}"),
]
JOB_ROLE_CASES = [
    ("GetRegistryToken", "Preprocess", "ecr:GetAuthorizationToken", "*"),
    ("PullJobImage", *PULL_IMAGE),
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
    ("ReadWritePipelineArtifacts", "Preprocess", "s3:GetObject", "arn:aws:s3:::{ArtifactsBucket}/pipelines/code/"),
]


@pytest.mark.parametrize(("statement", "step", "action", "resource"), PIPELINE_ROLE_CASES)
def test_a_step_fails_when_the_pipeline_role_lacks_a_grant_pipelines_uses(
    stack: LocalStack, statement: str, step: str, action: str, resource: str
) -> None:
    with statement_removed(stack, "TrainingPipelineRole", statement):
        described, steps, names = execute(stack)

    denial = f"{PIPELINE_SESSION} is not authorized to perform: {action}"
    assert_denied(described, steps, step, denial, names(resource))


@pytest.mark.parametrize(("statement", "step", "action", "resource"), JOB_ROLE_CASES)
def test_a_step_fails_when_the_job_role_lacks_a_grant_its_job_uses(
    stack: LocalStack, statement: str, step: str, action: str, resource: str
) -> None:
    with statement_removed(stack, "SageMakerExecutionRole", statement):
        described, steps, names = execute(stack)

    denial = f"{JOB_SESSION} is not authorized to perform: {action}"
    assert_denied(described, steps, step, denial, names(resource))
