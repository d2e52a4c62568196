"""The restore as the Deploy state machine runs it: execution input, plan, ledger fields, outcome and notification.

Pure. A rollback is a Deploy execution with ``request.mode == "rollback"`` (:data:`ROLLBACK_MODE`): its steps plan
the restore of a known-good deployment (:func:`restore_plan`, the same plan shape a deployment has, so the Prepare,
Deploy, WaitForEndpoint and Verify steps run unchanged) with :data:`RESTORE_POLICY`: all traffic at once, no canary.

Examples
--------
>>> RESTORE_POLICY.strategy.value
'ALL_AT_ONCE'
>>> is_rollback({"state": {"request": {"mode": "rollback"}}})
True
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mlops_core.domain.deployment import (
    Capacity,
    CapacityUnit,
    Conclusion,
    Fleet,
    Outcome,
    PreflightFailedError,
    RolloutPolicy,
    Strategy,
    Timing,
    conclusion,
    deployment_config,
    endpoint_config_name,
    iso,
    model_name,
    production_variant,
)
from mlops_core.domain.rollback import Action, Decision
from mlops_core.domain.rollback_triggers import Trigger, TriggerKind

#: ``request.mode`` of a Deploy execution that restores a known-good model instead of deploying an approved one.
ROLLBACK_MODE = "rollback"
#: The fast path: one blue/green switch of all traffic, no canary and no bake. No auto-rollback alarms either: the
#: alarm that triggered the rollback is firing, and in ``AutoRollbackConfiguration`` it would undo the restore.
RESTORE_POLICY = RolloutPolicy(
    strategy=Strategy.ALL_AT_ONCE,
    step=Capacity(CapacityUnit.CAPACITY_PERCENT, 100),
    wait_interval_seconds=0,
    termination_wait_seconds=0,
    max_execution_timeout_seconds=1800,
    alarm_names=(),
)


def is_rollback(payload: Mapping[str, Any]) -> bool:
    """Whether a Deploy task's payload belongs to a rollback (``request``, or ``state.request`` for Finish)."""
    request = payload.get("request") or (payload.get("state") or {}).get("request") or {}
    return isinstance(request, Mapping) and request.get("mode") == ROLLBACK_MODE


def rollback_input(
    endpoint_name: str, trigger: Trigger, timing: Timing, fast_path: str | None = None
) -> dict[str, Any]:
    """The Deploy execution's input for a rollback; ``fast_path`` says what the trigger's handler already did."""
    request = {"mode": ROLLBACK_MODE, "endpoint_name": endpoint_name, "trigger": trigger.as_dict()}
    if fast_path is not None:
        request["fast_path"] = fast_path
    return {"request": request, "timing": timing.as_dict()}


def decision_summary(decision: Decision, rollback_id: str) -> dict[str, Any]:
    """The decision as plans and notifications carry it: action, reason, the live (``from``) and target (``to``)."""
    return {
        "decision": decision.action.value,
        "reason": decision.reason,
        "rollback_id": rollback_id,
        "from": decision.live.as_dict() if decision.live else None,
        "to": decision.target.as_dict() if decision.target else None,
    }


def restore_plan(
    stack_name: str, decision: Decision, fleet: Fleet, rollback_id: str, *, reuse_config: bool
) -> dict[str, Any]:
    """The plan the rollback execution carries: a deployment plan for the target, plus what it rolls back.

    ``reuse_config``: the target's endpoint config still exists and is restored as is; otherwise the model and the
    config are recreated from the target's package (deterministic names, for today's fleet).
    """
    plan = decision_summary(decision, rollback_id)
    target = decision.target
    if decision.action is not Action.RESTORE or target is None:
        return plan
    if reuse_config and target.model_name and target.endpoint_config_name:
        model, config = target.model_name, target.endpoint_config_name
    elif target.model_package_arn and target.model_package_version is not None:
        arn, version = target.model_package_arn, target.model_package_version
        model, config = model_name(stack_name, arn, version), endpoint_config_name(stack_name, arn, version, fleet)
    else:
        raise PreflightFailedError(
            f"the endpoint config of deployment {target.deployment_id} is gone and its record names no package "
            "to recreate it from"
        )
    return plan | {
        "model_name": model,
        "endpoint_config_name": config,
        "variant": production_variant(fleet, model),
        "strategy": RESTORE_POLICY.strategy.value,
        "deployment_config": deployment_config(RESTORE_POLICY),
        "alarm_names": [],
        "model_package_arn": target.model_package_arn,
    }


