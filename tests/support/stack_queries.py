"""What happened on a local stack, read where a user would look: the action log, the handlers' logs, SageMaker,
S3, the topic and the dead-letter queue."""

from __future__ import annotations

import json
from typing import Any

from mlopsctl.local.moto_patches.backends import PipelineExecution, pipeline_execution
from mlopsctl.local.runtime.stack import LocalStack


def labeling_jobs(stack: LocalStack) -> list[dict[str, Any]]:
    """Every labeling job, described (as ``aws sagemaker describe-labeling-job`` shows it)."""
    sagemaker, names = stack.client("sagemaker"), []
    for page in sagemaker.get_paginator("list_labeling_jobs").paginate():
        names.extend(job["LabelingJobName"] for job in page["LabelingJobSummaryList"])
    return [sagemaker.describe_labeling_job(LabelingJobName=name) for name in names]


def manifest_lines(stack: LocalStack, uri: str) -> list[dict[str, Any]]:
    """The JSON lines of a manifest in moto's S3."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    text = stack.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def handler_runs(stack: LocalStack, function: str = "DataArrivalFunction") -> list[dict[str, Any]]:
    return [e for e in stack.log.entries("handler") if e["function"] == function]


def calls(stack: LocalStack, service: str, operation: str | None = None) -> list[dict[str, Any]]:
    """The AWS calls the system made (action log), of one service (and operation)."""
    return [e for e in stack.log.entries("aws_call") if e["service"] == service and operation in (None, e["operation"])]


def dead_letters(stack: LocalStack) -> list[dict[str, Any]]:
    """The messages in DataArrivalDeadLetterQueue, their bodies as JSON."""
    sqs = stack.client("sqs")
    url = sqs.get_queue_url(QueueName=stack.physical_name("DataArrivalDeadLetterQueue"))["QueueUrl"]
    bodies: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=600).get("Messages", []):
        bodies.extend(json.loads(message["Body"]) for message in batch)
    return bodies


def executions(stack: LocalStack) -> list[PipelineExecution]:
    """The training pipeline's executions, in the order they started (moto's records: their parameters too)."""
    listed = stack.client("sagemaker").get_paginator("list_pipeline_executions")
    pages = listed.paginate(PipelineName=stack.physical_name("TrainingPipeline"), SortOrder="Ascending")
    arns = [e["PipelineExecutionArn"] for page in pages for e in page["PipelineExecutionSummaries"]]
    found = {arn: pipeline_execution(stack.template.account_id, stack.template.region, arn) for arn in arns}
    assert None not in found.values(), f"listed but not in moto: {[a for a, e in found.items() if e is None]}"
    return [execution for execution in found.values() if execution is not None]


def messages(stack: LocalStack) -> list[dict[str, Any]]:
    return [json.loads(n["Message"]) for n in stack.notifications()]
