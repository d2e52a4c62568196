"""The labeling role as Ground Truth uses it, on the local stack: mutation tests.

Ground Truth does a labeling job's work as the job's ``RoleArn`` (``LabelingRole``): it reads the label categories,
the input manifest, the worker task template and every ``source-ref`` object, writes the output manifest, its logs
and its metrics (:mod:`mlopsctl.local.emulators.sagemaker.labeling_driver`). Each test takes one statement out of the
running
stack's view of the role (:func:`~tests.flows.template_copies.statement_removed`; the edits that need a template of
their own are in ``test_service_roles_labeling_copies``), drops tickets as a user would and shows the labeling job
``Failed`` with the AccessDenied, its action and its resource as ``FailureReason``, and no training started. With the
project's template the job completes (``test_the_projects_labeling_role_labels_and_starts_training``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from mlopsctl.local.emulators.sagemaker import GoldLabelWorkforce, SageMakerEmulator
from mlopsctl.local.runtime.stack import DEFAULT_TEMPLATE, LocalStack
from tests.flows.template_copies import statement_removed

# These tests take grants away on purpose: the denials they cause are what they assert.
pytestmark = [pytest.mark.flow, pytest.mark.iam_denials]

ACCOUNT = "123456789012"
WORKTEAM = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:workteam/private-crowd/labelers"
PARAMETERS = {"LabelingBackend": "groundtruth", "LabelingWorkteamArn": WORKTEAM, "LabelingLabels": "billing,technical"}
SESSION = "assumed-role/mlops-local-labelingrole/SageMaker"
DATA = "arn:aws:s3:::mlops-local-databucket"
_drops = itertools.count(1)


def emulator(stack: LocalStack) -> SageMakerEmulator:
    workforce = GoldLabelWorkforce(default="technical")
    return SageMakerEmulator(stack.clock.now, stack.template.account_id, stack.template.region, workforce)


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    """One stack for the module; each test drops tickets of its own (a batch and a labeling job of their own)."""
    with LocalStack(DEFAULT_TEMPLATE, parameters=PARAMETERS, emulators=[emulator]) as running:
        yield running


def label_tickets(stack: LocalStack) -> tuple[dict[str, Any], int]:
    """Drop two new tickets; their labeling job as described, and how many executions that started."""
    sagemaker = stack.client("sagemaker")
    pipeline = stack.physical_name("TrainingPipeline")

    def executions() -> int:
        return len(sagemaker.list_pipeline_executions(PipelineName=pipeline)["PipelineExecutionSummaries"])

    def jobs() -> list[dict[str, Any]]:
        return list(sagemaker.list_labeling_jobs(MaxResults=100)["LabelingJobSummaryList"])

    before, known = executions(), {s["LabelingJobName"] for s in jobs()}
    drop = next(_drops)
    bucket = stack.physical_name("DataBucket")
    for name, text in {f"d{drop}-1.txt": "I was charged twice", f"d{drop}-2.txt": "the app crashes"}.items():
        stack.aws("s3", "put_object", Bucket=bucket, Key=f"incoming/{name}", Body=text.encode(), settle=False)
    stack.settle()
    (new,) = [s for s in jobs() if s["LabelingJobName"] not in known]
    return sagemaker.describe_labeling_job(LabelingJobName=new["LabelingJobName"]), executions() - before


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


def assert_failed(job: dict[str, Any], started: int, action: str, resource: str) -> None:
    assert job["LabelingJobStatus"] == "Failed"
    reason = job["FailureReason"]
    assert reason.startswith("ClientError: "), reason
    assert f"is not authorized to perform: {action} on resource: {resource}" in reason, reason
    if action != "sts:AssumeRole":
        assert SESSION in reason
    assert started == 0
