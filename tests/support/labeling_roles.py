"""The labeling role on the local stack: tickets dropped into a labeling job, and the job a missing grant fails."""

from __future__ import annotations

import itertools
from typing import Any

from mlopsctl.local.emulators.sagemaker import GoldLabelWorkforce, SageMakerEmulator
from mlopsctl.local.runtime.stack import LocalStack

ACCOUNT = "123456789012"
WORKTEAM = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:workteam/private-crowd/labelers"
PARAMETERS = {"LabelingBackend": "groundtruth", "LabelingWorkteamArn": WORKTEAM, "LabelingLabels": "billing,technical"}
SESSION = "assumed-role/mlops-local-labelingrole/SageMaker"
DATA = "arn:aws:s3:::mlops-local-databucket"
_drops = itertools.count(1)


def emulator(stack: LocalStack) -> SageMakerEmulator:
    workforce = GoldLabelWorkforce(default="technical")
    return SageMakerEmulator(stack.clock.now, stack.template.account_id, stack.template.region, workforce)


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


def assert_failed(job: dict[str, Any], started: int, action: str, resource: str) -> None:
    assert job["LabelingJobStatus"] == "Failed"
    reason = job["FailureReason"]
    assert reason.startswith("ClientError: "), reason
    assert f"is not authorized to perform: {action} on resource: {resource}" in reason, reason
    if action != "sts:AssumeRole":
        assert SESSION in reason
    assert started == 0