def rollback_record(plan: Mapping[str, Any], trigger: Trigger, execution_arn: str) -> dict[str, Any]:
    """The rollback's own ledger record, written when it is planned (``IN_PROGRESS``).

    ``rollback_of`` (the rolled-back deployment) marks a record as a restore; recorded-only decisions have none.
    """
    record: dict[str, Any] = {
        "execution_arn": execution_arn,
        "outcome": Outcome.IN_PROGRESS.value,
        "decision": plan["decision"],
        "reason": plan["reason"],
        "trigger_chain": {"rollback_trigger": trigger.as_dict()},
    }
    if plan["decision"] != Action.RESTORE.value:
        return record
    target, live = plan["to"], plan["from"]
    return record | {
        "rollback_of": live["deployment_id"],
        "restores": target["deployment_id"],
        "model_package_arn": target["model_package_arn"],
        "model_package_version": target["model_package_version"],
        "model_name": plan["model_name"],
        "endpoint_config_name": plan["endpoint_config_name"],
        "strategy": plan["strategy"],
        "deployment_config": plan["deployment_config"],
    }


def recorded_decision(decision: Decision, trigger: Trigger, now: datetime) -> dict[str, Any]:
    """The ledger record of a trigger that changed nothing (``SKIPPED``), written by the trigger's handler."""
    return {
        "outcome": Outcome.SKIPPED.value,
        "decision": decision.action.value,
        "reason": decision.reason,
        "finished_at": iso(now),
        "trigger_chain": {"rollback_trigger": trigger.as_dict()},
    }


def rolled_back_fields(trigger: Trigger, rollback_id: str, now: datetime) -> dict[str, Any]:
    """What the rolled-back deployment's record says once the known-good model serves again."""
    fields: dict[str, Any] = {
        "outcome": Outcome.ROLLED_BACK.value,
        "reason": f"rolled back after the rollout: {trigger.reason}",
        "rolled_back_by": rollback_id,
        "rolled_back_at": iso(now),
    }
    if trigger.kind is TriggerKind.ALARM:
        fields["alarm"] = trigger.details.get("alarm_name")
    return fields


def rollback_conclusion(state: Mapping[str, Any]) -> Conclusion:
    """How a rollback execution ended: restored (``SUCCEEDED``), ``FAILED``, or ``SKIPPED`` (nothing changed).

    A restore the endpoint did not take (it serves another config) failed: nothing rolls a restore back on purpose.
    """
    end = conclusion(state)
    if end.outcome == Outcome.ROLLED_BACK.value:
        return Conclusion(Outcome.FAILED.value, f"the restore did not take: {end.reason}")
    return end


def _version(side: Mapping[str, Any] | None) -> str:
    version = (side or {}).get("model_package_version")
    return f"v{version}" if version is not None else "?"


def notification(
    endpoint_name: str,
    plan: Mapping[str, Any],
    trigger: Trigger,
    end: Conclusion,
    *,
    execution: Mapping[str, Any] | None = None,
    durations: Mapping[str, float | None] | None = None,
) -> tuple[str, dict[str, Any]] | None:
    """The subject and message of a restore's end (restored or failed) or of a trigger with nothing to restore.

    ``None`` for a trigger only recorded (CloudWatch's own alarm actions already tell operators about the alarm).
    Says which trigger (alarm, metric, threshold; or the rejection), which versions (from → to) and why;
    ``outcome`` (an SNS filter attribute) is ``ROLLED_BACK``, ``ROLLBACK_FAILED`` or ``NO_TARGET``.
    """
    decision, live, target = plan.get("decision"), plan.get("from"), plan.get("to")
    change = f"{endpoint_name} {_version(live)} -> {_version(target)}"
    if decision == Action.NO_TARGET.value:
        outcome, subject = "NO_TARGET", f"[ROLLBACK IMPOSSIBLE] {endpoint_name} {_version(live)}: no known-good version"
    elif end.outcome == Outcome.FAILED.value:
        outcome, subject = "ROLLBACK_FAILED", f"[ROLLBACK FAILED] {change}"
    elif decision == Action.RESTORE.value and end.outcome == Outcome.SUCCEEDED.value:
        outcome, subject = "ROLLED_BACK", f"[ROLLED_BACK] {change}"
    else:
        return None
    details = trigger.details
    message: dict[str, Any] = {
        "kind": "rollback",
        "endpoint_name": endpoint_name,
        "outcome": outcome,
        "reason": end.reason,
        "trigger": trigger.kind.value,
        "alarm": details.get("alarm_name"),
        "metric": details.get("metric_name"),
        "threshold": details.get("threshold"),
        "alarm_reason": details.get("alarm_reason"),
        "rejected_model_package_arn": trigger.package_arn,
        "from_version": (live or {}).get("model_package_version"),
        "to_version": (target or {}).get("model_package_version"),
        "from": dict(live) if live else None,
        "to": dict(target) if target else None,
        "rollback_id": plan.get("rollback_id"),
        "execution_arn": (execution or {}).get("id"),
        "durations": dict(durations) if durations else None,
    }
    if outcome != "ROLLED_BACK":
        message["action_needed"] = (
            f"{endpoint_name} still serves {_version(live)}: fix or replace it by hand (approve a good version)"
        )
    return subject, message
