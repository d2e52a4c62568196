"""The labeling role on copies of ``template.yaml``: the edits that need a template (or parameters) of their own.

The companion of :mod:`tests.flows.test_service_roles_labeling` (same flow, same checks): a statement taken out of
the template itself, one resource of a statement (the ``source-ref`` objects), the custom worker template (another
parameter value) and the trust policy's ``aws:SourceAccount``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mlopsctl.local.runtime.stack import LocalStack
from tests.support.labeling_roles import ACCOUNT, DATA, PARAMETERS, assert_failed, emulator, label_tickets
from tests.support.template_copies import role_section, template_with, without_statement

# These tests take grants away on purpose: the denials they cause are what they assert.
pytestmark = [pytest.mark.flow, pytest.mark.iam_denials]


def label_on(template: Path, parameters: dict[str, str] | None = None) -> tuple[dict[str, Any], int]:
    with LocalStack(template, parameters={**PARAMETERS, **(parameters or {})}, emulators=[emulator]) as stack:
        return label_tickets(stack)


def test_without_read_data_and_manifests_the_labeling_job_cannot_read_its_label_categories(tmp_path: Path) -> None:
    job, started = label_on(template_with(tmp_path, without_statement("LabelingRole", "ReadDataAndManifests")))

    assert_failed(job, started, "s3:GetObject", f"{DATA}/manifests/")
    assert "reading the label category configuration" in job["FailureReason"]


def test_ground_truth_reads_each_source_ref_object_with_the_labeling_role(tmp_path: Path) -> None:
    section = role_section("LabelingRole")
    incoming = '                  - !Sub "${DataBucket.Arn}/incoming/*"\n'

    job, started = label_on(template_with(tmp_path, (section, section.replace(incoming, "", 1))))

    assert_failed(job, started, "s3:GetObject", f"{DATA}/incoming/d")
    assert "the data object s3://mlops-local-databucket/incoming/" in job["FailureReason"]


def test_ground_truth_reads_a_custom_worker_template_with_the_labeling_role(tmp_path: Path) -> None:
    template = template_with(tmp_path, without_statement("LabelingRole", "ReadLabelingUiTemplates"))
    ui = "s3://mlops-local-artifactsbucket/labeling-ui/tickets.liquid.html"

    job, started = label_on(template, {"LabelingUiTemplateS3Uri": ui})

    assert_failed(job, started, "s3:GetObject", "arn:aws:s3:::mlops-local-artifactsbucket/labeling-ui/tickets")


def test_the_labeling_job_fails_when_ground_truth_may_not_assume_its_role(tmp_path: Path) -> None:
    section = role_section("LabelingRole")
    foreign = section.replace("aws:SourceAccount: !Ref AWS::AccountId", 'aws:SourceAccount: "111122223333"', 1)

    job, started = label_on(template_with(tmp_path, (section, foreign)))

    assert_failed(job, started, "sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/mlops-local-labelingrole")
