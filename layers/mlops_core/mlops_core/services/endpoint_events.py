"""Endpoint events resume the Deploy execution waiting on the endpoint (the EndpointEvents function's core).

A Deploy (or rollback) execution waits in ``WaitForEndpoint`` with its task token stored on the endpoint's lock in
the ledger; a final status of the endpoint completes that task so that ``Verify`` judges the outcome. Everything else
is acknowledged with its reason.
"""

from __future__ import annotations

from mlops_core.adapters.deployments import DeploymentStore
from mlops_core.adapters.workflows import Workflows
from mlops_core.domain.deployment import IN_PROGRESS_STATUSES


def resume_waiting_deployment(
    endpoint_name: str, status: str | None, *, store: DeploymentStore, workflows: Workflows, source: str
) -> tuple[str, str]:
    """Resume the deployment waiting on ``endpoint_name`` when its status is final; ``(outcome, reason)``.

    Non-final statuses (``Updating`` ...) are ignored: the wait is resumed once, when there is something to verify.
    A stale token (the wait already resumed or timed out) is not an error.
    """
    if status is None or status in IN_PROGRESS_STATUSES:
        return "ignored", f"endpoint is {status or 'in an unknown state'}; a deployment waits for a final state"
    lock = store.read_lock(endpoint_name)
    if lock is None or not lock.task_token:
        return "ignored", f"no deployment is waiting on {endpoint_name}"
    resumed = workflows.resume(lock.task_token, {"source": source, "status": status})
    store.detach_task_token(endpoint_name, lock.task_token)
    if not resumed:
        return "ignored", f"the wait of deployment {lock.deployment_id} had already resumed"
    return "ok", f"resumed deployment {lock.deployment_id} (endpoint {status})"
