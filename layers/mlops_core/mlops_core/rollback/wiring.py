"""The rollback functions' composition roots: settings and adapters, built once per cold start by their handlers.

RollbackFunction (the alarm's hot path, :mod:`mlops_core.rollback.hot_path`) and RollbackTasksFunction (the
Rollback state machine's tasks, :mod:`mlops_core.rollback.tasks`) each build only their own settings and clients.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mlops_core.aws.clients import ClientFactory
from mlops_core.aws.ledger import Ledger
from mlops_core.aws.notifications import SnsNotifier
from mlops_core.aws.workflows import StepFunctionsWorkflows
from mlops_core.deploy.endpoints import SageMakerEndpoints
from mlops_core.deploy.store import LedgerDeploymentStore
from mlops_core.rollback.settings import RollbackSettings, RollbackTasksSettings

if TYPE_CHECKING:  # each function imports only its own module: RollbackTasksFunction parses no event
    from mlops_core.rollback.hot_path import RollbackConfig, RollbackPorts
    from mlops_core.rollback.tasks import RollbackTasks


def utcnow() -> datetime:
    """The clock of the deployed functions."""
    return datetime.now(UTC)


def alarm_dependencies(clients: ClientFactory | None = None) -> tuple[RollbackConfig, RollbackPorts]:
    """RollbackFunction's configuration and adapters (``ROLLBACK_STATE_MACHINE_ARN``, ledger, SageMaker, SNS...)."""
    from mlops_core.rollback.hot_path import RollbackConfig, RollbackPorts  # noqa: PLC0415

    settings = RollbackSettings.from_env()
    clients = clients or ClientFactory()
    ports = RollbackPorts(
        store=LedgerDeploymentStore(Ledger(clients.client("dynamodb"), settings.ledger_table_name)),
        endpoints=SageMakerEndpoints(clients.sagemaker()),
        workflows=StepFunctionsWorkflows(clients.client("stepfunctions")),
        notifier=SnsNotifier(clients.client("sns"), settings.notification_topic_arn),
    )
    return RollbackConfig.from_settings(settings), ports


def rollback_tasks(clients: ClientFactory | None = None, clock: Callable[[], datetime] = utcnow) -> RollbackTasks:
    """RollbackTasksFunction's tasks on their adapters."""
    from mlops_core.rollback.tasks import RollbackTaskPorts, RollbackTasks  # noqa: PLC0415

    settings = RollbackTasksSettings.from_env()
    clients = clients or ClientFactory()
    ports = RollbackTaskPorts(
        endpoints=SageMakerEndpoints(clients.sagemaker()),
        store=LedgerDeploymentStore(Ledger(clients.client("dynamodb"), settings.ledger_table_name)),
        workflows=StepFunctionsWorkflows(clients.client("stepfunctions")),
        notifier=SnsNotifier(clients.client("sns"), settings.notification_topic_arn),
    )
    return RollbackTasks(settings, ports, clock=clock)
