"""The composition root of DeployTasksFunction: settings and adapters, once per cold start."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mlops_core.aws.clients import ClientFactory
from mlops_core.aws.ledger import Ledger
from mlops_core.aws.notifications import SnsNotifier
from mlops_core.aws.workflows import StepFunctionsWorkflows
from mlops_core.deploy.endpoints import CloudWatchAlarms, SageMakerEndpoints
from mlops_core.deploy.fleet_alarms import CloudWatchFleetAlarms
from mlops_core.deploy.model_artifacts import S3ModelArtifacts
from mlops_core.deploy.settings import DeploySettings
from mlops_core.deploy.store import LedgerDeploymentStore

if TYPE_CHECKING:
    from mlops_core.deploy.tasks import DeployTasks


def deploy_tasks(clients: ClientFactory | None = None) -> DeployTasks:
    """DeployTasksFunction's tasks on their adapters."""
    from mlops_core.deploy.tasks import DeployPorts, DeployTasks  # noqa: PLC0415

    settings = DeploySettings.from_env()
    clients = clients or ClientFactory()
    ports = DeployPorts(
        endpoints=SageMakerEndpoints(clients.sagemaker()),
        alarms=CloudWatchAlarms(clients.client("cloudwatch")),
        store=LedgerDeploymentStore(Ledger(clients.client("dynamodb"), settings.ledger_table_name)),
        workflows=StepFunctionsWorkflows(clients.client("stepfunctions")),
        notifier=SnsNotifier(clients.client("sns"), settings.notification_topic_arn),
        fleet_alarms=CloudWatchFleetAlarms(clients.client("cloudwatch")),
        artifacts=S3ModelArtifacts(clients.client("s3")),
    )
    return DeployTasks(settings, ports, clock=lambda: datetime.now(UTC))
