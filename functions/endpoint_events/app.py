"""EndpointEventsFunction: ``Endpoint State Change`` / ``Endpoint Deployment State Change`` → resume the waiting deploy.

Only a final status of our endpoint resumes the Deploy execution waiting on it (its task token is on the endpoint's
lock in the ledger); everything else is acknowledged as ignored with its reason. Returns ``{"outcome", "reason"}``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from mlops_core.adapters.clients import ClientFactory
from mlops_core.adapters.deployments import DeploymentStore, LedgerDeploymentStore
from mlops_core.adapters.ledger import Ledger
from mlops_core.adapters.workflows import StepFunctionsWorkflows, Workflows
from mlops_core.events import (
    EndpointDeploymentStateChangeEvent,
    EndpointStateChangeEvent,
    EventError,
    Origin,
    parse_event,
)
from mlops_core.services.endpoint_events import resume_waiting_deployment
from mlops_core.settings.base import OriginSettings
from mlops_core.settings.deploy import EndpointEventsSettings

logger = Logger()


@cache
def origin() -> Origin:
    """This function's account and Region (``ACCOUNT_ID``, ``AWS_REGION``), read once per cold start."""
    return OriginSettings.from_env().origin()


@cache
def dependencies() -> tuple[EndpointEventsSettings, DeploymentStore, Workflows]:
    """Settings and adapters, built on the first invocation of a cold start (tests replace this function)."""
    settings = EndpointEventsSettings.from_env()
    clients = ClientFactory()
    store = LedgerDeploymentStore(Ledger(clients.client("dynamodb"), settings.ledger_table_name))
    return settings, store, StepFunctionsWorkflows(clients.client("stepfunctions"))


def _ignored(reason: str) -> dict[str, Any]:
    logger.info("event ignored", extra={"reason": reason})
    return {"outcome": "ignored", "reason": reason}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001 - Lambda signature
    """Resume the deployment waiting on our endpoint when the event reports a final status."""
    try:
        parsed = parse_event(event, origin=origin())
    except EventError as exc:
        return _ignored(exc.reason)
    if isinstance(parsed, EndpointStateChangeEvent):
        status: str | None = parsed.status
    elif isinstance(parsed, EndpointDeploymentStateChangeEvent):
        status = parsed.endpoint_status
    else:
        return _ignored(f"{parsed.detail_type} is not an endpoint state change")
    settings, store, workflows = dependencies()
    if parsed.endpoint_name != settings.endpoint_name:
        return _ignored(f"endpoint {parsed.endpoint_name} is not ours")
    outcome, reason = resume_waiting_deployment(
        settings.endpoint_name, status, store=store, workflows=workflows, source=parsed.detail_type
    )
    logger.info("endpoint event handled", extra={"outcome": outcome, "reason": reason, "status": status})
    return {"outcome": outcome, "reason": reason}
