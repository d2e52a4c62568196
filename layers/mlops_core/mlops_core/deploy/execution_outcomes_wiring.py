"""Wiring of the ExecutionEvents function: which endpoint and machines are ours, the ledger and the topic.

The handler builds this once per cold start (lazily, on the first invocation) and tests replace it whole.
"""

from __future__ import annotations

from mlops_core.aws.clients import ClientFactory
from mlops_core.aws.ledger import Ledger
from mlops_core.aws.notifications import SnsNotifier
from mlops_core.deploy.execution_outcomes import ExecutionOutcomeConfig, ExecutionOutcomePorts
from mlops_core.deploy.settings import ExecutionEventsSettings
from mlops_core.deploy.unfinished import LedgerUnfinishedDeployments


def build(
    settings: ExecutionEventsSettings, clients: ClientFactory | None = None
) -> tuple[ExecutionOutcomeConfig, ExecutionOutcomePorts]:
    """The endpoint and the Deploy and Rollback state machines that are ours, the ledger's unfinished deployments and
    the notifier."""
    clients = clients or ClientFactory()
    config = ExecutionOutcomeConfig(
        settings.endpoint_name, settings.deploy_state_machine_arn, settings.rollback_state_machine_arn
    )
    ports = ExecutionOutcomePorts(
        deployments=LedgerUnfinishedDeployments(Ledger(clients.client("dynamodb"), settings.ledger_table_name)),
        notifier=SnsNotifier(clients.client("sns"), settings.notification_topic_arn),
    )
    return config, ports


def from_env() -> tuple[ExecutionOutcomeConfig, ExecutionOutcomePorts]:
    """:func:`build` with the settings read from the environment (``ExecutionEventsSettings``)."""
    return build(ExecutionEventsSettings.from_env())
