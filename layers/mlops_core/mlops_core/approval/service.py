"""A model package changed state: deploy it, record it, or ask for a rollback (the Approval function's core).

The decision is :mod:`mlops_core.approval.rules`'s table; this module reads what the table needs (how the
endpoint relates to the package), records every event of our group in the ledger, and acts. An event naming a package
that is not ours (another group in its detail or its ARN) is ignored with the reason before anything is read or
recorded:

- ``DEPLOY``: start the Deploy state machine. The execution's name is derived from the package ARN and the approval
  change (the package's ``LastModifiedTime``, else the event time, else the event id), so duplicated events start
  one execution; ``ExecutionAlreadyExists`` counts as started. An event whose status is the one the ledger last
  recorded for the package (a repeat, or a metadata edit announced without ``UpdatedModelPackageFields``) never
  deploys.
- ``ROLLBACK``: a live package was rejected. The :class:`RollbackRequester` port does it
  (:class:`~mlops_core.approval.rejection.ExecutionRollbackRequester`): it decides from the ledger, once, and starts
  the Rollback state machine with the plan (``statemachines/rollback.asl.json``, :mod:`mlops_core.rollback`); one
  execution per rejection.
- ``RECORD`` / ``IGNORE``: nothing else happens.

The result follows the handlers' convention for the local stack's action log: ``{"outcome": "ok" | "ignored",
"reason": ...}``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, ClassVar

from mlops_core.approval.rules import (
    Action,
    EndpointRelation,
    approval_changed,
    decide,
    needs_endpoint,
    package_not_ours,
)
from mlops_core.aws.workflows import Workflows
from mlops_core.deploy.contract.input import ApprovalTrigger, DeployInput, DeployRequest
from mlops_core.deploy.deployment import execution_name, model_name
from mlops_core.deploy.endpoints import EndpointGateway
from mlops_core.deploy.ledger_items import PackageEventFields
from mlops_core.deploy.store import DeploymentStore
from mlops_core.events import ModelPackageStateChangeEvent
from mlops_core.handler import EventResult, Handled
from mlops_core.timefmt import stamp


class RollbackRequester(ABC):
    """Restores the last known-good model of an endpoint whose live package was rejected (Rollback feature)."""

    @abstractmethod
    def request_rollback(
        self, endpoint_name: str, event: ModelPackageStateChangeEvent, reason: str, now: datetime
    ) -> str:
        """Ask for the rollback; return what was done, for the log and the handler's result."""


@dataclass(frozen=True)
class ApprovalConfig:
    """Which group and endpoint are ours, the Deploy state machine, and the Rollback state machine."""

    stack_name: str
    model_package_group_name: str
    endpoint_name: str
    state_machine_arn: str
    rollback_state_machine_arn: str


@dataclass(frozen=True)
class ApprovalPorts:
    """The adapters the Approval service talks to."""

    endpoints: EndpointGateway
    workflows: Workflows
    store: DeploymentStore
    rollback: RollbackRequester


@dataclass(frozen=True)
class ApprovalResult(EventResult):
    """The handler's :class:`~mlops_core.handler.EventResult`, its details returned whole, and how it is reported."""

    keeps_none: ClassVar[bool] = True

    def reported(self) -> Handled:
        """How the handler reports it: logged as handled, counted as ``Approval<Action>`` (``ApprovalIgnored``)."""
        result = self.as_dict()
        return Handled(result, "model package event handled", f"Approval{str(result.get('action', 'Ignored')).title()}")


def endpoint_relation(
    endpoints: EndpointGateway, endpoint_name: str, model: str, deploying: Callable[[], bool] | None = None
) -> EndpointRelation:
    """Whether the endpoint is absent, serves the model made from this package, is being updated to it (its pending
    config serves the model, or ``deploying()`` says the lock holder deploys it), or serves another one."""
    endpoint = endpoints.describe_endpoint(endpoint_name)
    if endpoint is None:
        return EndpointRelation.ABSENT
    variants = endpoints.endpoint_variants(endpoint.config_name) if endpoint.config_name else ()
    if any(variant.model_name == model for variant in variants):
        return EndpointRelation.SERVES_THIS
    if deploying is not None:
        pending = endpoints.endpoint_variants(endpoint.pending_config_name) if endpoint.pending_config_name else ()
        if any(variant.model_name == model for variant in pending) or deploying():
            return EndpointRelation.DEPLOYING
    return EndpointRelation.SERVES_OTHER


