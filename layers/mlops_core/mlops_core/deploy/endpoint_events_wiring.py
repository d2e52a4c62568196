"""Wiring of the EndpointEvents function: its settings, the ledger's deployment store and Step Functions.

The handler builds this once per cold start (lazily, on the first invocation) and tests replace it whole.
"""

from __future__ import annotations

from mlops_core.aws.clients import ClientFactory
from mlops_core.aws.ledger import Ledger
from mlops_core.aws.workflows import StepFunctionsWorkflows, Workflows
from mlops_core.deploy.settings import EndpointEventsSettings
from mlops_core.deploy.store import DeploymentStore, LedgerDeploymentStore

type EndpointEventsDependencies = tuple[EndpointEventsSettings, DeploymentStore, Workflows]


def build(settings: EndpointEventsSettings, clients: ClientFactory | None = None) -> EndpointEventsDependencies:
    """The settings, the deployment store (the endpoint's lock and its task token) and the workflows to resume."""
    clients = clients or ClientFactory()
    store = LedgerDeploymentStore(Ledger(clients.client("dynamodb"), settings.ledger_table_name))
    return settings, store, StepFunctionsWorkflows(clients.client("stepfunctions"))


def from_env() -> EndpointEventsDependencies:
    """:func:`build` with the settings read from the environment (``EndpointEventsSettings``)."""
    return build(EndpointEventsSettings.from_env())
