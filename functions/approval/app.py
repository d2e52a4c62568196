"""ApprovalFunction: ``SageMaker Model Package State Change`` of our group → deploy, record, or request a rollback.

Returns ``{"outcome": "ok" | "ignored", "reason": ...}`` (the local stack's action log reads it). Events that are
not for this function are acknowledged as ignored with their reason; transient failures propagate, so Lambda's
asynchronous retries and the function's dead-letter queue keep the event.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from mlops_core.adapters.clients import ClientFactory
from mlops_core.adapters.deployments import LedgerDeploymentStore
from mlops_core.adapters.endpoints import SageMakerEndpoints
from mlops_core.adapters.ledger import Ledger
from mlops_core.adapters.workflows import StepFunctionsWorkflows
from mlops_core.domain.deployment import Timing
from mlops_core.events import EventError, ModelPackageStateChangeEvent, Origin, parse_event_as
from mlops_core.services.approval import (
    ApprovalConfig,
    ApprovalPorts,
    ExecutionRollbackRequester,
    handle_package_event,
)
from mlops_core.settings.base import OriginSettings
from mlops_core.settings.deploy import ApprovalSettings

logger = Logger()
metrics = Metrics()


@cache
def origin() -> Origin:
    """This function's account and Region (``ACCOUNT_ID``, ``AWS_REGION``), read once per cold start."""
    return OriginSettings.from_env().origin()


@cache
def dependencies() -> tuple[ApprovalConfig, ApprovalPorts]:
    """Settings and adapters, built on the first invocation of a cold start (tests replace this function)."""
    settings = ApprovalSettings.from_env()
    clients = ClientFactory()
    timing = Timing(
        lock_retry_seconds=settings.deploy_lock_retry_seconds,
        lock_max_attempts=settings.deploy_lock_max_attempts,
    )
    config = ApprovalConfig(
        settings.stack_name,
        settings.model_package_group_name,
        settings.endpoint_name,
        settings.deploy_state_machine_arn,
        timing,
    )
    workflows = StepFunctionsWorkflows(clients.client("stepfunctions"))
    ports = ApprovalPorts(
        endpoints=SageMakerEndpoints(clients.sagemaker()),
        workflows=workflows,
        store=LedgerDeploymentStore(Ledger(clients.client("dynamodb"), settings.ledger_table_name)),
        rollback=ExecutionRollbackRequester(workflows, config),
    )
    return config, ports


def _ignored(reason: str) -> dict[str, Any]:
    logger.warning("event ignored", extra={"reason": reason})
    metrics.add_metric(name="EventsIgnored", unit=MetricUnit.Count, value=1)
    return {"outcome": "ignored", "reason": reason}


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001 - Lambda signature
    """Parse the event, decide and act; return the outcome and its reason."""
    try:
        parsed = parse_event_as(event, ModelPackageStateChangeEvent, "a model package state change", origin=origin())
    except EventError as exc:
        return _ignored(exc.reason)
    config, ports = dependencies()
    result = handle_package_event(parsed, config, ports, datetime.now(UTC)).as_dict()
    metrics.add_metric(name=f"Approval{str(result.get('action', 'Ignored')).title()}", unit=MetricUnit.Count, value=1)
    logger.info("model package event handled", extra=result)
    return result
