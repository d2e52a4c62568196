"""``mlopsctl local invoke FUNCTION --event FILE``: every file in events/, as it is, through its function.

Each run asserts the exit code, a JSON last line, and that the handler did what the event asks (or ignored it for
a reason other than a name mismatch: the deployed stack's names are mapped to the local stack's).
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from mlopsctl.cli import main
from tests.support.events import PROJECT_EVENTS, project_event, project_event_paths

FUNCTION_OF = {
    "alarm_state_alarm.json": "RollbackFunction",
    "data_arrival_sqs.json": "DataArrivalFunction",
    "endpoint_deployment_state.json": "EndpointEventsFunction",
    "endpoint_state_in_service.json": "EndpointEventsFunction",
    "execution_failed.json": "ExecutionEventsFunction",
    "labeling_job_completed.json": "LabelingEventsFunction",
    "labeling_job_failed.json": "LabelingEventsFunction",
    "model_package_approved.json": "ApprovalFunction",
    "model_package_pending.json": "ApprovalFunction",
    "model_package_rejected.json": "ApprovalFunction",
    "pipeline_execution_failed.json": "PipelineEventsFunction",
    "pipeline_execution_succeeded.json": "PipelineEventsFunction",
}
#: What a function says when an event names another stack's resources (what unmapped names of events/ gave).
NAME_MISMATCH = ("not ours", "not this stack", "not one of this stack", "foreign", "from account", "watches endpoint")


def _invoke(capsys: pytest.CaptureFixture[str], function: str, event: Path, *extra: str) -> tuple[int, Any, list, str]:
    code = main(["local", "invoke", function, "--event", str(event), *extra])
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert lines, captured.err
    log = [json.loads(line) for line in lines[:-1]]
    return code, json.loads(lines[-1]), log, captured.err


def _calls(log: list[dict[str, Any]], service: str, operation: str) -> list[dict[str, Any]]:
    return [e for e in log if e["kind"] == "aws_call" and (e["service"], e["operation"]) == (service, operation)]


def _not_a_name_mismatch(result: dict[str, Any]) -> None:
    reason = str(result.get("reason"))
    assert not any(words in reason for words in NAME_MISMATCH), reason
    assert "mlops-dev" not in reason, reason


README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readmes_example_prints_what_the_readme_shows(capsys: pytest.CaptureFixture[str]) -> None:
    ((command, shown),) = re.findall(
        r"```console\n\$ \.venv/bin/(mlopsctl local invoke [^|\n]+)\| tail -1\n(.+)\n```", README.read_text()
    )
    argv = [str(README.parent / arg) if arg.startswith("events/") else arg for arg in shlex.split(command)[1:]]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == json.loads(shown)


def test_the_readmes_sam_local_invoke_commands_name_functions_and_events_that_exist() -> None:
    commands = re.findall(r"sam local invoke (\w+) (?:--event|-e) (\S+)", README.read_text())
    assert commands
    template = (README.parent / "template.yaml").read_text()
    for function, event in commands:
        assert re.search(rf"^  {function}:\n    Type: AWS::Serverless::Function$", template, re.M), function
        assert (README.parent / event).is_file(), event


def test_every_file_in_events_has_a_function_here() -> None:
    assert {path.name for path in project_event_paths()} == FUNCTION_OF.keys()


def test_sqs_batch_of_s3_events_claims_each_object_and_starts_one_labeling_job(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, result, log, err = _invoke(capsys, "DataArrivalFunction", PROJECT_EVENTS / "data_arrival_sqs.json")
    assert code == 0
    assert result == {"batchItemFailures": []}
    assert "mlops-dev-data-123456789012 → mlops-local-databucket" in err
    (job,) = _calls(log, "sagemaker", "create_labeling_job")
    assert job["params"]["LabelingJobName"].startswith("mlops-local-")
    manifests = [c for c in _calls(log, "s3", "put_object") if c["params"]["Key"].endswith("input.manifest")]
    assert len(manifests) == 1
    claims = json.dumps(_calls(log, "dynamodb", "transact_write_items"))
    for key in ("review-0001.txt", "customer feedback.csv", "données-été.jsonl"):
        assert key in claims or json.dumps(key)[1:-1] in claims, key


def test_approval_starts_a_deployment_execution(capsys: pytest.CaptureFixture[str]) -> None:
    code, result, log, err = _invoke(capsys, "ApprovalFunction", PROJECT_EVENTS / "model_package_approved.json")
    assert code == 0
    assert (result["outcome"], result["action"]) == ("ok", "DEPLOY")
    (start,) = _calls(log, "stepfunctions", "start_execution")
    assert start["params"]["stateMachineArn"].endswith(":stateMachine:mlops-local-deploy")
    assert json.loads(start["params"]["input"])["request"]["model_package_arn"].endswith("/mlops-models/3")
    assert [e["state_machine"] for e in log if e["kind"] == "execution"] == ["DeployStateMachine"]
    assert "mlops-dev-models → mlops-models" in err


@pytest.mark.parametrize(
    ("file", "reason"),
    [("model_package_pending.json", "pending manual approval"), ("model_package_rejected.json", "rejected before")],
)
def test_pending_and_rejected_packages_are_recorded(capsys: pytest.CaptureFixture[str], file: str, reason: str) -> None:
    code, result, log, _err = _invoke(capsys, "ApprovalFunction", PROJECT_EVENTS / file)
    assert code == 0
    assert (result["outcome"], result["action"]) == ("ok", "RECORD")
    assert reason in result["reason"]
    assert _calls(log, "dynamodb", "put_item")
    assert not _calls(log, "stepfunctions", "start_execution")


@pytest.mark.parametrize(
    ("file", "status", "summary"),
    [
        ("pipeline_execution_succeeded.json", "Succeeded", "training succeeded"),
        ("pipeline_execution_failed.json", "Failed", "training failed"),
    ],
)
def test_pipeline_outcome_is_recorded_and_notified(
    capsys: pytest.CaptureFixture[str], file: str, status: str, summary: str
) -> None:
    code, result, log, err = _invoke(capsys, "PipelineEventsFunction", PROJECT_EVENTS / file)
    assert code == 0
    assert (result["outcome"], result["status"]) == ("ok", status)
    assert summary in result["reason"]
    assert ":pipeline/mlops-local-training/execution/" in result["execution_arn"]
    (published,) = _calls(log, "sns", "publish")
    assert json.loads(published["params"]["Message"])["outcome"] == status.upper()
    assert "prepared: started an execution of mlops-local-training" in err
    assert f"in the event's status {status} (its pipeline did not run)" in err


def test_alarm_of_the_endpoint_is_ours_and_finds_nothing_live_to_roll_back(capsys: pytest.CaptureFixture[str]) -> None:
    code, result, log, err = _invoke(capsys, "RollbackFunction", PROJECT_EVENTS / "alarm_state_alarm.json")
    assert code == 0
    assert (result["outcome"], result["action"]) == ("ok", "RECORD")
    assert "no deployment of this system is live on mlops-endpoint" in result["reason"]
    assert "mlops-dev-endpoint-5xx → mlops-local-endpointerrorsalarm" in err
    assert _calls(log, "dynamodb", "update_item")


def test_a_failed_deploy_execution_of_the_stack_is_closed_and_notified(capsys: pytest.CaptureFixture[str]) -> None:
    code, result, log, err = _invoke(capsys, "ExecutionEventsFunction", PROJECT_EVENTS / "execution_failed.json")
    assert code == 0
    assert (result["outcome"], result["record_closed"]) == ("ok", True)
    assert "mlops-dev-deploy → mlops-local-deploy" in err
    (published,) = _calls(log, "sns", "publish")
    message = json.loads(published["params"]["Message"])
    assert (message["outcome"], message["reason"]) == ("FAILED", result["reason"])
    assert ":execution:mlops-local-deploy:mlops-local-v3-" in message["execution_arn"]


MISSING_JOB = "labeling job mlops-local-3f9a2c1d0b7e4a6c8d2f does not exist"


@pytest.mark.parametrize(
    ("file", "function", "reason"),
    [
        ("labeling_job_completed.json", "LabelingEventsFunction", MISSING_JOB),
        ("labeling_job_failed.json", "LabelingEventsFunction", MISSING_JOB),
        ("endpoint_state_in_service.json", "EndpointEventsFunction", "no deployment is waiting on mlops-endpoint"),
        ("endpoint_deployment_state.json", "EndpointEventsFunction", "a deployment waits for a final state"),
    ],
)  # fmt: skip
def test_events_needing_state_a_fresh_stack_lacks_are_ignored_for_that_reason(
    capsys: pytest.CaptureFixture[str], file: str, function: str, reason: str
) -> None:
    code, result, _log, _err = _invoke(capsys, function, PROJECT_EVENTS / file)
    assert code == 0
    assert result["outcome"] == "ignored"
    assert reason in result["reason"]
    _not_a_name_mismatch(result)


def _as_another_stack(path: Path, tmp_path: Path) -> Path:
    """The same event from stack team-a-prod in account 210987654321, eu-west-1 (SageMaker's image stays AWS's)."""
    text = path.read_text(encoding="utf-8")
    text = text.replace("mlops-dev", "team-a-prod").replace("123456789012", "210987654321")
    copy = tmp_path / path.name
    copy.write_text(text.replace("us-east-1", "eu-west-1"), encoding="utf-8")
    return copy


def test_any_deployed_stack_account_and_region_are_mapped(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    event = _as_another_stack(PROJECT_EVENTS / "model_package_approved.json", tmp_path)
    code, result, log, err = _invoke(capsys, "ApprovalFunction", event)
    assert code == 0, err
    assert (result["outcome"], result["action"]) == ("ok", "DEPLOY")
    assert "deployed stack team-a-prod in 210987654321 / eu-west-1 → local mlops-local in 123456789012" in err
    assert _calls(log, "stepfunctions", "start_execution")


def test_an_sqs_batch_of_another_stack_is_mapped_too(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    event = _as_another_stack(PROJECT_EVENTS / "data_arrival_sqs.json", tmp_path)
    code, result, log, err = _invoke(capsys, "DataArrivalFunction", event)
    assert code == 0, err
    assert result == {"batchItemFailures": []}
    assert len(_calls(log, "sagemaker", "create_labeling_job")) == 1


def test_an_event_of_a_foreign_account_stays_foreign(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Only the event's own account is mapped: an ARN of a third account is still refused by the handler."""
    raw = project_event("model_package_approved.json")
    raw["detail"]["ModelPackageArn"] = raw["detail"]["ModelPackageArn"].replace("123456789012", "999999999999")
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps(raw, indent=2), encoding="utf-8")
    code, result, log, _err = _invoke(capsys, "ApprovalFunction", foreign)
    assert code == 0
    assert result["outcome"] == "ignored"
    assert "999999999999" in result["reason"]
    assert not _calls(log, "stepfunctions", "start_execution")


