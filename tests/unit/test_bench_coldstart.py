"""The cold-start benchmark's logic: environments from the template, the recorded clients, the rows (no timing)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench import coldstart
from bench.coldstart_env import (
    BUDGET,
    environments,
    fake_reference,
    lambda_environment,
    summarise,
)
from bench.coldstart_floor import FLOOR_SCRIPT, FLOORS
from mlops_core.config import (
    ApprovalSettings,
    DataArrivalSettings,
    DeploySettings,
    EndpointEventsSettings,
    ExecutionEventsSettings,
    OriginSettings,
    RollbackSettings,
    RollbackTasksSettings,
    Settings,
    TrainingSettings,
)
from mlops_core.training.pipeline_start import PipelineStartSettings

ROOT = Path(__file__).resolve().parents[2]

SETTINGS: dict[str, tuple[type[Settings], ...]] = {
    "approval": (ApprovalSettings,),
    "data_arrival": (DataArrivalSettings, PipelineStartSettings),
    "deploy_tasks": (DeploySettings,),
    "endpoint_events": (EndpointEventsSettings,),
    "execution_events": (ExecutionEventsSettings,),
    "labeling_events": (TrainingSettings, PipelineStartSettings),
    "pipeline_events": (TrainingSettings,),
    "rollback": (RollbackSettings,),
    "rollback_tasks": (RollbackTasksSettings,),
}


@pytest.fixture(scope="module")
def template_env() -> dict[str, dict[str, str]]:
    return environments(ROOT / "template.yaml")


def test_every_function_gets_the_environment_its_settings_accept(template_env: dict[str, dict[str, str]]) -> None:
    assert sorted(template_env) == sorted(path.parent.name for path in coldstart.functions()) == sorted(SETTINGS)
    for name, classes in SETTINGS.items():
        env = {**template_env[name], "AWS_REGION": "us-east-1"}
        for settings in (*classes, OriginSettings):
            settings.from_env(env)  # a fake value the settings refuse would make the bench measure a failure
    assert template_env["approval"]["DEPLOY_STATE_MACHINE_ARN"].startswith("arn:aws:states:us-east-1:")
    assert template_env["deploy_tasks"]["ENDPOINT_ALARM_NAMES"].count(",") == 1


def test_fake_references_are_well_formed_names_and_arns() -> None:
    where = {"stack": "mlops-local", "region": "eu-west-1", "account": "123456789012"}
    assert fake_reference("LabelingRole", "AWS::IAM::Role", "Arn", **where) == (
        "arn:aws:iam::123456789012:role/mlops-local-LabelingRole"
    )
    assert fake_reference("DataBucket", "AWS::S3::Bucket", None, **where) == "mlops-local-databucket"
    assert fake_reference("LedgerTable", "AWS::DynamoDB::Table", None, **where) == "mlops-local-LedgerTable"
    assert fake_reference("Queue", "AWS::SQS::Queue", "Arn", **where) == (
        "arn:aws:sqs:eu-west-1:123456789012:mlops-local-Queue"
    )


def test_a_sample_never_sees_the_machines_aws_settings() -> None:
    base = {"PATH": "/bin", "AWS_PROFILE": "prod", "AWS_ENDPOINT_URL": "http://x", "COVERAGE_PROCESS_START": "1"}
    env = lambda_environment(base, {"STACK_NAME": "s"}, "us-east-1")
    assert env["PATH"] == "/bin"
    assert "AWS_PROFILE" not in env
    assert "AWS_ENDPOINT_URL" not in env
    assert "COVERAGE_PROCESS_START" not in env
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_CONFIG_FILE"] == env["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    assert env["STACK_NAME"] == "s"


def test_a_row_is_the_ratio_of_medians_and_says_whether_it_is_within_budget() -> None:
    row = summarise("f", ["sns"], [110.0, 300.0, 100.0], [100.0, 90.0, 1000.0])
    assert (row["median_ms"], row["baseline_ms"], row["ratio"], row["within_budget"]) == (110.0, 100.0, 1.1, True)
    over = summarise("f", [], [116.0], [100.0])
    assert over["ratio"] > BUDGET
    assert not over["within_budget"]


def test_the_recording_run_finds_the_wiring_and_every_client_it_creates(
    template_env: dict[str, dict[str, str]],
) -> None:
    path = ROOT / "functions" / "rollback" / "app.py"
    env = lambda_environment({**os.environ, "PYTHONPATH": str(coldstart.LAYER)}, template_env["rollback"], "us-east-1")
    recorded = coldstart.sample(coldstart.FUNCTION_SCRIPT, env, str(path), "record")
    assert recorded["wiring"] == ["dependencies", "origin"]
    assert sorted(recorded["clients"]) == ["dynamodb", "sagemaker", "sns", "stepfunctions"]
    baseline = coldstart.sample(coldstart.BASELINE_SCRIPT, env, json.dumps(recorded["clients"]))
    assert baseline["ms"] > 0


def test_a_row_with_a_floor_gives_the_floors_ratio_and_the_functions_ratio_over_it() -> None:
    row = summarise("f", ["sns"], [150.0, 160.0, 140.0], [100.0, 90.0, 110.0], floor_ms=[120.0, 125.0, 500.0])
    assert (row["floor_ms"], row["floor_ratio"], row["over_floor"]) == (125.0, 1.25, 1.2)
    assert row["floor_samples"] == [120.0, 125.0, 500.0]
    assert row["ratio"] == 1.5
    assert "floor_ms" not in summarise("f", [], [1.0], [1.0])


def test_every_function_has_a_floor_and_the_floor_process_builds_it(template_env: dict[str, dict[str, str]]) -> None:
    assert sorted(FLOORS) == sorted(path.parent.name for path in coldstart.functions())
    env = lambda_environment({**os.environ, "PYTHONPATH": str(coldstart.LAYER)}, template_env["rollback"], "us-east-1")
    clients = json.dumps(["sns"])
    for name in FLOORS:  # every name is a pydantic model of the layer and every Powertools piece constructs
        assert coldstart.sample(FLOOR_SCRIPT, env, clients, coldstart.floor_argument(name))["ms"] > 0


def test_the_floor_process_refuses_a_name_that_is_not_a_pydantic_model(
    template_env: dict[str, dict[str, str]],
) -> None:
    env = lambda_environment({**os.environ, "PYTHONPATH": str(coldstart.LAYER)}, template_env["rollback"], "us-east-1")
    wrong = json.dumps({"models": ["mlops_core.rollback.wiring:alarm_dependencies"], "powertools": []})
    with pytest.raises(RuntimeError, match="is not a pydantic model"):
        coldstart.sample(FLOOR_SCRIPT, env, "[]", wrong)
