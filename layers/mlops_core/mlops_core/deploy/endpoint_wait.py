"""The wait for an endpoint to settle, shared by both machines' ``WaitForEndpoint`` and ``Verify`` steps.

``register_wait`` (Deploy's :mod:`mlops_core.deploy.rollout`, Rollback's :mod:`mlops_core.rollback.tasks`) stores the
wait's task token on the endpoint lock (:func:`park`); the endpoint's state-change event resumes it through
:mod:`mlops_core.deploy.endpoint_events`, whichever machine holds the lock. ``Verify`` counts the fallback waits
(:func:`wait_rounds`) and waits again while the endpoint is still changing (:func:`still_changing`), up to
:data:`~mlops_core.deploy.waits.MAX_WAIT_ROUNDS`. Neither machine's contract is needed here, so the Rollback tasks
import the wait without building the Deploy machine's models.

Examples
--------
>>> wait_rounds({"Error": "States.Timeout"}, 1), wait_rounds({"source": "aws.sagemaker"}, 1)
(2, 1)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from mlops_core.aws.workflows import Workflows
from mlops_core.deploy import preflight as checks
from mlops_core.deploy import waits
from mlops_core.deploy.deployment import DeploymentTimeoutError
from mlops_core.deploy.endpoints import EndpointGateway
from mlops_core.deploy.store import DeploymentStore

__all__ = ["EndpointWait", "park", "still_changing", "wait_rounds"]


class _WaitPorts(Protocol):
    @property
    def store(self) -> DeploymentStore: ...
    @property
    def endpoints(self) -> EndpointGateway: ...
    @property
    def workflows(self) -> Workflows: ...


@dataclass(frozen=True)
class EndpointWait:
    """A ``WaitForEndpoint`` task: the endpoint, the lock owner (the execution's name) and the task token."""

    endpoint_name: str
    owner: str
    token: str


def park(wait: EndpointWait, config_name: str, ports: _WaitPorts, now: datetime, ttl_seconds: int) -> bool:
    """Store the wait's task token on the endpoint lock for ``ttl_seconds``; resume the wait at once (``True``) when
    the endpoint already settled on ``config_name`` (its event came before the token was stored). Deploy and Rollback
    waits alike: EndpointEventsFunction resumes whichever token the lock holds."""
    ports.store.attach_task_token(wait.endpoint_name, wait.owner, wait.token, now, ttl_seconds)
    endpoint = ports.endpoints.describe_endpoint(wait.endpoint_name)
    if not checks.judge_rollout(endpoint, config_name).settled:
        return False
    ports.workflows.resume(wait.token, {"source": "register_wait", "status": endpoint.status if endpoint else None})
    ports.store.detach_task_token(wait.endpoint_name, wait.token)
    return True


def wait_rounds(signal: Any, rounds: int) -> int:
    """The fallback waits so far: ``rounds`` before, plus one if this wait timed out (its signal is an error)."""
    return rounds + (1 if isinstance(signal, Mapping) and signal.get("Error") else 0)


def still_changing(verdict: checks.Verdict, rounds: int, fallback_seconds: int) -> dict[str, Any]:
    """Verify's answer for an endpoint that is still changing: wait again, or (after the last round) fail."""
    if rounds >= waits.MAX_WAIT_ROUNDS:
        raise DeploymentTimeoutError(f"{verdict.reason} after {rounds} fallback waits ({rounds * fallback_seconds} s)")
    return {"next": "wait", "rounds": rounds, "reason": verdict.reason}
