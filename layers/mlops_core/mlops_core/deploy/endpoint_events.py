"""Endpoint events resume the Deploy execution waiting on the endpoint (the EndpointEvents function's core).

A Deploy (or rollback) execution waits in ``WaitForEndpoint`` with its task token stored on the endpoint's lock in
the ledger; a final status of the endpoint completes that task so that ``Verify`` judges the outcome. Everything else
is acknowledged with its reason.
"""

from __future__ import annotations

from mlops_core.aws.workflows import Workflows
from mlops_core.deploy.deployment import IN_PROGRESS_STATUSES
from mlops_core.deploy.settings import EndpointEventsSettings
from mlops_core.deploy.store import DeploymentStore
from mlops_core.events import EndpointDeploymentStateChangeEvent, EndpointStateChangeEvent
from mlops_core.handler import Handled, Ignored

type EndpointEvent = EndpointStateChangeEvent | EndpointDeploymentStateChangeEvent
ENDPOINT_EVENTS: tuple[type[EndpointEvent], ...] = (EndpointStateChangeEvent, EndpointDeploymentStateChangeEvent)
"""The two events that report an endpoint's status."""


def endpoint_status(event: EndpointEvent) -> str | None:
    """The endpoint's status the event reports (the deployment event's ``EndpointStatus``), in the API's spelling."""
    return event.status if isinstance(event, EndpointStateChangeEvent) else event.endpoint_status


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


def on_endpoint_event(
    event: EndpointEvent, settings: EndpointEventsSettings, store: DeploymentStore, workflows: Workflows
) -> Handled | Ignored:
    """The handler's act: an event of another endpoint is ignored; one of ours resumes the waiting deployment when
    the status is final (logged as ``endpoint event handled`` with the status; returns ``{"outcome", "reason"}``)."""
    if event.endpoint_name != settings.endpoint_name:
        return Ignored(f"endpoint {event.endpoint_name} is not ours")
    status = endpoint_status(event)
    outcome, reason = resume_waiting_deployment(
        settings.endpoint_name, status, store=store, workflows=workflows, source=event.detail_type
    )
    result = {"outcome": outcome, "reason": reason}
    return Handled(result, "endpoint event handled", extra={**result, "status": status})
