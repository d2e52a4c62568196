"""Mutation tests of the template's IAM: remove one statement, and the flow that needs it fails with AccessDenied.

Each case removes one statement (by ``Sid``) or one SAM policy template from a copy of ``template.yaml``, runs the
flow that uses it on the local stack with IAM enforced, and expects the first denied call to name the action and the
resource AWS would name. One case per role of a function or state machine (the roles SageMaker uses are checked by
the service-side tests).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mlopsctl.local.emulators.sagemaker import GoldLabelWorkforce, SageMakerEmulator
from mlopsctl.local.errors import LocalStackError
from mlopsctl.local.runtime.stack import LocalStack
from mlopsctl.local.template.loader import read_yaml
from tests.support.files import ROOT

pytestmark = [pytest.mark.flow, pytest.mark.iam_denials]

ACCOUNT, REGION, STACK = "123456789012", "us-east-1", "mlops-local"
SM = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"


def mutated_template(tmp_path: Path, resource: str, *, sid: str | None = None, policy: str | None = None) -> Path:
    """A copy of the template without one statement of ``resource``'s policies (local paths made absolute)."""
    document = read_yaml(ROOT / "template.yaml")
    for body in document["Resources"].values():
        props = body.get("Properties") or {}
        for key in ("CodeUri", "DefinitionUri", "ContentUri"):
            if isinstance(props.get(key), str):
                props[key] = str((ROOT / props[key]).resolve())
    props = document["Resources"][resource]["Properties"]
    removed = _remove(props["Policies"], sid, policy)
    assert removed == 1, f"{resource} has no statement {sid or policy}"
    path = tmp_path / "template.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _remove(policies: list[Any], sid: str | None, policy: str | None) -> int:
    removed = 0
    for index in reversed(range(len(policies))):
        item = policies[index]
        if policy is not None and isinstance(item, dict) and policy in item:
            del policies[index]
            return 1
        for holder in _statement_lists(item):
            before = len(holder)
            holder[:] = [s for s in holder if s.get("Sid") != sid]
            removed += before - len(holder)
    return removed


def _statement_lists(item: Any) -> list[list[dict[str, Any]]]:
    if not isinstance(item, dict):
        return []
    if "Statement" in item:
        return [item["Statement"]]
    if "PolicyDocument" in item:
        return [item["PolicyDocument"]["Statement"]]
    if "Fn::If" in item:
        return [s for branch in item["Fn::If"][1:] for s in _statement_lists(branch)]
    return []


def emulator(stack: LocalStack) -> SageMakerEmulator:
    return SageMakerEmulator(
        clock=stack.clock.now,
        account_id=stack.template.account_id,
        region=stack.template.region,
        workforce=GoldLabelWorkforce({}, default="positive"),
    )


def drop_files(stack: LocalStack) -> None:
    bucket = stack.physical_name("DataBucket")
    for index in range(3):
        stack.aws("s3", "put_object", Bucket=bucket, Key=f"incoming/t{index}.txt", Body=b"great", settle=False)
    stack.settle()


