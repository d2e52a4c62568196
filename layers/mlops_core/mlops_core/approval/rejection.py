"""The rollback a rejection of the live package calls for: decided once, here, and started as the Rollback machine.

The Approval function's :class:`~mlops_core.approval.service.RollbackRequester` port, on the Rollback feature's
decision table (:mod:`mlops_core.rollback.decision`), plan (:mod:`mlops_core.rollback.plan`) and contract: like the
alarm's hot path (:mod:`mlops_core.rollback.hot_path`) and the operator's request
(:mod:`mlops_core.rollback.operator_requests`), the function that received the trigger decides and the machine's
tasks carry the plan out.
"""

from __future__ import annotations

from datetime import datetime

from mlops_core.approval.service import ApprovalConfig, RollbackRequester, change_marker
from mlops_core.aws.workflows import Workflows
from mlops_core.deploy.endpoints import EndpointGateway
from mlops_core.deploy.store import DeploymentStore
from mlops_core.events import ModelPackageStateChangeEvent
from mlops_core.rollback.contract.input import RollbackInput
from mlops_core.rollback.decision import Action, Facts, decide, history_of
from mlops_core.rollback.plan import plan_rollback
from mlops_core.rollback.triggers import rejection_trigger, rollback_id


class ExecutionRollbackRequester(RollbackRequester):
    """Decides the rollback of a rejected live package, once, and starts the Rollback state machine with the plan.

    The decision reads the endpoint's records (``Query``), its lock (``GetItem``: another rollout holding it is only
    recorded) and, for a restore, whether the known-good endpoint config still exists (``DescribeEndpointConfig``;
    if not, the machine recreates it from the package). The machine restores the known-good config all at once,
    verifies it, marks the rejected deployment ``ROLLED_BACK`` and notifies; a decision to record only (a NO_TARGET
    included) is recorded and notified by the machine too. The execution's name derives from the package and the
    rejection (:func:`~mlops_core.rollback.triggers.rollback_id`), so duplicated events start one execution.
    """

    def __init__(
        self, workflows: Workflows, config: ApprovalConfig, store: DeploymentStore, endpoints: EndpointGateway
    ) -> None:
        self._workflows = workflows
        self._config = config
        self._store = store
        self._endpoints = endpoints

    def request_rollback(
        self, endpoint_name: str, event: ModelPackageStateChangeEvent, reason: str, now: datetime
    ) -> str:
        trigger = rejection_trigger(event, change_marker(event))
        name = rollback_id(self._config.stack_name, trigger)
        history = tuple(
            item for item in history_of(self._store.deployments(endpoint_name)) if item.deployment_id != name
        )
        lock = self._store.read_lock(endpoint_name)
        held = lock is not None and lock.deployment_id != name and lock.expires_at > int(now.timestamp())
        holder = lock.deployment_id if lock is not None and held else None
        decision = decide(Facts(trigger, endpoint_name, history, holder))
        target = decision.target.endpoint_config_name if decision.target else None
        gone = decision.action is Action.RESTORE and not (target and self._endpoints.endpoint_variants(target))
        plan = plan_rollback(decision, trigger, rollback_id=name, endpoint_name=endpoint_name, recreate=gone)
        execution_input = RollbackInput(plan=plan).as_input()
        started = self._workflows.start(self._config.rollback_state_machine_arn, name, execution_input)
        state = "had started" if started.already_started else "started"
        return f"rollback {name} {state} ({reason}, {decision.action.value}): {started.execution_arn}"
