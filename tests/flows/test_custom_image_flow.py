"""A model in your own ECR image (``model.json``'s ``image.uri``): the jobs' role may pull it only from the repository
the stack's ``CustomImageRepositoryArn`` names.

The template is deployed with a definition whose every job and model runs ``<account>.dkr.ecr.<region>.<suffix>/
my-model:1.0`` (the text model's definition with that image, as ``make pipeline`` writes it for a ``model.json``
naming it: ``tests/pipelines/sdk/test_bring_your_own_model.py`` checks that part). Without the parameter the first
job fails pulling it, as AWS fails it; with it, every step runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlopsctl.local.runtime.stack import LocalStack
from pipelines.placeholders import SKLEARN_IMAGE_URI
from pipelines.template_block import replace_block
from tests.support.pipeline_roles import JOB_SESSION, Execution, assert_denied, emulator, execute
from tests.support.template_copies import ROOT, template_with

pytestmark = [pytest.mark.flow, pytest.mark.iam_denials]

CUSTOM_IMAGE = "${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/my-model:1.0"
REPOSITORY = "arn:aws:ecr:us-east-1:123456789012:repository/my-model"


def custom_image_template(tmp_path: Path) -> Path:
    """The project's template with the text model's definition running the custom image."""
    definition = (ROOT / "pipelines" / "generated" / "text.json").read_text(encoding="utf-8")
    assert definition.count(SKLEARN_IMAGE_URI) == 4  # preprocess, train, evaluate and the registered model
    template = template_with(tmp_path)
    text = replace_block(
        template.read_text(encoding="utf-8"), "text", definition.replace(SKLEARN_IMAGE_URI, CUSTOM_IMAGE)
    )
    template.write_text(text, encoding="utf-8")
    return template


def execute_on(template: Path, parameters: dict[str, str]) -> Execution:
    with LocalStack(template, parameters=parameters, emulators=[emulator]) as stack:
        return execute(stack)


def test_without_custom_image_repository_arn_the_first_job_cannot_pull_the_image(tmp_path: Path) -> None:
    described, steps, names = execute_on(custom_image_template(tmp_path), {})

    denial = f"{JOB_SESSION} is not authorized to perform: ecr:BatchCheckLayerAvailability"
    assert_denied(described, steps, "Preprocess", denial, names(REPOSITORY))


def test_with_custom_image_repository_arn_every_step_runs_the_custom_image(tmp_path: Path) -> None:
    described, steps, _ = execute_on(custom_image_template(tmp_path), {"CustomImageRepositoryArn": REPOSITORY})

    assert described["PipelineExecutionStatus"] == "Succeeded", described.get("FailureReason")
    assert {name: s["StepStatus"] for name, s in steps.items()} == dict.fromkeys(
        ("Preprocess", "Train", "Evaluate", "QualityGate", "RegisterModel"), "Succeeded"
    )


def test_another_repository_does_not_let_the_jobs_pull_this_one(tmp_path: Path) -> None:
    other = "arn:aws:ecr:us-east-1:123456789012:repository/someone-else"
    described, steps, names = execute_on(custom_image_template(tmp_path), {"CustomImageRepositoryArn": other})

    denial = f"{JOB_SESSION} is not authorized to perform: ecr:BatchCheckLayerAvailability"
    assert_denied(described, steps, "Preprocess", denial, names(REPOSITORY))
