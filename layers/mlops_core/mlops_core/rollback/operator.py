"""An operator asks for a rollback (``mlopsctl rollback``): the request, its trigger, the choice of a named version.

The request is not an AWS event: the operator's command invokes RollbackFunction synchronously (Lambda ``Invoke``,
``RequestResponse``) with ``{"operator_rollback": {...}}`` (:data:`OPERATOR_KEY`, :class:`OperatorRollbackRequest`).
Its trigger (:func:`operator_trigger`, kind ``OPERATOR``) says ``operator: <reason>`` and who asked (the caller's ARN
from STS ``GetCallerIdentity``); its marker is the endpoint and the request's id, so the same request sent twice (a
retried invoke) is one rollback id, one execution, one record.

Without a version the decision is the alarm's (:func:`mlops_core.rollback.decision.decide`: the last known-good
model). With one, :func:`choose_version` decides (pure) from the ledger and the registry:

====  ===========================================================  ==========  ==============================
rule  situation                                                    action      why
====  ===========================================================  ==========  ==============================
1     another deployment or rollback holds the endpoint's lock     RECORD      its guardrails own that window
2     no deployment of this system is live on the endpoint         RECORD      nothing of ours to roll back
3     no such version in the registry                              refused     (the operator's mistake)
4     the version is not ``Approved``                              refused     only approved models serve
5     the version is the live one                                  refused     nothing to restore
6     the version never served the endpoint (no ``SUCCEEDED``      refused     only a model known to have
      record of it here, with its endpoint config)                             served here is restored
7     otherwise                                                    RESTORE     restore that version
====  ===========================================================  ==========  ==============================

A named version is restored even when the live model was itself restored by a rollback (the operator chose it);
the alarm's rules against rolling back twice do not stop an explicit choice.

Examples
--------
>>> request = OperatorRollbackRequest(request_id="0f3c9a1e-77aa-4c1b-9d1e-2a6f4b1c0d3e", endpoint_name="churn",
...                                   reason="bad predictions", requested_by="arn:aws:iam::123456789012:user/ana")
>>> trigger = operator_trigger(request, None)
>>> trigger.kind.value, trigger.reason, trigger.details["requested_by"]
('OPERATOR', 'operator: bad predictions', 'arn:aws:iam::123456789012:user/ana')
>>> version_arn("arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3", 1)
'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/1'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mlops_core.deploy.deployment import Outcome
from mlops_core.deploy.preflight import PackageView
from mlops_core.rollback.decision import RULES, Action, Decision, Deployment, Facts
from mlops_core.rollback.triggers import Trigger, TriggerKind

#: The key of an operator's request in RollbackFunction's payload (an alarm event has no such key).
OPERATOR_KEY = "operator_rollback"


class OperatorRollbackRequest(BaseModel):
    """What ``mlopsctl rollback`` sends: which endpoint, optionally which version, why, who asks, and the request's
    id (made once by the command, so a re-sent request is the same one)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str = Field(pattern=r"^[A-Za-z0-9-]{8,64}$")
    endpoint_name: str = Field(min_length=1, max_length=63)
    to_version: int | None = Field(default=None, ge=1)
    reason: str = Field(min_length=1, max_length=1024)
    requested_by: str = Field(min_length=1, max_length=2048)


class OperatorRequestError(ValueError):
    """The payload's operator request is malformed (the reason is readable)."""


def operator_request(payload: Mapping[str, Any]) -> OperatorRollbackRequest | None:
    """The operator's request in ``payload`` (``None`` when it is not one); :class:`OperatorRequestError` if bad."""
    if not isinstance(payload, Mapping) or OPERATOR_KEY not in payload:
        return None
    try:
        return OperatorRollbackRequest.model_validate(payload[OPERATOR_KEY])
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or OPERATOR_KEY}: {e['msg']}" for e in exc.errors())
        raise OperatorRequestError(f"malformed operator rollback request: {problems}") from None


def operator_trigger(request: OperatorRollbackRequest, at: datetime | None) -> Trigger:
    """The trigger of an operator's request (``at``: when the function received it first)."""
    details = {
        "requested_by": request.requested_by,
        "request_id": request.request_id,
        "operator_reason": request.reason,
        "requested_version": request.to_version,
    }
    marker = f"{request.endpoint_name}#{request.request_id}"
    return Trigger(TriggerKind.OPERATOR, marker, at, f"operator: {request.reason}", details)


def version_arn(package_arn: str, version: int) -> str:
    """The ARN of ``version`` in the group of ``package_arn`` (``…:model-package/<group>/<version>``, the ARN
    SageMaker gives a versioned package: SageMaker API Reference, DescribeModelPackage, ``ModelPackageArn``)."""
    return f"{package_arn.rsplit('/', 1)[0]}/{version}"


@dataclass(frozen=True)
class Refusal:
    """A request the function refuses (the operator's mistake: nothing is recorded, the command exits 2)."""

    reason: str


def _served(history: tuple[Deployment, ...], version: int) -> Deployment | None:
    """The newest ``SUCCEEDED`` record of ``version`` on the endpoint that names its endpoint config."""
    return next(
        (
            item
            for item in history
            if item.model_package_version == version
            and item.outcome == Outcome.SUCCEEDED.value
            and item.endpoint_config_name
        ),
        None,
    )


def choose_version(facts: Facts, version: int, package: PackageView | None) -> Decision | Refusal:
    """The decision for an operator's ``--to version`` (the table above); ``package``: the version in the registry."""
    for _, situation, action in RULES[:2]:  # the lock, and nothing of ours live: as for any trigger
        reason = situation(facts)
        if reason is not None:
            return Decision(action, reason, facts.live)
    live = facts.live
    if live is None:  # rule 2 above
        raise ValueError("choose_version: nothing is live")
    if package is None:
        return Refusal(f"there is no model package version {version} in the registry")
    if package.approval_status != "Approved":
        return Refusal(
            f"model package version {version} is {package.approval_status}: only an Approved version is restored"
        )
    if live.model_package_version == version:
        return Refusal(f"v{version} is what {facts.endpoint_name} serves now: there is nothing to restore")
    target = _served(facts.history, version)
    if target is None:
        return Refusal(f"v{version} never served {facts.endpoint_name} (no SUCCEEDED deployment of it in the ledger)")
    reason = (
        f"{facts.trigger.reason}; restoring v{version} (the operator's choice, deployment {target.deployment_id}) "
        f"in place of v{live.model_package_version}"
    )
    return Decision(Action.RESTORE, reason, live, target)
