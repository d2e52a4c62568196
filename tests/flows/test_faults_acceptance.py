"""Faults acceptance (issue #11): with 30 % of the system's SageMaker, DynamoDB and Step Functions calls throttled, the
lifecycle ends as it does without faults, and nothing is doubled.

One lifecycle on the project's template (emulated SageMaker, virtual time): two batches of tickets dropped →
one labeling job each → one pipeline execution each, whose run registers a version → each version approved → one
deployment each (create, then canary update) → the live v2 rejected → rollback to v1. It runs once without faults
and once with ``sagemaker,dynamodb,stepfunctions:0.3`` (a fixed seed), and the two final states are compared:
labeling jobs, pipeline executions, model packages, deployments and their outcomes, SageMaker models and endpoint
configs, what the endpoint serves, the ledger's rows (by kind) and the notifications.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mlops_core.aws.ledger import Ledger
from mlops_core.deploy.store import LedgerDeploymentStore
from mlopsctl.local.commands.replay import parse_items, play
from mlopsctl.local.emulators.sagemaker import GoldLabelWorkforce, SageMakerEmulator
from mlopsctl.local.emulators.sagemaker.pipeline_runner import PipelineOutcome, PipelineRun, StepOutcome
from mlopsctl.local.runtime.stack import LocalStack
from tests.support.ledger_records import items_of

pytestmark = pytest.mark.flow

REPLAYS = Path(__file__).resolve().parents[1] / "fixtures" / "replay"
FAULTS = "sagemaker,dynamodb,stepfunctions:0.3"
SEED = 1  # a seed whose draws fault all three services (checked below); the order of calls decides the draws
WORKTEAM = "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/labelers"
PARAMETERS = {"LabelingBackend": "groundtruth", "LabelingWorkteamArn": WORKTEAM, "LabelingLabels": "billing,technical"}
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
BATCHES = (
    {"t1.txt": "I was charged twice", "t2.txt": "the app crashes on start", "t3.txt": "refund please"},
    {"t4.txt": "login page times out", "t5.txt": "invoice shows the wrong address", "t6.txt": "sync fails"},
)
GOLD = {"t1.txt": "billing", "t3.txt": "billing", "t5.txt": "billing"}


class RegisteringPipeline:
    """The training pipeline's outcome: every step succeeds and the run registers a version (as the real one does)."""

    def __init__(self, stack: Callable[[], LocalStack]) -> None:
        self._stack = stack
        self.runs = 0

    def run(self, run: PipelineRun) -> PipelineOutcome:
        self.runs += 1
        stack, key = self._stack(), f"pipelines/runs/{self.runs}/model/model.tar.gz"
        bucket = stack.physical_name("ArtifactsBucket")
        stack.client("s3").put_object(Bucket=bucket, Key=key, Body=b"model")  # what the training wrote
        stack.client("sagemaker").create_model_package(  # the stack's own clients: never faulted, not in the log
            ModelPackageGroupName=stack.physical_name("ModelPackageGroup"),
            InferenceSpecification={
                "Containers": [{"Image": IMAGE, "ModelDataUrl": f"s3://{bucket}/{key}"}],
                "SupportedContentTypes": ["text/plain"],
                "SupportedResponseMIMETypes": ["application/json"],
            },
            MetadataProperties={"GeneratedBy": run.execution_arn},
        )
        steps = ("Preprocess", "Processing"), ("Train", "Training"), ("Register", "RegisterModel")
        return PipelineOutcome(steps=tuple(StepOutcome(name, kind) for name, kind in steps))


def lifecycle(faults: tuple[str, ...]) -> tuple[dict[str, Any], LocalStack]:
    """Play the lifecycle on a fresh stack; return its final state (and the stopped stack, for its log)."""
    stack_ref: list[LocalStack] = []
    pipeline = RegisteringPipeline(lambda: stack_ref[0])

    def sagemaker(stack: LocalStack) -> SageMakerEmulator:
        workforce = GoldLabelWorkforce(GOLD, default="technical")
        return SageMakerEmulator(
            stack.clock.now, stack.template.account_id, stack.template.region, workforce, pipeline_runner=pipeline
        )

    with LocalStack(parameters=PARAMETERS, emulators=[sagemaker], faults=faults, seed=SEED) as stack:
        stack_ref.append(stack)
        bucket, group = stack.physical_name("DataBucket"), stack.physical_name("ModelPackageGroup")
        packages = f"arn:aws:sagemaker:{stack.template.region}:{stack.template.account_id}:model-package/{group}"
        for number, batch in enumerate(BATCHES, start=1):
            for name, text in batch.items():
                stack.aws("s3", "put_object", Bucket=bucket, Key=f"incoming/{name}", Body=text.encode(), settle=False)
            stack.settle()
            arn = (
                f"arn:aws:sagemaker:{stack.template.region}:{stack.template.account_id}:model-package/{group}/{number}"
            )
            stack.aws("sagemaker", "update_model_package", ModelPackageArn=arn, ModelApprovalStatus="Approved")
        stack.aws("sagemaker", "update_model_package", ModelPackageArn=f"{packages}/2", ModelApprovalStatus="Rejected")
        state = final_state(stack)
    return state, stack


