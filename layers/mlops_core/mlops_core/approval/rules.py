"""What a model package state change means for the endpoint: the approval decision, written as a table.

Pure. The Approval function reads the package's new status and how the endpoint relates to the package, and
:func:`decide` answers with an :class:`Action` and a reason:

======================  ===============  =========  ==================================================
approval status         endpoint         action     why
======================  ===============  =========  ==================================================
Approved                absent           DEPLOY     first deployment to the endpoint
Approved                serves another   DEPLOY     a newly approved model replaces the live one
Approved                serves this one  IGNORE     already live: approving it again changes nothing
PendingManualApproval   (any)            RECORD     registered or edited; waits for a reviewer
Rejected                serves this one  ROLLBACK   a live model was rejected: restore last known-good
Rejected                absent/another   RECORD     rejected before it went live
======================  ===============  =========  ==================================================

An event that says the approval status did not change (``UpdatedModelPackageFields`` without
``ModelApprovalStatus``: a metadata edit) is recorded only, whatever the status: an annotation must never redeploy.
SageMaker also announces metadata edits *without* ``UpdatedModelPackageFields`` (2 of the 3 real samples lack it),
so an event whose approval status is the one the ledger last recorded for that package (its newest event) never
deploys either: approving again takes a status change in between (rejected, then approved).

Whose package it is comes first (:func:`package_not_ours`): the detail's group and the group the package ARN names
must both be ours; the ARN's partition, Region and account are the handler's origin check
(:mod:`mlops_core.events.origin`), and the ARN's agreement with the detail's group and version the event model's.

Examples
--------
>>> package_not_ours("their-models", "their-models", "our-models")
'model package group their-models is not ours'
>>> decide("Approved", EndpointRelation.SERVES_THIS, approval_changed=True).action
<Action.IGNORE: 'IGNORE'>
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EndpointRelation(StrEnum):
    """How the endpoint relates to the package of the event."""

    ABSENT = "ABSENT"
    SERVES_THIS = "SERVES_THIS"
    SERVES_OTHER = "SERVES_OTHER"
    #: The endpoint is being updated to the package (its pending config), or the endpoint lock's holder deploys it.
    DEPLOYING = "DEPLOYING"


class Action(StrEnum):
    """What the Approval function does."""

    DEPLOY = "DEPLOY"
    IGNORE = "IGNORE"
    RECORD = "RECORD"
    ROLLBACK = "ROLLBACK"


@dataclass(frozen=True)
class Decision:
    """An action and the reason logged, recorded and returned with it."""

    action: Action
    reason: str


_ANY = None
APPROVAL_TABLE: dict[tuple[str, EndpointRelation | None], Decision] = {
    ("Approved", EndpointRelation.ABSENT): Decision(Action.DEPLOY, "approved: first deployment to the endpoint"),
    ("Approved", EndpointRelation.SERVES_OTHER): Decision(Action.DEPLOY, "approved: replaces the live model"),
    ("Approved", EndpointRelation.SERVES_THIS): Decision(Action.IGNORE, "approved package is already live"),
    ("PendingManualApproval", _ANY): Decision(Action.RECORD, "pending manual approval"),
    ("Rejected", EndpointRelation.SERVES_THIS): Decision(Action.ROLLBACK, "a live package was rejected"),
    ("Rejected", EndpointRelation.DEPLOYING): Decision(
        Action.RECORD,
        "rejected while its deployment is in progress: the deployment restores the last known-good model "
        "as soon as the update lands",
    ),
    ("Rejected", EndpointRelation.SERVES_OTHER): Decision(Action.RECORD, "rejected before going live"),
    ("Rejected", EndpointRelation.ABSENT): Decision(Action.RECORD, "rejected before going live"),
}

METADATA_EDIT = Decision(Action.RECORD, "metadata edit; approval status unchanged")


def package_not_ours(detail_group: str, arn_group: str, our_group: str) -> str | None:
    """Why the package an event names is not one of our group's versions, or ``None``.

    ``arn_group`` is the group in the package ARN, which SageMaker writes in lower case, as our group name is.
    """
    if detail_group != our_group:
        return f"model package group {detail_group} is not ours"
    if arn_group != our_group:
        return f"the model package ARN names group {arn_group}, not ours ({our_group})"
    return None


def approval_changed(updated_fields: tuple[str, ...]) -> bool:
    """Whether the event reports an approval change; events that do not list their changed fields count as one."""
    return not updated_fields or "ModelApprovalStatus" in updated_fields


def needs_endpoint(status: str) -> bool:
    """Whether the decision for ``status`` depends on the endpoint (so the endpoint need not be read otherwise)."""
    return (status, _ANY) not in APPROVAL_TABLE


def decide(
    status: str, relation: EndpointRelation | None, *, approval_changed: bool, last_status: str | None = None
) -> Decision:
    """The row of :data:`APPROVAL_TABLE` for this status and endpoint relation.

    ``last_status`` is the status the ledger last recorded for the package: a deployment it would repeat is ignored.
    """
    if not approval_changed:
        return METADATA_EDIT
    found = APPROVAL_TABLE.get((status, _ANY)) or APPROVAL_TABLE.get((status, relation))
    if found is not None and found.action is Action.DEPLOY and status == last_status:
        return Decision(Action.IGNORE, f"{status} is the status last recorded for this package: not a new approval")
    return found or Decision(Action.IGNORE, f"approval status {status!r} is not one this system acts on")
