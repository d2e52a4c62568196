"""``make destroy ENV=…`` (:mod:`mlopsctl.stack.destroy`) on moto with the project's SageMaker extensions: the plan
names what the system created at run time, nothing changes without confirmation, then everything of this stack
goes (and nothing of a stack whose name extends it), the retained resources stay, and a second run finds nothing."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from mlopsctl.local.moto_patches import install_extensions
from mlopsctl.local.moto_patches.backends import (
    PipelineExecution,
    forget_sagemaker_endpoint,
    pipeline_execution,
    put_pipeline_execution_status,
    sagemaker_endpoint,
)
from mlopsctl.local.moto_patches.endpoints import set_endpoint_fields
from mlopsctl.stack.__main__ import main
from mlopsctl.stack.aws import StackCommandError
from mlopsctl.stack.destroy import destroy, plan

REGION, ACCOUNT = "us-east-1", "123456789012"
STACK, OTHER = "mlops-dev", "mlops-dev-more"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/model"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
JOB = f"{STACK}-{'a' * 20}"


def clients(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def stack_template(state_machine_arn: str) -> str:
    return f"""
Resources:
  DataBucket:
    Type: AWS::S3::Bucket
    DeletionPolicy: Retain
  NotificationTopic:
    Type: AWS::SNS::Topic
Outputs:
  DataBucketName:
    Value: !Ref DataBucket
  EndpointName:
    Value: {STACK}-endpoint
  TrainingPipelineName:
    Value: {STACK}-training
  DeployStateMachineArn:
    Value: {state_machine_arn}
"""


def model_and_config(stack: str) -> str:
    sm = clients("sagemaker")
    model, config = f"{stack}-m1-0123456789", f"{stack}-c1-0123456789"
    sm.create_model(ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})
    variant = {
        "VariantName": "AllTraffic",
        "ModelName": model,
        "InstanceType": "ml.m5.large",
        "InitialInstanceCount": 1,
    }
    sm.create_endpoint_config(EndpointConfigName=config, ProductionVariants=[variant])
    alarm = {"MetricName": "ModelLatency", "Namespace": "AWS/SageMaker", "Period": 60, "EvaluationPeriods": 1,
             "Threshold": 1.0, "ComparisonOperator": "GreaterThanThreshold", "Statistic": "Average"}  # fmt: skip
    clients("cloudwatch").put_metric_alarm(AlarmName=f"{config}-newfleet-0", **alarm)
    return config


def labeling_job(sm: Any, s3: Any, name: str, stack: str) -> None:
    s3.put_object(Bucket="data", Key="m.manifest", Body=b'{"source-ref": "s3://data/a.txt"}\n')
    labels = {"document-version": "2018-11-28", "labels": [{"label": "a"}, {"label": "b"}]}
    s3.put_object(Bucket="data", Key="labels.json", Body=json.dumps(labels).encode())
    lambdas = "arn:aws:lambda:us-east-1:432418664414:function"
    sm.create_labeling_job(
        LabelingJobName=name,
        LabelAttributeName="label",
        InputConfig={"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://data/m.manifest"}}},
        OutputConfig={"S3OutputPath": "s3://data/out/"},
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/labeling",
        LabelCategoryConfigS3Uri="s3://data/labels.json",
        HumanTaskConfig={
            "WorkteamArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:workteam/private-crowd/t",
            "UiConfig": {"UiTemplateS3Uri": "s3://data/t.html"},
            "PreHumanTaskLambdaArn": f"{lambdas}:PRE-TextMultiClass",
            "TaskTitle": "t",
            "TaskDescription": "d",
            "NumberOfHumanWorkersPerDataObject": 1,
            "TaskTimeLimitInSeconds": 300,
            "AnnotationConsolidationConfig": {"AnnotationConsolidationLambdaArn": f"{lambdas}:ACS-TextMultiClass"},
        },
        Tags=[{"Key": "mlops:stack", "Value": stack}],
    )


@pytest.fixture
def deployed() -> Iterator[dict[str, str]]:
    """A stack with everything the system creates at run time, and another stack's look-alikes."""
    with mock_aws():
        install_extensions()
        sfn = clients("stepfunctions")
        definition = json.dumps({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}})
        machine = sfn.create_state_machine(name=f"{STACK}-deploy", definition=definition, roleArn=ROLE)
        deployment = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="v1")["executionArn"]
        clients("cloudformation").create_stack(StackName=STACK, TemplateBody=stack_template(machine["stateMachineArn"]))
        sm, s3 = clients("sagemaker"), clients("s3")
        config = model_and_config(STACK)
        model_and_config(OTHER)
        tags = [{"Key": "mlops:stack", "Value": STACK}]
        sm.create_endpoint(EndpointName=f"{STACK}-endpoint", EndpointConfigName=config, Tags=tags)
        pipeline = {"Version": "2020-12-01", "Steps": []}
        sm.create_pipeline(
            PipelineName=f"{STACK}-training",
            PipelineDefinition=json.dumps(pipeline),
            RoleArn=ROLE,
            ClientRequestToken="t" * 32,
        )
        run = sm.start_pipeline_execution(PipelineName=f"{STACK}-training", ClientRequestToken="r" * 32)
        put_pipeline_execution_status(moto_execution(run["PipelineExecutionArn"]), "Executing")
        s3.create_bucket(Bucket="data")
        labeling_job(sm, s3, JOB, STACK)
        labeling_job(sm, s3, f"{OTHER}-{'b' * 20}", OTHER)
        yield {"deployment": deployment, "execution": run["PipelineExecutionArn"], "config": config}


