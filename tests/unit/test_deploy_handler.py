"""DeployTasksFunction's handler: runs the named step; errors reach the state machine under their class names."""

from __future__ import annotations

from types import ModuleType

import pytest

from mlops_core.deploy.deployment import PreflightFailedError
from mlops_core.deploy.tasks import DeployPorts, DeployTasks
from tests.support.deploy.builders import ALARMS, START, deploy_settings, payload
from tests.support.deploy.handlers import context, load_handler
from tests.support.fakes.deploy import (
    FakeAlarms,
    FakeArtifacts,
    FakeFleetAlarms,
    FakeNotifier,
    FakeSageMaker,
    FakeStore,
    FakeWorkflows,
)


@pytest.fixture
def sagemaker() -> FakeSageMaker:
    return FakeSageMaker()


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, sagemaker: FakeSageMaker) -> ModuleType:
    module = load_handler("deploy_tasks")
    fleet, artifacts = FakeFleetAlarms(), FakeArtifacts()
    ports = DeployPorts(sagemaker, FakeAlarms(*ALARMS), FakeStore(), FakeWorkflows(), FakeNotifier(), fleet, artifacts)
    tasks = DeployTasks(deploy_settings(), ports, clock=lambda: START)
    monkeypatch.setattr(module, "dependencies", lambda: tasks)
    return module


def test_the_named_step_runs_and_its_result_goes_back_to_the_state_machine(
    app: ModuleType, sagemaker: FakeSageMaker
) -> None:
    sagemaker.add_package(2)
    plan = app.lambda_handler(payload("preflight", 2), context())
    assert plan["endpoint_config_name"].startswith("mlops-test-c2-")


def test_a_failed_step_raises_its_own_error_class(app: ModuleType) -> None:
    with pytest.raises(PreflightFailedError, match="not found"):
        app.lambda_handler(payload("preflight", 2), context())


def test_finish_reports_the_outcome(app: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    lock = {"attempt": 1, "decision": "skip", "outcome": "SUPERSEDED", "reason": "v3"}
    result = app.lambda_handler(payload("finish", 2, lock=lock), context())
    assert result["outcome"] == "SUPERSEDED"
    assert '"DeploymentsFinished"' in capsys.readouterr().out
    assert result["reason"] == "v3"