def final_state(stack: LocalStack) -> dict[str, Any]:
    """What the lifecycle left behind, as kinds and counts (names carry per-run ids, times differ with retries)."""
    sm = stack.client("sagemaker")
    pages = sm.get_paginator("list_pipeline_executions").paginate(PipelineName=stack.physical_name("TrainingPipeline"))
    runs = [e["PipelineExecutionStatus"] for page in pages for e in page["PipelineExecutionSummaries"]]
    jobs = sm.list_labeling_jobs()["LabelingJobSummaryList"]
    group = stack.physical_name("ModelPackageGroup")
    versions = sm.list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"]
    endpoint_name = str(stack.template.parameters["EndpointName"])
    endpoint = sm.describe_endpoint(EndpointName=endpoint_name)
    store = LedgerDeploymentStore(Ledger(stack.client("dynamodb"), stack.physical_name("LedgerTable")))
    deployments = items_of(store.deployments(endpoint_name))
    serving = next(d for d in deployments if d.get("endpoint_config_name") == endpoint["EndpointConfigName"])
    return {
        "labeling jobs": sorted(j["LabelingJobStatus"] for j in jobs),
        "pipeline executions": sorted(runs),
        "model package groups": len(sm.list_model_package_groups()["ModelPackageGroupSummaryList"]),
        "versions": sorted((v["ModelPackageVersion"], v["ModelApprovalStatus"]) for v in versions),
        "deployments": sorted(
            (str(d["deployment_id"]).split("-")[2][:2], int(d.get("model_package_version") or 0), str(d["outcome"]))
            for d in deployments
        ),
        "models": len(sm.list_models()["Models"]),
        "endpoint configs": len(sm.list_endpoint_configs()["EndpointConfigs"]),
        "endpoint": (endpoint["EndpointStatus"], int(serving.get("model_package_version") or 0)),
        "state machine runs": sorted(
            Counter((e["state_machine"], e["status"]) for e in stack.log.entries("execution")).items()
        ),
        "ledger rows": sorted(ledger_kinds(stack).items()),
        "notifications": sorted(Counter(notification_kind(n) for n in stack.notifications()).items()),
    }


_KIND = re.compile(r"[A-Z_]+")


def ledger_kinds(stack: LocalStack) -> Counter[tuple[str, str]]:
    """The ledger's rows by kind: the leading word of ``pk`` and of ``sk`` (``BATCH``/``OBJECT``, ``ENDPOINT``/...)."""
    paginator = stack.client("dynamodb").get_paginator("scan")
    items = [i for page in paginator.paginate(TableName=stack.physical_name("LedgerTable")) for i in page["Items"]]
    return Counter((_kind(i["pk"]["S"]), _kind(i["sk"]["S"])) for i in items)


def _kind(key: str) -> str:
    found = _KIND.match(key)
    return found.group(0) if found else key


def notification_kind(envelope: dict[str, Any]) -> tuple[str, ...]:
    message = json.loads(envelope["Message"])
    return tuple(str(message.get(key)) for key in ("kind", "outcome", "model_package_version") if key in message)


def test_with_30_percent_of_the_systems_calls_throttled_the_lifecycle_ends_as_without_faults_nothing_doubled() -> None:
    expected, _ = lifecycle(())
    faulted, stack = lifecycle((FAULTS,))

    injected = stack.faults.injected
    assert len(injected) >= 20, f"only {len(injected)} faults were injected: the test would prove nothing"
    assert {f.service for f in injected} == {"sagemaker", "dynamodb", "stepfunctions"}
    assert faulted == expected
    assert expected["labeling jobs"] == ["Completed"] * len(BATCHES)
    assert expected["pipeline executions"] == ["Succeeded"] * len(BATCHES)


def test_a_throttled_lambda_task_fails_with_the_name_step_functions_gives_it_so_the_asl_retry_catches_it() -> None:
    """Step Functions reports a Lambda task's invoke errors as ``Lambda.<code>`` ("Handle Lambda service exceptions",
    Step Functions Developer Guide): the Deploy machine's Retry on ``Lambda.TooManyRequestsException`` then retries a
    throttled invoke, and the deployments end as without faults."""

    def sagemaker(stack: LocalStack) -> SageMakerEmulator:
        return SageMakerEmulator(stack.clock.now, stack.template.account_id, stack.template.region)

    faults = ("lambda:0.3:TooManyRequestsException",)
    with LocalStack(emulators=[sagemaker], faults=faults, seed=1) as stack:
        play(stack, parse_items((REPLAYS / "deploy_canary.json").read_text(encoding="utf-8")))
        sfn = stack.client("stepfunctions")
        machine = stack.arn("DeployStateMachine")
        failures = [
            event["lambdaFunctionFailedEventDetails"]["error"]
            for execution in sfn.list_executions(stateMachineArn=machine)["executions"]
            for event in sfn.get_execution_history(executionArn=execution["executionArn"])["events"]
            if event["type"] == "LambdaFunctionFailed"
        ]
        runs = [(e["state_machine"], e["status"]) for e in stack.log.entries("execution")]

    assert failures, "no Lambda task was throttled: the test would prove nothing"
    assert set(failures) == {"Lambda.TooManyRequestsException"}
    assert runs == [("DeployStateMachine", "SUCCEEDED")] * 2
