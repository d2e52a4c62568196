"""The restore plan, made once by the function that received the trigger, and what the machine derives from it.

Pure. :func:`plan_rollback` turns a :class:`~mlops_core.rollback.decision.Decision` into the typed plan the Rollback
state machine starts with; :func:`restore_names` gives the model and endpoint config the restore puts in service (the
known-good deployment's own, or, when its config is gone, the deterministic names of a model and config recreated from
its package for today's fleet); :func:`restore_record` is the rollback's own ledger record.

Examples
--------
>>> from mlops_core.deploy.deployment import Fleet
>>> from mlops_core.rollback.decision import Action, Decision, Deployment
>>> from mlops_core.rollback.triggers import Trigger, TriggerKind
>>> good = Deployment("deploy-v1", "2024-05-01T10:00:00.000Z", "SUCCEEDED", "arn:p/1", 1, "m1", "c1")
>>> decision = Decision(Action.RESTORE, "restore v1", target=good)
>>> plan = plan_rollback(decision, Trigger(TriggerKind.ALARM, "a#t", None, "alarm"), rollback_id="s-rb-1",
...                      endpoint_name="e")
>>> restore_names("s", plan, Fleet("AllTraffic", "ml.m5.large", 2))
('m1', 'c1')
"""

from __future__ import annotations

from mlops_core.deploy.deployment import (
    Fleet,
    Outcome,
    PreflightFailedError,
    deployment_config,
    endpoint_config_name,
    model_name,
)
from mlops_core.deploy.ledger_items import DeploymentFields, TriggerChain
from mlops_core.deploy.restore import RESTORE_POLICY
from mlops_core.rollback.contract.input import DeploymentRef, RestorePlan, TriggerRef
from mlops_core.rollback.decision import Action, Decision
from mlops_core.rollback.triggers import Trigger


def plan_rollback(
    decision: Decision,
    trigger: Trigger,
    *,
    rollback_id: str,
    endpoint_name: str,
    recreate: bool = False,
    fast_path: str | None = None,
) -> RestorePlan:
    """The plan the Rollback state machine carries out (``recreate``: the known-good endpoint config is gone)."""
    return RestorePlan(
        rollback_id=rollback_id,
        endpoint_name=endpoint_name,
        decision=decision.action,
        reason=decision.reason,
        trigger=TriggerRef.of(trigger),
        live=DeploymentRef.of(decision.live),
        target=DeploymentRef.of(decision.target),
        recreate=recreate and decision.action is Action.RESTORE,
        fast_path=fast_path,
    )


def restore_names(stack_name: str, plan: RestorePlan, fleet: Fleet) -> tuple[str, str]:
    """The model and endpoint config the restore puts in service: the known-good ones, or recreated ones."""
    target = plan.target
    if target is None:
        raise PreflightFailedError(f"rollback {plan.rollback_id} ({plan.decision}) has nothing to restore")
    if not plan.recreate and target.model_name and target.endpoint_config_name:
        return target.model_name, target.endpoint_config_name
    if target.model_package_arn and target.model_package_version is not None:
        arn, version = target.model_package_arn, target.model_package_version
        return model_name(stack_name, arn, version), endpoint_config_name(stack_name, arn, version, fleet)
    raise PreflightFailedError(
        f"the endpoint config of deployment {target.deployment_id} is gone and its record names no package "
        "to recreate it from"
    )


def restore_record(plan: RestorePlan, names: tuple[str, str] | None, execution_arn: str) -> DeploymentFields:
    """The rollback's own ledger record (``IN_PROGRESS``); a restore's names the deployment it rolls back
    (``rollback_of``, which marks a record as a restore) and the one it restores. ``names``: :func:`restore_names`."""
    record = DeploymentFields(
        execution_arn=execution_arn,
        outcome=Outcome.IN_PROGRESS.value,
        decision=plan.decision.value,
        reason=plan.reason,
        trigger_chain=TriggerChain(rollback_trigger=plan.trigger.model_dump(mode="json")),
    )
    live, target = plan.live, plan.target
    if plan.decision is not Action.RESTORE or live is None or target is None or names is None:
        return record
    restore = DeploymentFields(
        rollback_of=live.deployment_id,
        restores=target.deployment_id,
        model_package_arn=target.model_package_arn,
        model_package_version=target.model_package_version,
        model_name=names[0],
        endpoint_config_name=names[1],
        strategy=RESTORE_POLICY.strategy.value,
        deployment_config=deployment_config(RESTORE_POLICY),
    )
    return record.merged(restore)
