"""EndpointEventsFunction: a final state of our endpoint resumes the deployment waiting on it, once."""

from __future__ import annotations

from types import ModuleType

import pytest

from mlops_core.config import EndpointEventsSettings
from tests.support.deploy.builders import ENDPOINT, STACK, START, TOPIC
from tests.support.deploy.events import deployment_event, endpoint_event, package_event
from tests.support.deploy.handlers import context, load_handler
from tests.support.fakes.deploy import FakeStore, FakeWorkflows

WAITING = "mlops-test-v4-0123456789abcdef"


class World:
    def __init__(self) -> None:
        self.store = FakeStore()
        self.workflows = FakeWorkflows()

    def waiting(self) -> None:
        """A deployment holds the lock and waits with its task token."""
        token = "token-1"
        self.store.acquire_lock(ENDPOINT, WAITING, START, 1800)
        self.store.attach_task_token(ENDPOINT, WAITING, token, START, 1800)
        self.workflows.live_tokens.add(token)


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, world: World) -> ModuleType:
    module = load_handler("endpoint_events")
    settings = EndpointEventsSettings(
        stack_name=STACK, ledger_table_name="ledger", notification_topic_arn=TOPIC, endpoint_name=ENDPOINT
    )
    monkeypatch.setattr(module, "dependencies", lambda: (settings, world.store, world.workflows))
    return module


@pytest.mark.parametrize("status", ["IN_SERVICE", "FAILED", "OUT_OF_SERVICE", "UPDATE_ROLLBACK_FAILED"])
def test_a_final_endpoint_state_resumes_the_waiting_deployment(app: ModuleType, world: World, status: str) -> None:
    world.waiting()
    result = app.lambda_handler(endpoint_event(ENDPOINT, status), context())
    assert result["outcome"] == "ok"
    assert WAITING in result["reason"]
    (token, output), *_ = world.workflows.resumed
    assert token == "token-1"
    assert output["source"] == "SageMaker Endpoint State Change"
    assert world.store.read_lock(ENDPOINT).task_token is None


def test_a_deployment_state_change_that_reports_in_service_resumes_it_too(app: ModuleType, world: World) -> None:
    world.waiting()
    result = app.lambda_handler(deployment_event(ENDPOINT, "IN_SERVICE", variant_status=None), context())
    assert result["outcome"] == "ok"
    assert world.workflows.resumed[0][1] == {
        "source": "SageMaker Endpoint Deployment State Change",
        "status": "InService",
    }


@pytest.mark.parametrize(
    "event",
    [
        endpoint_event(ENDPOINT, "UPDATING"),
        endpoint_event(ENDPOINT, "CREATING"),
        deployment_event(ENDPOINT, "UPDATING"),
    ],
)
def test_progress_events_do_not_resume_the_wait(app: ModuleType, world: World, event: dict) -> None:
    world.waiting()
    result = app.lambda_handler(event, context())
    assert result["outcome"] == "ignored"
    assert "waits for a final state" in result["reason"]
    assert world.workflows.resumed == []


def test_a_duplicate_final_event_is_ignored_once_the_wait_resumed(app: ModuleType, world: World) -> None:
    world.waiting()
    app.lambda_handler(endpoint_event(ENDPOINT), context())
    again = app.lambda_handler(endpoint_event(ENDPOINT), context())
    assert again == {"outcome": "ignored", "reason": f"no deployment is waiting on {ENDPOINT}"}
    assert len(world.workflows.resumed) == 1


def test_a_stale_token_is_not_an_error(app: ModuleType, world: World) -> None:
    world.waiting()
    world.workflows.live_tokens.clear()
    result = app.lambda_handler(endpoint_event(ENDPOINT), context())
    assert result["outcome"] == "ignored"
    assert "had already resumed" in result["reason"]


def test_another_endpoint_is_not_ours(app: ModuleType, world: World) -> None:
    world.waiting()
    result = app.lambda_handler(endpoint_event("someone-elses"), context())
    assert result == {"outcome": "ignored", "reason": "endpoint someone-elses is not ours"}
    assert world.workflows.resumed == []


def test_other_events_are_ignored_with_their_type(app: ModuleType) -> None:
    result = app.lambda_handler(package_event(3, "Approved"), context())
    assert result == {
        "outcome": "ignored",
        "reason": "SageMaker Model Package State Change is not an endpoint state change",
    }