def moto_execution(arn: str) -> PipelineExecution:
    execution = pipeline_execution(ACCOUNT, REGION, arn)
    assert execution is not None, arn
    return execution


def sagemaker_finishes_stopping(_seconds: float) -> None:
    """What happens while destroy waits: SageMaker stops the executions it was asked to stop."""
    sm = clients("sagemaker")
    pipelines = [
        p["PipelineName"] for page in sm.get_paginator("list_pipelines").paginate() for p in page["PipelineSummaries"]
    ]
    for name in pipelines:
        for page in sm.get_paginator("list_pipeline_executions").paginate(PipelineName=name):
            for execution in page["PipelineExecutionSummaries"]:
                if execution["PipelineExecutionStatus"] == "Stopping":
                    put_pipeline_execution_status(moto_execution(execution["PipelineExecutionArn"]), "Stopped")


def lines(out: io.StringIO) -> list[str]:
    return out.getvalue().splitlines()


def test_the_plan_names_every_run_time_resource_of_the_stack_and_what_stays(deployed: dict[str, str]) -> None:
    chosen = plan(clients, STACK)

    assert [(r.action, r.kind, r.name) for r in chosen.resources] == [
        ("stop", "deployment execution", deployed["deployment"]),
        ("stop", "pipeline execution", deployed["execution"]),
        ("stop", "labeling job", JOB),
        ("delete", "endpoint", f"{STACK}-endpoint"),
        ("delete", "endpoint config", deployed["config"]),
        ("delete", "model", f"{STACK}-m1-0123456789"),
        ("delete", "alarm", f"{deployed['config']}-newfleet-0"),
    ]
    assert [r.split()[:2] for r in chosen.retained] == [["AWS::S3::Bucket", "DataBucket"]]
    assert f"delete stack {STACK}" in chosen.text()


