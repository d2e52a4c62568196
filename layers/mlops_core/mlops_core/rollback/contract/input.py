"""The Rollback state machine's execution input: the plan, decided once by the function that received the trigger.

RollbackFunction (an alarm, an operator's request) and ApprovalFunction (the rejection of the live package) start
``statemachines/rollback.asl.json`` with :class:`RollbackInput`; ``Initialise`` adds the execution, and the tasks
carry the plan out (:mod:`mlops_core.rollback.contract.state`).

Examples
--------
>>> plan = RestorePlan(rollback_id="s-rb-1", endpoint_name="e", decision="NO_TARGET", reason="none",
...                    trigger={"kind": "ALARM", "marker": "m", "reason": "alarm a went to ALARM"})
>>> RollbackInput(plan=plan).as_input()["plan"]["decision"]
'NO_TARGET'
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mlops_core.contract.base import ContractModel
from mlops_core.rollback.decision import Action, Deployment
from mlops_core.rollback.triggers import Trigger, TriggerKind

__all__ = ["DeploymentRef", "RestorePlan", "RollbackInput", "TriggerRef"]


class DeploymentRef(ContractModel):
    """A deployment of the ledger as the plan names it: the live one (rolled back) or the known-good one."""

    deployment_id: str
    started_at: str
    model_package_arn: str | None = None
    model_package_version: int | None = None
    model_name: str | None = None
    endpoint_config_name: str | None = None

    @classmethod
    def of(cls, deployment: Deployment | None) -> DeploymentRef | None:
        """The reference to a ledger deployment (``None`` for none)."""
        return cls.model_validate(deployment.as_dict()) if deployment is not None else None


class TriggerRef(BaseModel):
    """The trigger (:class:`~mlops_core.rollback.triggers.Trigger` as JSON): its kind, marker, time and
    reason, and the event's facts (alarm, metric, threshold; or the package), which differ by kind."""

    model_config = ConfigDict(frozen=True, extra="allow")

    kind: TriggerKind
    marker: str
    at: str | None = None
    reason: str

    @classmethod
    def of(cls, trigger: Trigger) -> TriggerRef:
        """The JSON of a trigger."""
        return cls.model_validate(trigger.as_dict())

    def trigger(self) -> Trigger:
        """The trigger back."""
        return Trigger.from_dict(self.model_dump(mode="json"))


class RestorePlan(ContractModel):
    """What the function that received the trigger decided, once: restore ``to`` in place of ``from``, or only
    record (and, for NO_TARGET, tell operators).

    ``recreate``: the known-good endpoint config is gone, so its model and config are recreated from its package
    (deterministic names, today's fleet). ``fast_path``: what the trigger's handler already asked SageMaker for.
    """

    rollback_id: str
    endpoint_name: str
    decision: Action
    reason: str
    trigger: TriggerRef
    live: DeploymentRef | None = Field(default=None, alias="from")
    target: DeploymentRef | None = Field(default=None, alias="to")
    recreate: bool = False
    fast_path: str | None = None

    def summary(self) -> dict[str, Any]:
        """The decision as notifications carry it (``decision``, ``reason``, ``rollback_id``, ``from``, ``to``)."""
        return self.as_json()


class RollbackInput(ContractModel):
    """The Rollback execution's input: the plan, and nothing else (the tasks read their waits from their settings)."""

    plan: RestorePlan

    def as_input(self) -> dict[str, Any]:
        """The JSON given to ``StartExecution``."""
        return self.as_json()
