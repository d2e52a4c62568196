"""``status``, ``history`` and ``watch`` when the stack is not there, or is not this project's: one line, exit 1."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from click.testing import CliRunner
from moto import mock_aws

from mlopsctl.cli import build_cli

COMMANDS = ["status", "history", "watch"]
NOT_OURS = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("as_json", [[], ["--json"]])
def test_a_missing_stack_is_one_line_and_exit_1(aws: None, command: str, as_json: list[str]) -> None:
    result = CliRunner().invoke(build_cli(), [command, "--stack", "nope", "--region", "us-east-1", *as_json])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == ["error: stack nope not found in us-east-1"]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_stack_of_another_project_is_one_line_naming_the_missing_output(aws: None, command: str) -> None:
    boto3.client("cloudformation").create_stack(StackName="theirs", TemplateBody=json.dumps(NOT_OURS))
    result = CliRunner().invoke(build_cli(), [command, "--stack", "theirs", "--region", "us-east-1"])
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: stack theirs has no output ")
    assert line.endswith(": is it a stack of this project?")
