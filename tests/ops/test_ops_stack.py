"""The operator commands' local stack: served over HTTP, found by its outputs and resources."""

from __future__ import annotations

import pytest

from mlopsctl.local.runtime.actionlog import a_person_acts
from tests.support.ops_stack import OpsStack, ops_stack

pytestmark = pytest.mark.flow


@pytest.fixture(scope="module")
def ops() -> OpsStack:
    with ops_stack() as running:
        yield running


def test_the_stack_is_found_by_its_outputs_and_resources_over_http(ops: OpsStack) -> None:
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
