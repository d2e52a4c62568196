"""The Rollback state machine's state between states, each task's result, and a task's payload.

``statemachines/rollback.asl.json`` starts from the plan (:mod:`mlops_core.rollback.contract.input`), passes the
whole state to every task (``"state.$": "$"``) and puts each task's result under one key (``ResultPath``):
``$.lock`` (TakeLock), ``$.recreated`` (RecreateModelAndConfig), ``$.restore`` (Restore), ``$.signal``
(WaitForEndpoint), ``$.wait`` (Verify), ``$.result`` (RecordAndNotify), ``$.error`` (a caught error).
``Initialise`` adds ``$.execution`` once. A contract test checks that every ``$.x.y`` path of the ASL exists in
these models' JSON schemas.

Examples
--------
>>> sorted(RollbackState.model_json_schema()["properties"])[:3]
['error', 'execution', 'lock']
"""

from __future__ import annotations

from typing import Literal

from mlops_core.contract.base import ContractModel
from mlops_core.contract.state import ExecutionRef, Signal, TaskError
from mlops_core.rollback.contract.input import RestorePlan

__all__ = [
    "FinishResult",
    "LockResult",
    "Recreated",
    "RestoreResult",
    "RollbackState",
    "RollbackTask",
    "WaitResult",
]


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
