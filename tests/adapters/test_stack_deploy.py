"""``make deploy ENV=…`` (:mod:`mlopsctl.stack.deploy`): the sam commands (recorded, not run), then the step code
uploaded to the stack's artifacts bucket (a moto CloudFormation stack with outputs) and the outputs printed."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from mlopsctl.stack import code as stack_code
from mlopsctl.stack.__main__ import main
from mlopsctl.stack.aws import StackCommandError
from mlopsctl.stack.code import DIGEST_METADATA, StepCodeError, step_code, template_model, upload_step_code
from mlopsctl.stack.deploy import SamCommands, deploy
from mlopsctl.stack.environments import ENVIRONMENTS, environment, load_samconfig

REGION = "us-east-1"
TEMPLATE = """
Resources:
  ArtifactsBucket:
    Type: AWS::S3::Bucket
    DeletionPolicy: Retain
Outputs:
  ArtifactsBucketName:
    Value: !Ref ArtifactsBucket
  EndpointName:
    Value: mlops-dev-endpoint
"""


class RecordingRunner:
    """Records each command; ``sam deploy`` creates the stack (as the real one would), unless told to fail."""

    def __init__(self, fail: str | None = None) -> None:
        self.commands: list[list[str]] = []
        self.fail = fail

    def __call__(self, command: Sequence[str]) -> int:
        self.commands.append(list(command))
        if self.fail == command[1]:
            return 3
        if command[1] == "deploy":
            boto3.client("cloudformation", region_name=REGION).create_stack(
                StackName="mlops-dev", TemplateBody=TEMPLATE
            )
        return 0


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def clients(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def bucket() -> str:
    stack = clients("cloudformation").describe_stacks(StackName="mlops-dev")["Stacks"][0]
    return next(o["OutputValue"] for o in stack["Outputs"] if o["OutputKey"] == "ArtifactsBucketName")


def test_every_environment_of_samconfig_names_its_own_stack() -> None:
    config = load_samconfig()

    names = {env: environment(env, config).stack_name for env in ENVIRONMENTS}

    assert names == {"dev": "mlops-dev", "staging": "mlops-staging", "prod": "mlops-prod"}
    assert environment("prod", config).parameters["Stage"] == "prod"


def test_an_unknown_environment_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy", "--env", "qa"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "unknown environment 'qa'" in err
    assert "dev, staging, prod" in err


def test_deploy_builds_deploys_the_environment_uploads_the_code_and_prints_the_outputs(aws: None) -> None:
    runner, out = RecordingRunner(), io.StringIO()
    env = environment("dev", load_samconfig(), default_region=REGION)

    upload = deploy(env, clients, out, runner, SamCommands(sam="/x/sam"))

    assert runner.commands == [
        ["/x/sam", "build", "--template", "template.yaml"],
        ["/x/sam", "deploy", "--config-env", "dev", "--region", REGION],
    ]
    code = step_code()
    stored = clients("s3").list_objects_v2(Bucket=bucket(), Prefix=code.prefix)["Contents"]
    assert sorted(o["Key"] for o in stored) == sorted(f"{code.prefix}{p.name}" for p in code.files)
    assert len(upload.uploaded) == len(code.files)
    printed = out.getvalue()
    assert f"ArtifactsBucketName = {bucket()}\n" in printed
    assert "EndpointName = mlops-dev-endpoint\n" in printed


def test_a_second_deploy_uploads_only_what_changed(aws: None) -> None:
    env = environment("dev", load_samconfig(), default_region=REGION)
    deploy(env, clients, io.StringIO(), RecordingRunner())
    code = step_code()
    changed = f"{code.prefix}{code.files[0].name}"
    clients("s3").put_object(Bucket=bucket(), Key=changed, Body=b"edited by hand", Metadata={DIGEST_METADATA: "x"})

    class Again(RecordingRunner):
        def __call__(self, command: Sequence[str]) -> int:
            self.commands.append(list(command))
            return 0

    upload = deploy(env, clients, io.StringIO(), Again())

    assert upload.uploaded == (changed,)
    assert len(upload.unchanged) == len(code.files) - 1
    body = clients("s3").get_object(Bucket=bucket(), Key=changed)["Body"].read()
    assert body == code.files[0].read_bytes()


def test_a_failed_sam_deploy_stops_before_the_upload(aws: None) -> None:
    runner = RecordingRunner(fail="deploy")
    env = environment("staging", load_samconfig())

    with pytest.raises(StackCommandError, match=r"sam deploy failed \(exit 3\)") as failure:
        deploy(env, clients, io.StringIO(), runner)

    assert failure.value.exit_code == 3
    assert [c[1] for c in runner.commands] == ["build", "deploy"]
    assert runner.commands[1][2:] == ["--config-env", "staging"]
    assert clients("s3").list_buckets()["Buckets"] == []


def test_a_stack_without_the_bucket_output_is_refused_in_one_line(aws: None) -> None:
    class OtherStack(RecordingRunner):
        def __call__(self, command: Sequence[str]) -> int:
            if command[1] == "deploy":
                other = "Resources:\n  T:\n    Type: AWS::SNS::Topic\n"
                boto3.client("cloudformation", region_name=REGION).create_stack(
                    StackName="mlops-dev", TemplateBody=other
                )
            return 0

    with pytest.raises(StackCommandError, match="has no output ArtifactsBucketName"):
        deploy(environment("dev", load_samconfig()), clients, io.StringIO(), OtherStack())


def test_a_head_answered_403_without_list_permission_uploads_the_file() -> None:
    s3 = boto3.client("s3", region_name=REGION)
    code = step_code()
    stubber = Stubber(s3)
    for path in code.files:
        key = f"{code.prefix}{path.name}"
        stubber.add_client_error("head_object", "403", "Forbidden", 403, expected_params={"Bucket": "b", "Key": key})
        stubber.add_response("put_object", {}, {"Bucket": "b", "Key": key, "Body": ANY, "Metadata": ANY})

    with stubber:
        upload = upload_step_code(s3, "b")

    stubber.assert_no_pending_responses()
    assert len(upload.uploaded) == len(code.files)


def test_a_template_whose_pipeline_names_stale_step_code_is_refused_before_anything_is_built(
    aws: None, tmp_path: Path
) -> None:
    stale = tmp_path / "template.yaml"
    stale.write_text(stack_code.TEMPLATE.read_text().replace(step_code().prefix, "pipelines/code/0123456789abcdef/"))
    runner = RecordingRunner()

    with pytest.raises(StackCommandError, match=r"0123456789abcdef.*run `make pipeline`; nothing was built"):
        deploy(environment("dev", load_samconfig()), clients, io.StringIO(), runner, template=stale)

    assert runner.commands == []


def test_the_model_is_the_one_whose_code_the_template_names_even_rewritten_as_json(tmp_path: Path) -> None:
    from mlopsctl.local.template.loader import read_yaml

    as_json = tmp_path / "template.json"
    as_json.write_text(json.dumps(read_yaml(stack_code.TEMPLATE)))
    nothing = tmp_path / "empty.yaml"
    nothing.write_text("Resources: {}\n")

    assert template_model(as_json) == template_model(stack_code.TEMPLATE) == "text"
    with pytest.raises(StepCodeError, match="names no step code"):
        template_model(nothing)
