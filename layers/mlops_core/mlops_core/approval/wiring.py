"""The composition root of ApprovalFunction: settings and adapters, once per cold start."""

from __future__ import annotations

from mlops_core.approval.rejection import ExecutionRollbackRequester
from mlops_core.approval.service import ApprovalConfig, ApprovalPorts
from mlops_core.approval.settings import ApprovalSettings
from mlops_core.aws.clients import ClientFactory
from mlops_core.aws.ledger import Ledger
from mlops_core.aws.workflows import StepFunctionsWorkflows
from mlops_core.deploy.endpoints import SageMakerEndpoints
from mlops_core.deploy.store import LedgerDeploymentStore


def approval_dependencies(clients: ClientFactory | None = None) -> tuple[ApprovalConfig, ApprovalPorts]:
    """ApprovalFunction's configuration and adapters."""
    settings = ApprovalSettings.from_env()
    clients = clients or ClientFactory()
    config = ApprovalConfig(
        settings.stack_name,
        settings.model_package_group_name,
        settings.endpoint_name,
        settings.deploy_state_machine_arn,
        settings.rollback_state_machine_arn,
    )
    workflows = StepFunctionsWorkflows(clients.client("stepfunctions"))
    endpoints = SageMakerEndpoints(clients.sagemaker())
    store = LedgerDeploymentStore(Ledger(clients.client("dynamodb"), settings.ledger_table_name))
    rollback = ExecutionRollbackRequester(workflows, config, store, endpoints)
    return config, ApprovalPorts(endpoints=endpoints, workflows=workflows, store=store, rollback=rollback)
