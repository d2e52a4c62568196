"""The labeling role as Ground Truth uses it, on the local stack: mutation tests.

Ground Truth does a labeling job's work as the job's ``RoleArn`` (``LabelingRole``): it reads the label categories,
the input manifest, the worker task template and every ``source-ref`` object, writes the output manifest, its logs
and its metrics (:mod:`mlopsctl.local.emulator.labeling_driver`). Each test takes one grant out of a copy of
``template.yaml``, drops tickets as a user would and shows the labeling job ``Failed`` with the AccessDenied, its
action and its resource as ``FailureReason``, and no training started. With the project's template the job completes
(``tests/flows/test_training_flow.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mlopsctl.local.emulator import GoldLabelWorkforce, SageMakerEmulator
from mlopsctl.local.stack import LocalStack
from tests.flows.template_copies import role_section, template_with, without_statement

pytestmark = pytest.mark.flow

ACCOUNT = "123456789012"
WORKTEAM = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:workteam/private-crowd/labelers"
PARAMETERS = {"LabelingBackend": "groundtruth", "LabelingWorkteamArn": WORKTEAM, "LabelingLabels": "billing,technical"}
SESSION = "assumed-role/mlops-local-labelingrole/SageMaker"
DATA = "arn:aws:s3:::mlops-local-databucket"


def emulator(stack: LocalStack) -> SageMakerEmulator:
    workforce = GoldLabelWorkforce(default="technical")
    return SageMakerEmulator(stack.clock.now, stack.template.account_id, stack.template.region, workforce)


def label_tickets(template: Path, parameters: dict[str, str] | None = None) -> tuple[dict[str, Any], int, str]:
    """Drop two tickets; the labeling job as described, how many executions started, and the key's ARN."""
    with LocalStack(template, parameters={**PARAMETERS, **(parameters or {})}, emulators=[emulator]) as stack:
        bucket = stack.physical_name("DataBucket")
        for name, text in {"t1.txt": "I was charged twice", "t2.txt": "the app crashes"}.items():
            stack.aws("s3", "put_object", Bucket=bucket, Key=f"incoming/{name}", Body=text.encode(), settle=False)
        stack.settle()
        sagemaker = stack.client("sagemaker")
        (summary,) = sagemaker.list_labeling_jobs()["LabelingJobSummaryList"]
        job = sagemaker.describe_labeling_job(LabelingJobName=summary["LabelingJobName"])
        pipeline = stack.physical_name("TrainingPipeline")
        executions = sagemaker.list_pipeline_executions(PipelineName=pipeline)["PipelineExecutionSummaries"]
        return job, len(executions), stack.arn("MlopsKey")


@pytest.mark.parametrize(
    ("statement", "action", "resource"),
    [
        ("ReadDataAndManifests", "s3:GetObject", f"{DATA}/manifests/"),
        ("WriteLabelingOutput", "s3:PutObject", f"{DATA}/labeling-output/"),
        ("UseStackKey", "kms:Decrypt", "{key}"),
        ("WriteLabelingJobLogs", "logs:CreateLogGroup", f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/sagemaker/"),
        ("PutLabelingJobMetrics", "cloudwatch:PutMetricData", "*"),
    ],
)
def test_the_labeling_job_fails_when_its_role_lacks_a_grant_ground_truth_uses(
    tmp_path: Path, statement: str, action: str, resource: str
) -> None:
    job, executions, key = label_tickets(template_with(tmp_path, without_statement("LabelingRole", statement)))

    _assert_failed(job, executions, action, resource.format(key=key))


def test_ground_truth_reads_each_source_ref_object_with_the_labeling_role(tmp_path: Path) -> None:
    section = role_section("LabelingRole")
    incoming = '                  - !Sub "${DataBucket.Arn}/incoming/*"\n'
    template = template_with(tmp_path, (section, section.replace(incoming, "", 1)))

    job, executions, _ = label_tickets(template)

    _assert_failed(job, executions, "s3:GetObject", f"{DATA}/incoming/t")
    assert "the data object s3://mlops-local-databucket/incoming/" in job["FailureReason"]


def test_ground_truth_reads_a_custom_worker_template_with_the_labeling_role(tmp_path: Path) -> None:
    template = template_with(tmp_path, without_statement("LabelingRole", "ReadLabelingUiTemplates"))
    ui = "s3://mlops-local-artifactsbucket/labeling-ui/tickets.liquid.html"

    job, executions, _ = label_tickets(template, {"LabelingUiTemplateS3Uri": ui})

    _assert_failed(job, executions, "s3:GetObject", "arn:aws:s3:::mlops-local-artifactsbucket/labeling-ui/tickets")


def test_the_labeling_job_fails_when_ground_truth_may_not_assume_its_role(tmp_path: Path) -> None:
    section = role_section("LabelingRole")
    foreign = section.replace("aws:SourceAccount: !Ref AWS::AccountId", 'aws:SourceAccount: "111122223333"', 1)

    job, executions, _ = label_tickets(template_with(tmp_path, (section, foreign)))

    _assert_failed(job, executions, "sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/mlops-local-labelingrole")


def _assert_failed(job: dict[str, Any], executions: int, action: str, resource: str) -> None:
    assert job["LabelingJobStatus"] == "Failed"
    reason = job["FailureReason"]
    assert reason.startswith("ClientError: "), reason
    assert f"is not authorized to perform: {action} on resource: {resource}" in reason, reason
    if action != "sts:AssumeRole":
        assert SESSION in reason
    assert executions == 0
