"""The operator commands' local stack: served over HTTP, found by its outputs and resources (CloudFormation)."""

from __future__ import annotations

from typing import Any

import pytest

from mlopsctl.local.runtime.actionlog import a_person_acts
from mlopsctl.local.template.loader import read_yaml
from tests.support.ops_stack import OpsStack, ops_stack

pytestmark = pytest.mark.flow


@pytest.fixture(scope="module")
def ops() -> OpsStack:
    with ops_stack() as running:
        yield running


def test_the_stack_is_found_by_its_outputs_and_resources_over_http(ops: OpsStack) -> None:
    with a_person_acts():  # a person's DescribeStacks and ListStackResources, over HTTP
        view = ops.target().stack()
    assert view.output("EndpointName") == ops.flow.endpoint
    assert view.output("DeployStateMachineArn") == ops.stack.arn("DeployStateMachine")
    assert view.resource("LedgerTable") == ops.stack.physical_name("LedgerTable")
    assert str(ops.stack.endpoint_url).startswith("http://127.0.0.1:")
    with a_person_acts():
        sagemaker = ops.target().client("sagemaker")
        described = sagemaker.describe_model_package_group(ModelPackageGroupName=ops.flow.group)
    assert described["ModelPackageGroupStatus"] == "Completed"


def test_a_persons_calls_are_neither_logged_nor_authorized_as_the_systems(ops: OpsStack) -> None:
    before = len(ops.stack.log.entries("aws_call"))
    with a_person_acts():
        ops.target().client("sagemaker").list_endpoints()
    assert len(ops.stack.log.entries("aws_call")) == before


def _cloudformation(ops: OpsStack) -> Any:
    return ops.target().client("cloudformation")


def test_describe_stacks_answers_with_the_templates_outputs_resolved(ops: OpsStack) -> None:
    with a_person_acts():
        stack = _cloudformation(ops).describe_stacks(StackName="mlops-local")["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    declared = read_yaml(ops.stack.template.path)["Outputs"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert set(outputs) == set(declared)
    assert outputs == ops.stack.outputs()
    assert outputs["DataBucketName"] == ops.stack.physical_name("DataBucket")  # Ref to a resource
    assert outputs["EndpointName"] == ops.flow.endpoint  # Ref to a parameter
    assert outputs["DataArrivalFunctionArn"] == ops.stack.arn("DataArrivalFunction")  # GetAtt
    assert outputs["DataArrivalQueueUrl"].startswith(f"{ops.stack.endpoint_url}/")  # a queue's Ref is its URL
    dashboard = ops.stack.physical_name("EndpointDashboard")  # Sub with a resource and a pseudo parameter
    assert outputs["EndpointDashboardUrl"].endswith(f"region=us-east-1#dashboards:name={dashboard}")
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert parameters["EndpointName"] == ops.flow.endpoint


def test_every_resource_is_listed_with_its_physical_id_and_type(ops: OpsStack) -> None:
    with a_person_acts():
        cloudformation = _cloudformation(ops)
        pages = cloudformation.get_paginator("list_stack_resources").paginate(StackName="mlops-local")
        listed = {r["LogicalResourceId"]: r for page in pages for r in page["StackResourceSummaries"]}
        described = cloudformation.describe_stack_resources(StackName="mlops-local")["StackResources"]
        one = cloudformation.describe_stack_resource(StackName="mlops-local", LogicalResourceId="DeployStateMachine")
    records = ops.stack.resources.records
    assert set(listed) == set(records) == {r["LogicalResourceId"] for r in described}
    assert {lid: r["ResourceType"] for lid, r in listed.items()} == {lid: r.type for lid, r in records.items()}
    assert listed["LedgerTable"]["PhysicalResourceId"] == ops.stack.physical_name("LedgerTable")
    assert listed["DataArrivalFunction"]["ResourceType"] == "AWS::Lambda::Function"  # after the SAM transform
    assert one["StackResourceDetail"]["PhysicalResourceId"] == ops.stack.arn("DeployStateMachine")  # Ref: an ARN