def lock_holder_deploys(store: DeploymentStore, endpoint_name: str, stack_name: str, version: int) -> bool:
    """Whether the endpoint lock's holder is a Deploy execution of this version (``<stack>-v<version>-…``, the names
    :func:`~mlops_core.deploy.deployment.execution_name` gives; the group is the stack's own)."""
    lock = store.read_lock(endpoint_name)
    return lock is not None and lock.deployment_id.startswith(f"{stack_name}-v{version}-")


def change_marker(event: ModelPackageStateChangeEvent) -> str:
    """What tells one approval change from another: the package's last modification, else the event's time or id."""
    moment = event.last_modified_time or event.time
    return stamp(moment) if moment is not None else event.id


def deployment_input(event: ModelPackageStateChangeEvent, version: int, config: ApprovalConfig) -> dict[str, Any]:
    """The Deploy execution's input: the request (the waits are the Deploy tasks' own settings)."""
    trigger = ApprovalTrigger(
        event_id=event.id,
        event_time=stamp(event.time) if event.time else None,
        approval_description=event.approval_description,
        last_modified_time=stamp(event.last_modified_time) if event.last_modified_time else None,
    )
    request = DeployRequest(
        endpoint_name=config.endpoint_name,
        model_package_arn=event.model_package_arn,
        model_package_group_name=event.model_package_group_name,
        model_package_version=version,
        trigger=trigger,
    )
    return DeployInput(request=request).as_json()


def handle_package_event(
    event: ModelPackageStateChangeEvent, config: ApprovalConfig, ports: ApprovalPorts, now: datetime
) -> ApprovalResult:
    """Decide what a package state change means for the endpoint, record it, and act."""
    arn_group, _ = event.arn_group_and_version
    not_ours = package_not_ours(event.model_package_group_name, arn_group, config.model_package_group_name)
    if not_ours is not None:
        return ApprovalResult("ignored", not_ours)
    version = event.model_package_version
    changed = approval_changed(event.updated_fields)
    relation = None
    if changed and needs_endpoint(event.approval_status):
        model = model_name(config.stack_name, event.model_package_arn, version)
        deploying = None
        if event.approval_status == "Rejected":
            deploying = partial(lock_holder_deploys, ports.store, config.endpoint_name, config.stack_name, version)
        relation = endpoint_relation(ports.endpoints, config.endpoint_name, model, deploying)
    last_status = ports.store.last_package_status(event.model_package_arn)
    decision = decide(event.approval_status, relation, approval_changed=changed, last_status=last_status)
    details: dict[str, Any] = {"action": decision.action.value}
    if decision.action is Action.DEPLOY:
        name = execution_name(config.stack_name, event.model_package_arn, version, change_marker(event))
        started = ports.workflows.start(config.state_machine_arn, name, deployment_input(event, version, config))
        details.update(execution_arn=started.execution_arn, already_started=started.already_started)
    elif decision.action is Action.ROLLBACK:
        details["rollback"] = ports.rollback.request_rollback(config.endpoint_name, event, decision.reason, now)
    recorded = PackageEventFields(
        model_package_group_name=event.model_package_group_name,
        model_package_version=version,
        approval_status=event.approval_status,
        approval_description=event.approval_description,
        updated_fields=list(event.updated_fields),
        endpoint_relation=relation.value if relation else None,
        decision=decision.reason,
        **details,
    )
    ports.store.record_package_event(event.model_package_arn, event.time or now, event.id, recorded)
    outcome = "ignored" if decision.action is Action.IGNORE else "ok"
    return ApprovalResult(outcome, decision.reason, details)
