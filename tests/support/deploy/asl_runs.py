"""The Deploy machine run by moto's Step Functions interpreter: the execution input, an endpoint already live, and
SageMaker's endpoint event delivered to EndpointEventsFunction (the ASL run tests' helpers)."""

from __future__ import annotations

from typing import Any

from mlops_core.config import EndpointEventsSettings
from tests.support.deploy.builders import ENDPOINT, request
from tests.support.deploy.events import endpoint_event
from tests.support.deploy.handlers import context, load_handler
from tests.support.deploy.sfn import DeployMachine
from tests.support.fakes.deploy import FakeSageMaker

#: The lock's waits of the machines run on moto, whose interpreter really sleeps in a Wait state.
FAST = {"deploy_lock_retry_seconds": 0, "deploy_lock_max_attempts": 5}


def execution_input(version: int) -> dict[str, Any]:
    """The input ApprovalFunction starts the deployment of ``version`` with."""
    return {"request": request(version)}


def live_on(machine: DeployMachine, sagemaker: FakeSageMaker, version: int) -> None:
    """The endpoint already serves ``version``, deployed by an earlier execution."""
    sagemaker.add_package(version)
    done = machine.run(execution_input(version), name=f"earlier-v{version}")
    assert done["status"] == "SUCCEEDED"
    machine.steps.clear()


def endpoint_reports(machine: DeployMachine, status: str = "IN_SERVICE") -> dict[str, Any]:
    """SageMaker's event for the endpoint, delivered to EndpointEventsFunction wired to the machine's adapters."""
    app = load_handler("endpoint_events")
    settings = EndpointEventsSettings(
        stack_name="mlops-test",
        ledger_table_name=machine.settings.ledger_table_name,
        notification_topic_arn=machine.settings.notification_topic_arn,
        endpoint_name=ENDPOINT,
    )
    app.dependencies = lambda: (settings, machine.store, machine.workflows)
    result: dict[str, Any] = app.lambda_handler(endpoint_event(ENDPOINT, status), context())
    return result