def test_without_the_stack_name_typed_nothing_changes(deployed: dict[str, str]) -> None:
    with pytest.raises(StackCommandError, match="not confirmed"):
        destroy(clients, STACK, io.StringIO(), yes=False, ask=lambda _prompt: "yes", wait_delay=0)

    assert clients("sagemaker").describe_endpoint(EndpointName=f"{STACK}-endpoint")["EndpointStatus"] == "InService"
    assert clients("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def test_confirmed_everything_of_the_stack_goes_and_nothing_of_the_other(deployed: dict[str, str]) -> None:
    out = io.StringIO()
    destroy(clients, STACK, out, yes=False, ask=lambda _prompt: STACK, wait_delay=0, sleep=sagemaker_finishes_stopping)

    sm = clients("sagemaker")
    assert sm.list_endpoints()["Endpoints"] == []
    assert [c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"]] == [
        f"{OTHER}-c1-0123456789"
    ]
    assert [m["ModelName"] for m in sm.list_models()["Models"]] == [f"{OTHER}-m1-0123456789"]
    alarms = clients("cloudwatch").describe_alarms()["MetricAlarms"]
    assert [a["AlarmName"] for a in alarms] == [f"{OTHER}-c1-0123456789-newfleet-0"]
    assert sm.describe_labeling_job(LabelingJobName=JOB)["LabelingJobStatus"] == "Stopping"
    assert sm.describe_labeling_job(LabelingJobName=f"{OTHER}-{'b' * 20}")["LabelingJobStatus"] == "InProgress"
    execution = sm.describe_pipeline_execution(PipelineExecutionArn=deployed["execution"])
    assert execution["PipelineExecutionStatus"] == "Stopped"  # waited for before the stack (and pipeline) went
    assert clients("stepfunctions").describe_execution(executionArn=deployed["deployment"])["status"] == "ABORTED"
    with pytest.raises(clients("cloudformation").exceptions.ClientError, match="does not exist"):
        clients("cloudformation").describe_stacks(StackName=STACK)
    assert "data" in {b["Name"] for b in clients("s3").list_buckets()["Buckets"]}
    assert f"deleted stack {STACK}" in lines(out)


def test_a_second_run_finds_nothing_and_says_so_in_one_line(deployed: dict[str, str]) -> None:
    destroy(clients, STACK, io.StringIO(), yes=True, wait_delay=0, sleep=sagemaker_finishes_stopping)

    with pytest.raises(StackCommandError, match="does not exist and nothing it created at run time was found") as gone:
        destroy(clients, STACK, io.StringIO(), yes=True, endpoint_name=f"{STACK}-endpoint", wait_delay=0)
    assert gone.value.exit_code == 1


def test_leftovers_of_a_stack_deleted_by_hand_are_still_found(deployed: dict[str, str]) -> None:
    clients("cloudformation").delete_stack(StackName=STACK)

    chosen = plan(clients, STACK, endpoint_name=f"{STACK}-endpoint")

    assert chosen.stack is None
    assert {r.kind for r in chosen.resources} == {
        "pipeline execution", "labeling job", "endpoint", "endpoint config", "model", "alarm"
    }  # fmt: skip
    assert "does not exist: only the resources above go" in chosen.text()


def test_an_endpoint_tagged_for_another_stack_is_left_alone(deployed: dict[str, str]) -> None:
    sm = clients("sagemaker")
    arn = sm.describe_endpoint(EndpointName=f"{STACK}-endpoint")["EndpointArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "mlops:stack", "Value": OTHER}])

    chosen = plan(clients, STACK)

    assert "endpoint" not in {r.kind for r in chosen.resources}
    assert any("left alone" in note for note in chosen.notes)


def test_access_denied_is_one_line_naming_the_step() -> None:
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    stubber = Stubber(cloudformation)
    stubber.add_client_error("describe_stacks", "AccessDenied", "User is not authorized to perform DescribeStacks")

    with stubber, pytest.raises(StackCommandError) as denied:
        plan(lambda _service: cloudformation, STACK)

    assert str(denied.value) == f"reading stack {STACK}: AccessDenied: User is not authorized to perform DescribeStacks"
    assert denied.value.exit_code == 1


def test_the_command_without_a_stack_exits_1_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with mock_aws():
        install_extensions()
        assert main(["destroy", "--env", "staging", "--yes"]) == 1

    err = capsys.readouterr().err
    assert err == "error: stack mlops-staging does not exist and nothing it created at run time was found\n"


def test_an_execution_that_never_stops_keeps_the_stack_and_says_so(deployed: dict[str, str]) -> None:
    with pytest.raises(StackCommandError, match="is still stopping: run make destroy again later"):
        destroy(clients, STACK, io.StringIO(), yes=True, wait_delay=0, sleep=lambda _seconds: None)

    assert clients("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def test_an_endpoint_already_deleting_is_waited_for_not_deleted_again(deployed: dict[str, str]) -> None:
    endpoint = sagemaker_endpoint(ACCOUNT, REGION, f"{STACK}-endpoint")
    assert endpoint is not None
    set_endpoint_fields(endpoint, endpoint_status="Deleting")  # an interrupted run's DeleteEndpoint
    polls: list[float] = []

    def sagemaker_finishes(seconds: float) -> None:
        polls.append(seconds)
        sagemaker_finishes_stopping(seconds)
        if len(polls) == 2:
            forget_sagemaker_endpoint(ACCOUNT, REGION, endpoint)

    out = io.StringIO()
    chosen = destroy(clients, STACK, out, yes=True, wait_delay=7, sleep=sagemaker_finishes)

    assert ("wait", "endpoint") in {(r.action, r.kind) for r in chosen.resources}
    assert f"deleted endpoint {STACK}-endpoint" in lines(out)
    assert f"deleted stack {STACK}" in lines(out)