def register_approved(stack: LocalStack) -> str:
    bucket = stack.physical_name("ArtifactsBucket")
    stack.client("s3").put_object(Bucket=bucket, Key="pipelines/runs/r1/model/model.tar.gz", Body=b"model")
    created = stack.aws(
        "sagemaker",
        "create_model_package",
        ModelPackageGroupName=stack.physical_name("ModelPackageGroup"),
        InferenceSpecification={
            "Containers": [
                {
                    "Image": f"683313688378.dkr.ecr.{REGION}.amazonaws.com/sagemaker-scikit-learn:1.9-0-cpu-py3",
                    "ModelDataUrl": f"s3://{bucket}/pipelines/runs/r1/model/model.tar.gz",
                }
            ],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        ModelApprovalStatus="Approved",
    )
    return str(created["ModelPackageArn"])


def approve_one(stack: LocalStack) -> None:
    register_approved(stack)


def alarm_after_two_deployments(stack: LocalStack) -> None:
    register_approved(stack)
    register_approved(stack)
    alarm = stack.physical_name("EndpointErrorsAlarm")
    stack.aws("cloudwatch", "set_alarm_state", AlarmName=alarm, StateValue="ALARM", StateReason="by hand")


def a_deployment_refused_by_preflight(stack: LocalStack) -> None:
    """v1 deploys; v2 is refused by preflight (an alarm is firing on the live endpoint): its execution ends FAILED."""
    register_approved(stack)
    alarm = stack.physical_name("EndpointErrorsAlarm")
    stack.aws("cloudwatch", "set_alarm_state", AlarmName=alarm, StateValue="ALARM", StateReason="by hand")
    register_approved(stack)


Flow = Callable[[LocalStack], None]
IDEMPOTENCY = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{STACK}-idempotencytable"
CASES: list[tuple[str, dict[str, str], Flow, str, str]] = [
    (
        "DataArrivalFunction",
        {"sid": "StartOwnLabelingJobs"},
        drop_files,
        "sagemaker:CreateLabelingJob",
        f"{SM}:labeling-job/{STACK}-",
    ),
    ("DataArrivalFunction", {"policy": "DynamoDBCrudPolicy"}, drop_files, "dynamodb:", IDEMPOTENCY),
    (
        "LabelingEventsFunction",
        {"sid": "StartTrainingPipeline"},
        drop_files,
        "sagemaker:",
        f"{SM}:pipeline/{STACK}-training",
    ),
    (
        "LabelingEventsFunction",
        {"sid": "CheckPipelineStepCode"},
        drop_files,
        "sagemaker:DescribePipeline",
        f"{SM}:pipeline/{STACK}-training",
    ),
    (
        "LabelingEventsFunction",
        {"sid": "ListPipelineStepCode"},
        drop_files,
        "s3:ListBucket",
        f"arn:aws:s3:::{STACK}-artifactsbucket",
    ),
    (
        "PipelineEventsFunction",
        {"sid": "ReadTrainingExecutions"},
        drop_files,
        "sagemaker:",
        f"{SM}:pipeline/{STACK}-training/execution/",
    ),
    (
        "ApprovalFunction",
        {"sid": "StartDeployments"},
        approve_one,
        "states:StartExecution",
        f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{STACK}-deploy",
    ),
    (
        "DeployTasksFunction",
        {"sid": "CreateOwnModelsAndConfigs"},
        approve_one,
        "sagemaker:",
        f"{SM}:model/{STACK}-",
    ),
    (
        "EndpointEventsFunction",
        {"sid": "ResumeWaitingDeployment"},
        approve_one,
        "states:SendTaskSuccess",
        f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{STACK}-deploy",
    ),
    (
        "ExecutionEventsFunction",
        {"sid": "CloseUnfinishedDeployment"},
        a_deployment_refused_by_preflight,
        "dynamodb:DeleteItem",
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{STACK}-ledgertable",
    ),
    (
        "RollbackFunction",
        {"sid": "ReadHistoryTakeLockRecordDecision"},
        alarm_after_two_deployments,
        "dynamodb:",
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{STACK}-ledgertable",
    ),
    (
        "RollbackFunction",
        {"sid": "StartRollbackExecution"},
        alarm_after_two_deployments,
        "states:StartExecution",
        f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{STACK}-rollback",
    ),
    (
        "RollbackTasksFunction",
        {"sid": "RecordRollbackAndHoldTheLock"},
        alarm_after_two_deployments,
        "dynamodb:",
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{STACK}-ledgertable",
    ),
    (
        "DeployStateMachine",
        {"policy": "LambdaInvokePolicy"},
        approve_one,
        "lambda:InvokeFunction",
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{STACK}-deploytasksfunction",
    ),
    (
        "RollbackStateMachine",
        {"policy": "LambdaInvokePolicy"},
        alarm_after_two_deployments,
        "lambda:InvokeFunction",
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{STACK}-rollbacktasksfunction",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{next(iter(c[1].values()))}" for c in CASES])
def test_removing_a_statement_makes_its_flow_fail_with_access_denied(
    tmp_path: Path, case: tuple[str, dict[str, str], Flow, str, str]
) -> None:
    resource, removed, flow, action, resource_prefix = case
    template = mutated_template(tmp_path, resource, **removed)
    with LocalStack(template, emulators=[emulator]) as stack:
        flow(stack)
        assert stack.iam is not None
        denials = stack.iam.usage.denials
        assert denials, f"removing {removed} from {resource} denied nothing"
        first = denials[0]
        role = f"{STACK}-{resource.lower()}role"
        assert f"assumed-role/{role}/" in first.message
        assert first.request.action.startswith(action)
        assert first.request.resource.startswith(resource_prefix)
        assert f"is not authorized to perform: {first.request.action} on resource: {first.request.resource}" in (
            first.message
        )
        reported = what_the_system_reported(stack)
        assert "AccessDenied" in reported or "is not authorized to perform" in reported


def what_the_system_reported(stack: LocalStack) -> str:
    """Everything an operator sees of a failure: failed handlers and executions, notifications, the ledger.

    (Removing ``RestoreKnownGoodConfig`` alone does not make a flow fail: the denied fast path is taken over by the
    Rollback execution, which restores through RollbackTasksFunction; the denial is still logged.)"""
    failed = [e for e in stack.log.entries("handler") if e["outcome"] == "error"]
    failed += [e for e in stack.log.entries("execution") if e["status"] != "SUCCEEDED"]
    ledger = stack.client("dynamodb").scan(TableName=stack.physical_name("LedgerTable"))["Items"]
    return json.dumps([failed, stack.notifications(), ledger], default=str)


def test_the_unmutated_template_runs_the_same_flows_without_any_denial() -> None:
    with LocalStack(ROOT / "template.yaml", emulators=[emulator]) as stack:
        drop_files(stack)
        alarm_after_two_deployments(stack)
        assert stack.iam is not None
        assert stack.iam.usage.denials == []


def test_a_state_machine_role_without_log_delivery_permissions_fails_the_deployment(tmp_path: Path) -> None:
    template = mutated_template(tmp_path, "DeployStateMachine", sid="LetLogDeliveryWriteToTheLogGroup")
    with pytest.raises(LocalStackError, match="not authorized to access the Log Destination") as failed:
        LocalStack(template).__enter__()
    assert "logs:PutResourcePolicy on resource: *" in str(failed.value)


def test_reading_a_missing_object_without_list_bucket_is_access_denied_not_no_such_key(tmp_path: Path) -> None:
    template = mutated_template(tmp_path, "DataArrivalFunction", sid="ListDataBucket")
    with LocalStack(template) as stack:
        assert stack.iam is not None
        function = stack.resources.functions["DataArrivalFunction"]
        bucket = stack.physical_name("DataBucket")
        stack.client("s3").put_object(Bucket=bucket, Key="incoming/present.txt", Body=b"x")
        with stack.iam.acting_as(function.role_arn, function.name):
            missing = stack.iam.check("s3", "HeadObject", {"Bucket": bucket, "Key": "incoming/missing.txt"}, "s3")
            present = stack.iam.check("s3", "HeadObject", {"Bucket": bucket, "Key": "incoming/present.txt"}, "s3")
        assert missing is not None
        assert (missing.request.action, missing.request.resource) == ("s3:ListBucket", f"arn:aws:s3:::{bucket}")
        assert present is None


def test_the_data_arrival_role_may_list_its_bucket_so_a_missing_object_reads_as_not_found() -> None:
    with LocalStack(ROOT / "template.yaml") as stack:
        assert stack.iam is not None
        function = stack.resources.functions["DataArrivalFunction"]
        bucket = stack.physical_name("DataBucket")
        with stack.iam.acting_as(function.role_arn, function.name):
            missing = stack.iam.check("s3", "HeadObject", {"Bucket": bucket, "Key": "incoming/missing.txt"}, "s3")
    assert missing is None
