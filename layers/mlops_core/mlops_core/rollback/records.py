"""The ledger fields of a restore's outcome and its notification (pure).

The Rollback state machine (``statemachines/rollback.asl.json``, :mod:`mlops_core.rollback`) switches all traffic at
once to the known-good endpoint config with :data:`~mlops_core.deploy.restore.RESTORE_POLICY`: no canary, no bake.
The plan it carries out is made by :func:`mlops_core.rollback.plan.plan_rollback`, once, in the function that
received the trigger.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mlops_core.deploy.deployment import Conclusion, Outcome, conclusion
from mlops_core.deploy.ledger_items import DeploymentFields, TriggerChain
from mlops_core.rollback.decision import Action, Decision
from mlops_core.rollback.triggers import Trigger, TriggerKind
from mlops_core.timefmt import stamp


def decision_summary(decision: Decision, rollback_id: str) -> dict[str, Any]:
    """The decision as plans and notifications carry it: action, reason, the live (``from``) and target (``to``)."""
    return {
        "decision": decision.action.value,
        "reason": decision.reason,
        "rollback_id": rollback_id,
        "from": decision.live.as_dict() if decision.live else None,
        "to": decision.target.as_dict() if decision.target else None,
    }


def recorded_decision(decision: Decision, trigger: Trigger, now: datetime) -> DeploymentFields:
    """The ledger record of a trigger that changed nothing (``SKIPPED``), written by the trigger's handler."""
    return DeploymentFields(
        outcome=Outcome.SKIPPED.value,
        decision=decision.action.value,
        reason=decision.reason,
        finished_at=stamp(now),
        trigger_chain=TriggerChain(rollback_trigger=trigger.as_dict()),
    )


def rolled_back_fields(trigger: Trigger, rollback_id: str, now: datetime) -> DeploymentFields:
    """What the rolled-back deployment's record says once the known-good model serves again."""
    alarm = {"alarm": trigger.details.get("alarm_name")} if trigger.kind is TriggerKind.ALARM else {}
    return DeploymentFields(
        outcome=Outcome.ROLLED_BACK.value,
        reason=f"rolled back after the rollout: {trigger.reason}",
        rolled_back_by=rollback_id,
        rolled_back_at=stamp(now),
        **alarm,
    )


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
    Says which trigger (alarm, metric, threshold; the rejection; or the operator who asked), which versions
    (from → to) and why;
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
    if trigger.kind is TriggerKind.OPERATOR:
        message["requested_by"] = details.get("requested_by")
    if outcome != "ROLLED_BACK":
        message["action_needed"] = (
            f"{endpoint_name} still serves {_version(live)}: fix or replace it by hand (approve a good version)"
        )
    return subject, message
