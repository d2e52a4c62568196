"""The Deploy state machine's state between states, each task's result, and a task's payload.

``statemachines/deploy.asl.json`` starts from the input (:mod:`mlops_core.deploy.contract.input`: the request) and
``Initialise`` adds the execution, the first lock attempt and wait round. The tasks read their waits from their own
settings (:class:`~mlops_core.deploy.settings.FleetSettings`) and return what a Wait state needs
(``$.lock.retry_after_seconds``, ``$.rollout.wait_timeout_seconds``). Each task puts its result under one key
(``ResultPath``): ``$.plan`` (Preflight), ``$.lock`` (AcquireLock), ``$.prepared`` (Prepare), ``$.rollout``
(Deploy), ``$.signal`` (WaitForEndpoint), ``$.wait`` (Verify), ``$.result`` (Finish), ``$.error`` (a caught error).
A contract test (``tests/contract/test_asl_paths.py``) checks that every ``$.x.y`` path of the ASL exists in these
models' JSON schemas. The shared pieces (the model base, the execution, a signal, a caught error) are both
contracts' (:mod:`mlops_core.contract`).

Examples
--------
>>> DeployLock(attempt=1, decision="busy", reason="locked", retry_after_seconds=60).retry_after_seconds
60
>>> sorted(DeployState.model_json_schema()["properties"])[:3]
['error', 'execution', 'lock']
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from mlops_core.contract.base import ContractModel
from mlops_core.contract.state import ExecutionRef, Signal, TaskError
from mlops_core.deploy.contract.input import DeployRequest

__all__ = [
    "DeployFinish",
    "DeployLock",
    "DeployPlan",
    "DeployState",
    "DeployTask",
    "DeployWait",
    "Prepared",
    "Restoring",
    "Rollout",
]


class DeployPlan(BaseModel):
    """Preflight: the names and the rollout (:func:`~mlops_core.deploy.deployment.plan_deployment`); the variant
    and the ``DeploymentConfig`` are SageMaker's API shapes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_name: str
    endpoint_config_name: str
    variant: dict[str, Any]
    strategy: str
    deployment_config: dict[str, Any]
    alarm_names: list[str]


class DeployLock(ContractModel):
    """AcquireLock (``Initialise`` sets ``attempt`` 0): ``acquired``, ``busy`` (``WaitForLock`` waits
    ``retry_after_seconds``, then tries again) or ``skip`` (``outcome`` SKIPPED or SUPERSEDED, with the reason;
    ``duplicate``: the endpoint already serves it)."""

    attempt: int
    decision: Literal["acquired", "busy", "skip"] | None = None
    reason: str | None = None
    outcome: str | None = None
    acquired_at: str | None = None
    duplicate: bool | None = None
    retry_after_seconds: int | None = None


class Prepared(ContractModel):
    """Prepare: whether the model and the endpoint config were created now (``False``: a retry found them)."""

    model_created: bool
    endpoint_config_created: bool


class Rollout(ContractModel):
    """Deploy: ``create``, ``update`` or ``already_requested``; the new fleet's alarm copies; the wait's fallback
    timeout (``WaitForEndpoint``'s ``TimeoutSecondsPath``)."""

    mode: Literal["create", "update", "already_requested"]
    started_at: str
    previous_endpoint_config_name: str | None = None
    new_fleet_alarms: list[str] = []
    wait_timeout_seconds: int


class Restoring(ContractModel):
    """The known-good config Verify restores after the package was rejected during the rollout."""

    reason: str
    endpoint_config_name: str
    model_package_arn: str | None = None


class DeployWait(ContractModel):
    """Verify: ``wait`` again (still changing, or restoring a known-good config), or ``finish`` with the outcome."""

    rounds: int
    next: Literal["wait", "finish"] | None = None
    reason: str | None = None
    outcome: str | None = None
    alarm: str | None = None
    restoring: Restoring | None = None


class DeployFinish(ContractModel):
    """Finish: the outcome the ``Outcome`` choice routes on, why, and a failed clean-up of the alarm copies."""

    outcome: str
    reason: str
    deployment_id: str
    alarm_cleanup: str | None = None


class DeployState(ContractModel):
    """The whole state between the Deploy machine's states: the input, the execution, each task's result.

    An execution of the previous definition, still running when the stack is updated, carries the ``timing`` its
    input had (and reads it in its own ``WaitForLock``); the tasks of this version drop it unread
    (:meth:`_without_relayed_waits`): the attempts are counted against their own settings.
    """

    request: DeployRequest
    execution: ExecutionRef
    lock: DeployLock
    wait: DeployWait
    plan: DeployPlan | None = None
    prepared: Prepared | None = None
    rollout: Rollout | None = None
    signal: Signal | None = None
    error: TaskError | None = None
    result: DeployFinish | None = None

    @model_validator(mode="before")
    @classmethod
    def _without_relayed_waits(cls, data: Any) -> Any:
        if isinstance(data, dict) and "timing" in data:
            return {key: value for key, value in data.items() if key != "timing"}
        return data


class DeployTask(ContractModel):
    """One task's payload: the step, the whole state, and (WaitForEndpoint only) the task token."""

    step: str
    state: DeployState
    task_token: str | None = None
