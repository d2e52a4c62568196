"""The operator commands' foundation: finding the stack, naming a refused action, the shared options' errors."""

from __future__ import annotations

import json
import subprocess
import sys

import boto3
import click
import click.testing
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from mlopsctl.ops.cli import ops_options
from mlopsctl.ops.errors import EXIT_FAILED, OpsError, from_aws
from mlopsctl.ops.target import StackView, Target
from mlopsctl.stack.aws import DeployedStack, StackCommandError

TEMPLATE = {
    "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "ops-q"}}},
    "Outputs": {"QueueUrl": {"Value": {"Ref": "Queue"}}},
}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


def test_a_stack_is_read_from_cloudformation_outputs_and_resources(aws: None) -> None:
    boto3.client("cloudformation").create_stack(StackName="ops", TemplateBody=json.dumps(TEMPLATE))
    stack = Target("ops").stack()
    assert stack.output("QueueUrl").endswith("/ops-q")
    assert stack.resource("Queue").endswith("/ops-q")
    with pytest.raises(OpsError, match="stack ops has no output Missing: is it a stack of this project"):
        stack.output("Missing")


OUTPUTS = {"Bucket": "code-bucket", "Empty": ""}


def test_the_operator_commands_refuse_an_empty_output_as_they_refuse_a_missing_one() -> None:
    view = StackView("ops", "id", "CREATE_COMPLETE", OUTPUTS, {})
    assert view.output("Bucket") == "code-bucket"
    for key in ("Empty", "Missing"):
        with pytest.raises(
            OpsError, match=f"^stack ops has no output {key}: is it a stack of this project\\?$"
        ) as refused:
            view.output(key)
        assert refused.value.exit_code == EXIT_FAILED
    assert view.output("Empty", allow_empty=True) == ""


def test_make_deploy_reads_an_empty_output_as_empty_and_refuses_a_missing_one() -> None:
    stack = DeployedStack("ops", "id", "CREATE_COMPLETE", OUTPUTS)
    assert (stack.output("Bucket"), stack.output("Empty")) == ("code-bucket", "")
    with pytest.raises(StackCommandError, match=r"^stack ops has no output Missing: is it a stack of this project\?$"):
        stack.output("Missing")
    with pytest.raises(StackCommandError, match=r"^stack ops has no output Empty: is it a stack of this project\?$"):
        stack.output("Empty", allow_empty=False)


def test_a_missing_stack_is_one_line_naming_it_and_the_region(aws: None) -> None:
    with pytest.raises(OpsError, match=r"^stack nope not found in us-east-1$"):
        Target("nope").stack()


def test_the_last_call_is_named_as_iam_names_it(aws: None) -> None:
    target = Target("ops")
    target.client("cloudwatch").describe_alarms()
    assert target.last_action == "cloudwatch:DescribeAlarms"
    target.client("stepfunctions").list_state_machines()
    assert target.last_action == "states:ListStateMachines"


def test_an_access_denied_error_names_the_missing_permission() -> None:
    exc = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "ListModelPackages")
    assert str(from_aws(exc, "sagemaker:ListModelPackages")) == (
        "missing permission sagemaker:ListModelPackages (AccessDeniedException: no)"
    )
    other = ClientError({"Error": {"Code": "ValidationException", "Message": "bad"}}, "DescribeEndpoint")
    assert str(from_aws(other, "sagemaker:DescribeEndpoint")) == "sagemaker:DescribeEndpoint: ValidationException: bad"


def test_shared_options_turn_errors_into_one_line_and_an_exit_code(aws: None) -> None:
    @click.command()
    @ops_options
    def probe(target: Target, as_json: bool) -> None:
        target.stack()

    result = click.testing.CliRunner().invoke(probe, ["--stack", "nope", "--region", "us-east-1"])
    assert result.exit_code == EXIT_FAILED
    assert result.output.strip().splitlines() == ["error: stack nope not found in us-east-1"]


def test_the_operator_commands_do_not_load_the_local_stack() -> None:
    """An operator command against AWS does not pay for moto and the emulators (``demo`` and ``local`` load them)."""
    probe = (
        "import sys; from mlopsctl.cli import build_cli; build_cli(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'moto' or m.startswith('mlopsctl.local')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)  # noqa: S603
    assert done.stdout.strip() == "[]"
