"""The demo's end states, read from its stack, and the scenarios that did not end as expected."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from mlopsctl.demo.report import DemoReport
from mlopsctl.demo.session import DemoStack


@dataclass
class EndStates:
    """What the stack held when the demo ended, read with plain API calls."""

    packages: dict[int, dict[str, Any]] = field(default_factory=dict)
    serving_package: str | None = None
    endpoint_status: str | None = None
    outcomes: dict[str, list[str]] = field(default_factory=dict)
    labeling_jobs: list[dict[str, Any]] = field(default_factory=list)
    executions: list[dict[str, Any]] = field(default_factory=list)
    reports: dict[int, dict[str, Any]] = field(default_factory=dict)


@dataclass
class DemoRun:
    report: DemoReport
    output: str
    end: EndStates


def read_end_states(demo: DemoStack, end: EndStates) -> None:
    sagemaker, s3, dynamodb = (demo.stack.client(s) for s in ("sagemaker", "s3", "dynamodb"))
    group = demo.stack.physical_name("ModelPackageGroup")
    for summary in sagemaker.list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"]:
        package = sagemaker.describe_model_package(ModelPackageName=summary["ModelPackageArn"])
        version = int(package["ModelPackageVersion"])
        end.packages[version] = package
        bucket, key = package["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"][5:].split("/", 1)
        end.reports[version] = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    endpoint_name = demo.stack.template.parameters["EndpointName"]
    endpoint = sagemaker.describe_endpoint(EndpointName=endpoint_name)
    end.endpoint_status = endpoint["EndpointStatus"]
    config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    model = sagemaker.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
    end.serving_package = model["PrimaryContainer"]["ModelPackageName"]
    items = dynamodb.query(
        TableName=demo.stack.physical_name("LedgerTable"),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :d)",
        ExpressionAttributeValues={":pk": {"S": f"ENDPOINT#{endpoint_name}"}, ":d": {"S": "DEPLOYMENT#"}},
    )["Items"]
    deserializer = TypeDeserializer()
    for item in items:
        record = {k: deserializer.deserialize(v) for k, v in item.items()}
        if "model_package_arn" in record:
            end.outcomes.setdefault(record["model_package_arn"], []).append(str(record.get("outcome")))
    names = [j["LabelingJobName"] for j in sagemaker.list_labeling_jobs()["LabelingJobSummaryList"]]
    end.labeling_jobs = sorted(
        (sagemaker.describe_labeling_job(LabelingJobName=n) for n in names), key=lambda j: j["CreationTime"]
    )
    pipeline = demo.stack.physical_name("TrainingPipeline")
    summaries = sagemaker.list_pipeline_executions(PipelineName=pipeline)["PipelineExecutionSummaries"]
    executions = []
    for summary in summaries:
        arn = summary["PipelineExecutionArn"]
        described = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)
        listed = sagemaker.list_pipeline_parameters_for_execution(PipelineExecutionArn=arn)["PipelineParameters"]
        described["PipelineParameters"] = {p["Name"]: p["Value"] for p in listed}
        executions.append(described)
    end.executions = sorted(executions, key=lambda e: e["CreationTime"])


def not_ok(report: DemoReport) -> list[str]:
    return [f"{s.key}: {c.title}: {c.status} ({c.actual})" for s in report.steps for c in s.checks if c.status != "ok"]
