"""The training pipeline's roles on copies of ``template.yaml``: one grant (or trust condition) taken out each.

The companion of :mod:`tests.flows.test_service_roles_pipeline` (same flow, same checks) for the edits that need a
template of their own: a statement of each role, ``sagemaker:CreateModelPackage`` on the group and on its versions,
and the trust policies' ``aws:SourceAccount``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlopsctl.local.runtime.stack import LocalStack
from tests.support.pipeline_roles import (
    ACCOUNT,
    CREATE_JOB,
    JOB_SESSION,
    PIPELINE_SESSION,
    PULL_IMAGE,
    Execution,
    assert_denied,
    emulator,
    execute,
)
from tests.support.template_copies import role_section, template_with, without_statement

# These tests take grants away on purpose: the denials they cause are what they assert.
pytestmark = [pytest.mark.flow, pytest.mark.iam_denials]


def execute_on(template: Path) -> Execution:
    """One execution on a stack of ``template``."""
    with LocalStack(template, emulators=[emulator]) as stack:
        return execute(stack)


def test_without_run_pipeline_jobs_in_a_copy_of_the_template_the_first_step_fails(tmp_path: Path) -> None:
    described, steps, names = execute_on(
        template_with(tmp_path, without_statement("TrainingPipelineRole", "RunPipelineJobs"))
    )

    step, action, resource = CREATE_JOB
    assert_denied(described, steps, step, f"{PIPELINE_SESSION} is not authorized to perform: {action}", names(resource))


def test_without_pull_job_image_in_a_copy_of_the_template_the_first_step_fails(tmp_path: Path) -> None:
    described, steps, names = execute_on(
        template_with(tmp_path, without_statement("SageMakerExecutionRole", "PullJobImage"))
    )

    step, action, resource = PULL_IMAGE
    assert_denied(described, steps, step, f"{JOB_SESSION} is not authorized to perform: {action}", names(resource))


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

    described, steps, names = execute_on(template)

    arn = names(f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:{denied}")
    assert_denied(described, steps, "RegisterModel", f"{PIPELINE_SESSION} is not authorized to perform: "
                   "sagemaker:CreateModelPackage", arn)  # fmt: skip


@pytest.mark.parametrize("role", ["TrainingPipelineRole", "SageMakerExecutionRole"])
def test_an_execution_fails_when_sagemaker_may_not_assume_its_roles(tmp_path: Path, role: str) -> None:
    section = role_section(role)
    foreign = section.replace("aws:SourceAccount: !Ref AWS::AccountId", 'aws:SourceAccount: "111122223333"', 1)

    described, steps, _ = execute_on(template_with(tmp_path, (section, foreign)))

    role_arn = f"arn:aws:iam::{ACCOUNT}:role/mlops-local-{role.lower()}"
    assert_denied(described, steps, "Preprocess", "is not authorized to perform: sts:AssumeRole", role_arn)
