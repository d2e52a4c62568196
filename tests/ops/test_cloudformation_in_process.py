"""The local stack is the CloudFormation stack ``mlops-local`` in process too (``mock_aws``), while it runs."""

from __future__ import annotations

import pytest

from mlopsctl.local.commands.cli import emulator
from mlopsctl.local.moto_patches.backends import cloudformation_stack_names
from mlopsctl.local.runtime.actionlog import a_person_acts
from mlopsctl.local.runtime.stack import LocalStack

pytestmark = pytest.mark.flow


def test_the_stack_answers_in_process_and_leaves_with_it() -> None:
    with LocalStack(emulators=[emulator]) as stack, a_person_acts():
        cloudformation = stack.client("cloudformation")
        described = cloudformation.describe_stacks(StackName="mlops-local")["Stacks"][0]
        resources = cloudformation.list_stack_resources(StackName="mlops-local")["StackResourceSummaries"]
        assert described["StackStatus"] == "CREATE_COMPLETE"
        assert {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]} == stack.outputs()
        assert {r["LogicalResourceId"] for r in resources} == set(stack.resources.records)
        assert "mlops-local" in cloudformation_stack_names(stack.template.account_id, stack.template.region)
    assert "mlops-local" not in cloudformation_stack_names(stack.template.account_id, stack.template.region)
