"""The labeling role as Ground Truth uses it, on the local stack: mutation tests.

Ground Truth does a labeling job's work as the job's ``RoleArn`` (``LabelingRole``): it reads the label categories, the
input manifest, the worker task template and every ``source-ref`` object, writes the output manifest, its logs and its
metrics (:mod:`mlopsctl.local.emulators.sagemaker.labeling_driver`). Each test takes one statement out of the running
stack's view of the role (:func:`~tests.support.template_copies.statement_removed`; the edits that need a template of
their own are in ``test_service_roles_labeling_copies``), drops tickets as a user would and shows the labeling job
``Failed`` with the AccessDenied, its action and its resource as ``FailureReason``, and no training started. With the
project's template the job completes (``test_the_projects_labeling_role_labels_and_starts_training``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mlopsctl.local.runtime.stack import DEFAULT_TEMPLATE, LocalStack
from tests.support.labeling_roles import ACCOUNT, DATA, PARAMETERS, assert_failed, emulator, label_tickets
from tests.support.template_copies import statement_removed

# These tests take grants away on purpose: the denials they cause are what they assert.
pytestmark = [pytest.mark.flow, pytest.mark.iam_denials]


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    """One stack for the module; each test drops tickets of its own (a batch and a labeling job of their own)."""
    with LocalStack(DEFAULT_TEMPLATE, parameters=PARAMETERS, emulators=[emulator]) as running:
        yield running


def test_the_projects_labeling_role_labels_and_starts_training(stack: LocalStack) -> None:
    job, started = label_tickets(stack)

    assert (job["LabelingJobStatus"], started) == ("Completed", 1)


@pytest.mark.parametrize(
    ("statement", "action", "resource"),
    [
        ("WriteLabelingOutput", "s3:PutObject", f"{DATA}/labeling-output/"),
        ("UseStackKey", "kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/"),
        ("WriteLabelingJobLogs", "logs:CreateLogGroup", f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/sagemaker/"),
        ("PutLabelingJobMetrics", "cloudwatch:PutMetricData", "*"),
    ],
)
def test_the_labeling_job_fails_when_its_role_lacks_a_grant_ground_truth_uses(
    stack: LocalStack, statement: str, action: str, resource: str
) -> None:
    with statement_removed(stack, "LabelingRole", statement):
        job, started = label_tickets(stack)

    assert_failed(job, started, action, resource)
