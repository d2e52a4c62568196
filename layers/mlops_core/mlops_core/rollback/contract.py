"""The Rollback state machine's execution contract: its input, its state between states, each task's result.

``statemachines/rollback.asl.json`` passes the whole state to every task (``"state.$": "$"``) and puts each task's
result under one key (``ResultPath``): ``$.lock`` (TakeLock), ``$.recreated`` (RecreateModelAndConfig), ``$.restore``
(Restore), ``$.signal`` (WaitForEndpoint), ``$.wait`` (Verify), ``$.result`` (RecordAndNotify), ``$.error`` (a caught
error). ``Initialise`` adds ``$.execution`` once. A contract test checks that every ``$.x.y`` path of the ASL exists
in these models' JSON schemas.

Examples
--------
>>> plan = RestorePlan(rollback_id="s-rb-1", endpoint_name="e", decision="NO_TARGET", reason="none",
...                    trigger={"kind": "ALARM", "marker": "m", "reason": "alarm a went to ALARM"})
>>> RollbackInput(plan=plan).as_input()["plan"]["decision"]
'NO_TARGET'
>>> sorted(RollbackState.model_json_schema()["properties"])[:3]
['error', 'execution', 'lock']
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mlops_core.contract import ContractModel, ExecutionRef, Signal, TaskError
from mlops_core.rollback.decision import Action, Deployment
from mlops_core.rollback.triggers import Trigger, TriggerKind

__all__ = [
    "DeploymentRef",
    "FinishResult",
    "LockResult",
    "Recreated",
    "RestorePlan",
    "RestoreResult",
    "RollbackInput",
    "RollbackState",
    "RollbackTask",
    "TriggerRef",
    "WaitResult",
]


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


class LockResult(ContractModel):
    """TakeLock: ``acquired``, ``busy`` (``WaitForTurn`` waits ``retry_after_seconds``, then tries again), or
    ``skip`` (``outcome`` SKIPPED, with the reason: another rollout holds the endpoint, or the endpoint is gone)."""

    decision: Literal["acquired", "busy", "skip"]
    attempt: int
    reason: str | None = None
    outcome: str | None = None
    acquired_at: str | None = None
    retry_after_seconds: int | None = None


class Recreated(ContractModel):
    """RecreateModelAndConfig: the names, and whether each was created now (``False``: a retry found it)."""

    model_name: str
    endpoint_config_name: str
    model_created: bool
    endpoint_config_created: bool


class RestoreResult(ContractModel):
    """Restore: ``update`` (UpdateEndpoint asked now) or ``already_requested`` (the hot path asked); the wait's
    fallback timeout (``WaitForEndpoint``'s ``TimeoutSecondsPath``)."""

    mode: Literal["update", "already_requested"]
    started_at: str
    previous_endpoint_config_name: str | None = None
    wait_timeout_seconds: int


class WaitResult(ContractModel):
    """Verify: ``wait`` again (the endpoint is still changing), or ``finish`` with the restore's outcome."""

    next: Literal["wait", "finish"]
    rounds: int
    reason: str
    outcome: str | None = None


class FinishResult(ContractModel):
    """RecordAndNotify: the outcome the ``Outcome`` choice routes on, and why."""

    outcome: str
    reason: str
    deployment_id: str


class RollbackState(ContractModel):
    """The whole state between the Rollback machine's states: the plan, the execution, and each task's result."""

    plan: RestorePlan
    execution: ExecutionRef
    lock: LockResult | None = None
    recreated: Recreated | None = None
    restore: RestoreResult | None = None
    signal: Signal | None = None
    wait: WaitResult | None = None
    error: TaskError | None = None
    result: FinishResult | None = None


class RollbackTask(ContractModel):
    """One task's payload: the step, the whole state, and (WaitForEndpoint only) the task token."""

    step: str
    state: RollbackState
    task_token: str | None = None
