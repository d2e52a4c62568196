"""ApprovalFunction's handler: only our model package events act; everything else is acknowledged with a reason."""

from __future__ import annotations

from types import ModuleType

import pytest

from mlops_core.approval.rejection import ExecutionRollbackRequester
from mlops_core.approval.service import ApprovalConfig, ApprovalPorts
from tests.support.deploy.builders import ENDPOINT, ROLLBACK_STATE_MACHINE, STACK, STATE_MACHINE
from tests.support.deploy.events import endpoint_event, package_event
from tests.support.deploy.handlers import context, load_handler
from tests.support.fakes.deploy import GROUP, FakeSageMaker, FakeStore, FakeWorkflows


@pytest.fixture
def workflows() -> FakeWorkflows:
    return FakeWorkflows()


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, workflows: FakeWorkflows) -> ModuleType:
    module = load_handler("approval")
    config = ApprovalConfig(STACK, GROUP, ENDPOINT, STATE_MACHINE, ROLLBACK_STATE_MACHINE)
    sagemaker, store = FakeSageMaker(), FakeStore()
    ports = ApprovalPorts(sagemaker, workflows, store, ExecutionRollbackRequester(workflows, config, store, sagemaker))
    monkeypatch.setattr(module, "dependencies", lambda: (config, ports))
    return module


def test_an_approval_starts_a_deployment_and_says_so(app: ModuleType, workflows: FakeWorkflows) -> None:
    result = app.lambda_handler(package_event(2, "Approved"), context())
    assert result["outcome"] == "ok"
    assert result["reason"] == "approved: first deployment to the endpoint"
    assert list(workflows.executions) == [result["execution_arn"].rsplit(":", 1)[-1]]


def test_another_kind_of_event_is_ignored_with_its_type(app: ModuleType, workflows: FakeWorkflows) -> None:
    result = app.lambda_handler(endpoint_event(ENDPOINT), context())
    assert result == {
        "outcome": "ignored",
        "reason": "SageMaker Endpoint State Change is not a model package state change",
    }
    assert workflows.executions == {}


def test_a_malformed_event_is_ignored_with_the_field_at_fault(app: ModuleType) -> None:
    raw = package_event(2, "Approved")
    del raw["detail"]["ModelApprovalStatus"]
    result = app.lambda_handler(raw, context())
    assert result["outcome"] == "ignored"
    assert "ModelApprovalStatus" in result["reason"]


def test_settings_come_from_the_environment_and_a_missing_one_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    module = load_handler("approval")
    monkeypatch.setenv("STACK_NAME", STACK)
    monkeypatch.setenv("LEDGER_TABLE_NAME", "ledger")
    monkeypatch.setenv("NOTIFICATION_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:t")
    monkeypatch.setenv("MODEL_PACKAGE_GROUP_NAME", GROUP)
    monkeypatch.setenv("ENDPOINT_NAME", ENDPOINT)
    monkeypatch.delenv("DEPLOY_STATE_MACHINE_ARN", raising=False)
    with pytest.raises(Exception, match="DEPLOY_STATE_MACHINE_ARN is required"):
        module.dependencies()