def test_without_mapping_the_files_name_another_stack(capsys: pytest.CaptureFixture[str]) -> None:
    code, result, _log, _err = _invoke(
        capsys, "ApprovalFunction", PROJECT_EVENTS / "model_package_approved.json", "--no-map"
    )
    assert code == 0
    assert result == {"outcome": "ignored", "reason": "model package group mlops-dev-models is not ours"}


def test_a_handler_that_raises_exits_1_with_lambdas_error_payload(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    event = tmp_path / "deploy_step.json"
    event.write_text(json.dumps({"step": "no-such-step"}), encoding="utf-8")
    code, result, log, _err = _invoke(capsys, "DeployTasksFunction", event)
    assert code == 1
    assert set(result) == {"errorType", "errorMessage"}
    assert [e["outcome"] for e in log if e["kind"] == "handler"] == ["error"]


@pytest.mark.parametrize("name", ["functions/approval", "functions/approval/", "approvalfunction"])
def test_a_function_is_named_by_its_logical_id_or_its_code_folder(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    code, result, _log, _err = _invoke(capsys, name, PROJECT_EVENTS / "model_package_pending.json")
    assert code == 0
    assert (result["outcome"], result["action"]) == ("ok", "RECORD")


def test_unknown_function_and_unreadable_event_are_usage_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["local", "invoke", "NoSuchFunction", "--event", str(PROJECT_EVENTS / "alarm_state_alarm.json")]) == 2
    assert "no function 'NoSuchFunction'" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_text('{"a": 1}\n{"b": 2}\n', encoding="utf-8")
    assert main(["local", "invoke", "ApprovalFunction", "--event", str(broken)]) == 2
    assert "is not one JSON document" in capsys.readouterr().err
