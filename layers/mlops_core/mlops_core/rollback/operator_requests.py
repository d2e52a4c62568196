"""An operator's rollback request (``mlopsctl rollback``), decided once in RollbackFunction like an alarm.

The request (:class:`~mlops_core.rollback.operator.OperatorRollbackRequest`) arrives by a synchronous ``Invoke``.
Without a version it is decided as an alarm is (:func:`~mlops_core.rollback.decision.decide`: the last known-good
model); with one, :func:`~mlops_core.rollback.operator.choose_version` decides after one ``DescribeModelPackage``
(is the version in the registry, and ``Approved``?). Then :func:`~mlops_core.rollback.hot_path.act` carries the
decision out as it does an alarm's: the lock, ``UpdateEndpoint`` all at once, the Rollback state machine with the
plan (which verifies, records the trigger ``operator: <reason>``, marks the replaced deployment ``ROLLED_BACK``,
rejects its package with the operator's reason and notifies), or a recorded decision. Two differences, both because
an operator waits for the answer: a lock held by a running execution outside a rollout is recorded and answered (an
alarm is retried instead), and a refused request (:class:`~mlops_core.rollback.operator.Refusal`: no such version,
not ``Approved``, never served here, another endpoint) changes and records nothing.

The same request sent again (its ``request_id``) is the same rollback id: once the first has written its record, the
second answers what the first did; before that, it converges on the same lock owner and execution.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar

from mlops_core.deploy.ledger_items import DeploymentRecord
from mlops_core.handler import Handled, Ignored
from mlops_core.rollback.decision import Action, Facts, decide, history_of
from mlops_core.rollback.hot_path import Attempt, RollbackConfig, RollbackPorts, RollbackResult, act
from mlops_core.rollback.operator import (
    OperatorRequestError,
    OperatorRollbackRequest,
    Refusal,
    choose_version,
    operator_request,
    operator_trigger,
    version_arn,
)
from mlops_core.rollback.triggers import rollback_id

#: ``action`` of a refused request in the function's result (not a plan's action: nothing is planned).
REFUSED = "REFUSED"


@dataclass(frozen=True)
class OperatorResult(RollbackResult):
    """RollbackFunction's answer to an operator (``action``: RESTORE, RECORD, NO_TARGET or REFUSED), logged as
    ``operator rollback request handled`` and counted as ``OperatorRollback<Action>``."""

    message: ClassVar[str] = "operator rollback request handled"
    metric_prefix: ClassVar[str] = "OperatorRollback"


def handle_operator(
    request: OperatorRollbackRequest, config: RollbackConfig, ports: RollbackPorts, now: datetime
) -> OperatorResult:
    """Decide an operator's request; restore, record, or refuse it (see the module docstring)."""
    endpoint = config.endpoint_name
    if request.endpoint_name != endpoint:
        return _refused(f"endpoint {request.endpoint_name} is not this stack's (it rolls back {endpoint})", None)
    trigger = operator_trigger(request, now)
    me = rollback_id(config.stack_name, trigger)
    records = ports.store.deployments(endpoint)
    own = next((item for item in records if item.deployment_id == me), None)
    if own is not None:
        return _answered(own, me)
    history = tuple(item for item in history_of(records) if item.deployment_id != me)
    facts = Facts(trigger, endpoint, history)
    if request.to_version is None:
        decision = decide(facts)
        if decision.action is Action.RESTORE:
            why = "the last known-good: the newest SUCCEEDED deployment before the live one"
            decision = replace(decision, reason=f"{decision.reason} ({why})")
    else:
        live = facts.live
        package = None
        if live is not None and live.model_package_arn:
            package = ports.endpoints.describe_package(version_arn(live.model_package_arn, request.to_version))
        chosen = choose_version(facts, request.to_version, package)
        if isinstance(chosen, Refusal):
            return _refused(chosen.reason, me)
        decision = chosen
    result = act(decision, Attempt(trigger, me, history, own, defers=False), config, ports, now)
    return OperatorResult(result.outcome, result.reason, dict(result.details))


def operator_answer(
    payload: Mapping[str, Any], dependencies: Callable[[], tuple[RollbackConfig, RollbackPorts]], now: datetime
) -> Handled | Ignored | None:
    """RollbackFunction's answer when ``payload`` is an operator's request (``None`` when it is not one)."""
    try:
        request = operator_request(payload)
    except OperatorRequestError as exc:
        return Ignored(str(exc))
    return None if request is None else handle_operator(request, *dependencies(), now).reported()


def _refused(reason: str, me: str | None) -> OperatorResult:
    return OperatorResult("ok", reason, {"action": REFUSED, "rollback_id": me})


def _answered(own: DeploymentRecord, me: str) -> OperatorResult:
    """The answer to a request already received: what its record says."""
    details: dict[str, Any] = {
        "action": own.decision,
        "rollback_id": me,
        "execution_arn": own.execution_arn,
        "already_started": True,
        "recorded_outcome": own.outcome.value,
        "to_version": own.model_package_version,
    }
    reason = f"request received already (rollback {me}, {own.outcome.value}): {own.reason}"
    return OperatorResult("ok", reason, details)
