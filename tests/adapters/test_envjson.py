"""``make env-json STACK=…`` (:mod:`mlopsctl.envjson`): the env.json of ``sam local invoke --env-vars``, from a stack.

A CloudFormation stack with Lambda functions is created on moto; the file must hold each function's variables under
its logical ID, and nothing for other resources.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from mlopsctl.envjson import main, read_environments
from mlopsctl.local.moto_patches.backends import moto_iam_authentication

ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def _function(variables: dict[str, Any] | None) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "Runtime": "python3.12",
        "Handler": "app.lambda_handler",
        "Role": {"Fn::GetAtt": ["FunctionRole", "Arn"]},
        "Code": {"ZipFile": "def lambda_handler(event, context):\n    return event\n"},
    }
    if variables is not None:
        properties["Environment"] = {"Variables": variables}
    return {"Type": "AWS::Lambda::Function", "Properties": properties}


TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {
        "DataBucket": {"Type": "AWS::S3::Bucket"},
        "FunctionRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": ROLE_POLICY}},
        "DataArrivalFunction": _function(
            {"BUCKET_NAME": {"Ref": "DataBucket"}, "ACCOUNT_ID": {"Ref": "AWS::AccountId"}}
        ),
        "ApprovalFunction": _function({"ZED": "last", "ALPHA": "first"}),
        "BareFunction": _function(None),
    },
}


@pytest.fixture
def stack() -> Iterator[str]:
    with mock_aws():
        boto3.client("cloudformation").create_stack(StackName="mlops-dev", TemplateBody=json.dumps(TEMPLATE))
        yield "mlops-dev"


def test_env_json_holds_each_functions_variables_under_its_logical_id(stack: str, tmp_path: Path) -> None:
    out = tmp_path / "env.json"
    assert main(["--stack", stack, "--out", str(out), "--region", "us-east-1"]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    bucket = boto3.client("cloudformation").describe_stack_resource(StackName=stack, LogicalResourceId="DataBucket")
    assert document == {
        "ApprovalFunction": {"ALPHA": "first", "ZED": "last"},
        "BareFunction": {},
        "DataArrivalFunction": {
            "ACCOUNT_ID": "123456789012",
            "BUCKET_NAME": bucket["StackResourceDetail"]["PhysicalResourceId"],
        },
    }


def test_env_json_is_deterministic_and_private(stack: str, tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text("{}", encoding="utf-8")
    first.chmod(0o644)
    assert main(["--stack", stack, "--out", str(first)]) == 0
    assert main(["--stack", stack, "--out", str(second)]) == 0
    text = first.read_text(encoding="utf-8")
    assert text == second.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"
    assert stat.S_IMODE(first.stat().st_mode) == 0o600


def test_a_missing_stack_is_one_line_and_exit_1(stack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "env.json"
    assert main(["--stack", "no-such-stack", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("env-json: error: stack no-such-stack: ListStackResources: ValidationError: ")
    assert err.count("\n") == 1
    assert not out.exists()


def test_access_denied_is_one_line_naming_the_call_and_exit_1(
    stack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user who may read functions but not the stack (moto enforcing IAM for its own users' keys)."""
    iam = boto3.client("iam")
    iam.create_user(UserName="reader")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:Get*", "Resource": "*"}]}
    iam.put_user_policy(UserName="reader", PolicyName="lambda-only", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    monkeypatch.delenv("AWS_SECURITY_TOKEN")
    out = tmp_path / "env.json"
    with moto_iam_authentication():
        assert main(["--stack", stack, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("env-json: error: stack mlops-dev: ListStackResources: AccessDenied: "), err
    assert err.count("\n") == 1
    assert not out.exists()


def test_no_region_says_how_to_give_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    assert main(["--stack", "mlops-dev", "--out", str(tmp_path / "env.json")]) == 1
    assert capsys.readouterr().err == (
        "env-json: error: no Region: pass REGION=... (make) or --region, or set AWS_REGION or a profile's region\n"
    )


def test_every_page_of_the_stacks_resources_is_read(stack: str) -> None:
    """A stack of more resources than one page holds: the functions of the second page are there too."""
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    summaries = boto3.client("cloudformation").list_stack_resources(StackName=stack)["StackResourceSummaries"]
    functions = [s for s in summaries if s["ResourceType"] == "AWS::Lambda::Function"]
    with Stubber(cloudformation) as stubber:
        stubber.add_response(
            "list_stack_resources",
            {"StackResourceSummaries": functions[:1], "NextToken": "page-2"},
            {"StackName": stack},
        )
        stubber.add_response(
            "list_stack_resources",
            {"StackResourceSummaries": functions[1:]},
            {"StackName": stack, "NextToken": "page-2"},
        )
        document = read_environments(stack, cloudformation, boto3.client("lambda"))
    assert sorted(document) == ["ApprovalFunction", "BareFunction", "DataArrivalFunction"]
