"""Rollback after the rollout: what triggers it, whether to act, and which known-good deployment to restore.

Pure: the services read the ledger (every deployment record of the endpoint, newest first) and the endpoint's lock,
and :func:`decide` answers from the table :data:`RULES`. The first rule whose situation holds wins:

====  ===========================================================  ==========  ==============================
rule  situation                                                    action      why
====  ===========================================================  ==========  ==============================
1     another deployment or rollback holds the endpoint's lock     RECORD      its guardrails own that window
2     no deployment of this system is live on the endpoint         RECORD      nothing of ours to roll back
3     the live model was itself restored by a rollback             RECORD      never roll back past it
4     the live deployment has a rollback already (any outcome)     RECORD      roll a deployment back once
5     a rejected package is not the live one                       RECORD      the endpoint does not serve it
6     the alarm fired before the latest rollout started, or        RECORD      that rollout's guardrails (or an
      during a rollout that did not succeed                                    older model) own the alarm
7     no known-good deployment before the live one                 NO_TARGET   no endpoint change; loud notice
8     otherwise                                                    RESTORE     restore the last known-good model
====  ===========================================================  ==========  ==============================

*Live* is the newest ``SUCCEEDED`` record: a deployment, or a rollback (whose record names the model it restored).
The *last known-good* is the newest ``SUCCEEDED`` record older than the live one that deploys another package; a
deployment a rollback undid is ``ROLLED_BACK``, so it never counts. Rules 3 and 4 make flapping alarms (ALARM → OK →
ALARM) and duplicated events roll back once: after a rollback the live model *is* the known-good one.

A package rejected by hand after it stopped being live is not visible in the endpoint's records, so it can still be
chosen as the known-good target (the choice reads the ledger only, so that the hot path stays at three calls).

Examples
--------
>>> from mlops_core.rollback.triggers import Trigger, TriggerKind
>>> trigger = Trigger(TriggerKind.REJECTION, "arn:...:model-package/churn/2#t1", None, "v2 rejected")
>>> decide(Facts(trigger, "churn", ())).action
<Action.RECORD: 'RECORD'>
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mlops_core.deploy.deployment import Outcome
from mlops_core.deploy.ledger_items import DeploymentRecord
from mlops_core.rollback.triggers import Trigger, TriggerKind
from mlops_core.timefmt import parse_stamp, stamp

_ATTEMPTED = frozenset({Outcome.IN_PROGRESS.value, Outcome.SUCCEEDED.value, Outcome.FAILED.value})


class Action(StrEnum):
    """What the rollback does."""

    RESTORE = "RESTORE"
    RECORD = "RECORD"
    NO_TARGET = "NO_TARGET"


# --- The ledger's view of the endpoint -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deployment:
    """A deployment record of the ledger (a rollback's record names the model it restored)."""

    deployment_id: str
    started_at: str
    outcome: str
    model_package_arn: str | None = None
    model_package_version: int | None = None
    model_name: str | None = None
    endpoint_config_name: str | None = None
    rollout_started_at: str | None = None
    finished_at: str | None = None
    rollback_of: str | None = None

    @classmethod
    def from_record(cls, record: DeploymentRecord) -> Deployment:
        """The decision's view of a ledger record."""
        return cls(
            deployment_id=record.deployment_id,
            started_at=record.started_at,
            outcome=record.outcome.value,
            model_package_arn=record.model_package_arn,
            model_package_version=record.model_package_version,
            model_name=record.model_name,
            endpoint_config_name=record.endpoint_config_name,
            rollout_started_at=record.rollout_started_at,
            finished_at=record.finished_at,
            rollback_of=record.rollback_of,
        )

    @property
    def is_rollback(self) -> bool:
        """Whether this record is a rollback that restored (or tries to restore) a known-good model."""
        return self.rollback_of is not None

    def as_dict(self) -> dict[str, Any]:
        """The fields notifications and plans carry."""
        return {
            "deployment_id": self.deployment_id,
            "started_at": self.started_at,
            "model_package_arn": self.model_package_arn,
            "model_package_version": self.model_package_version,
            "model_name": self.model_name,
            "endpoint_config_name": self.endpoint_config_name,
        }


def history_of(records: Sequence[DeploymentRecord]) -> tuple[Deployment, ...]:
    """The endpoint's deployments, newest first, from :meth:`DeploymentStore.deployments`."""
    return tuple(Deployment.from_record(record) for record in records)


def live_deployment(history: Sequence[Deployment]) -> Deployment | None:
    """The record of what the endpoint serves: the newest ``SUCCEEDED`` one."""
    return next((item for item in history if item.outcome == Outcome.SUCCEEDED.value), None)


def known_good_before(history: Sequence[Deployment], live: Deployment) -> Deployment | None:
    """The newest ``SUCCEEDED`` record older than ``live`` that serves another package: the rollback target."""
    older = history[history.index(live) + 1 :]
    return next(
        (
            item
            for item in older
            if item.outcome == Outcome.SUCCEEDED.value
            and item.endpoint_config_name
            and item.model_package_arn != live.model_package_arn
        ),
        None,
    )


# --- The decision table ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What :func:`decide` looks at: the trigger, the endpoint's history (newest first), another lock holder."""

    trigger: Trigger
    endpoint_name: str
    history: tuple[Deployment, ...]
    lock_holder: str | None = None

    @property
    def live(self) -> Deployment | None:
        """The live deployment."""
        return live_deployment(self.history)

    @property
    def target(self) -> Deployment | None:
        """The last known-good deployment before the live one."""
        live = self.live
        return known_good_before(self.history, live) if live else None


@dataclass(frozen=True)
class Decision:
    """An action, its reason, the live deployment (rolled back) and the target (restored)."""

    action: Action
    reason: str
    live: Deployment | None = None
    target: Deployment | None = None


def _version_of(item: Deployment | None) -> str:
    if item is None:
        return "none"
    return f"v{item.model_package_version}" if item.model_package_version is not None else item.deployment_id


def _locked(facts: Facts) -> str | None:
    if facts.lock_holder is None:
        return None
    return f"{facts.lock_holder} holds {facts.endpoint_name}: a rollout is in progress and its guardrails own it"


def _nothing_live(facts: Facts) -> str | None:
    return None if facts.live else f"no deployment of this system is live on {facts.endpoint_name}"


def _live_was_restored(facts: Facts) -> str | None:
    live = facts.live
    if live is None or not live.is_rollback:
        return None
    return (
        f"the live model ({_version_of(live)}) is the known-good one restored by rollback {live.deployment_id}; "
        "a rollback never goes past it"
    )


def _rolled_back_already(facts: Facts) -> str | None:
    live = facts.live
    if live is None:
        return None
    earlier = next(
        (item for item in facts.history if item.rollback_of == live.deployment_id and item.outcome in _ATTEMPTED),
        None,
    )
    if earlier is None:
        return None
    return (
        f"deployment {live.deployment_id} ({_version_of(live)}) was rolled back already by {earlier.deployment_id} "
        f"({earlier.outcome}); a deployment is rolled back once"
    )


def _rejected_not_live(facts: Facts) -> str | None:
    rejected, live = facts.trigger.package_arn, facts.live
    if facts.trigger.kind is not TriggerKind.REJECTION or live is None or rejected == live.model_package_arn:
        return None
    return f"the rejected package {rejected} is not live ({_version_of(live)} is); the endpoint is left as is"


def _alarm_belongs_to_a_rollout(facts: Facts) -> str | None:
    at, live = facts.trigger.at, facts.live
    if facts.trigger.kind is not TriggerKind.ALARM or at is None or live is None:
        return None
    latest = next((item for item in facts.history if item.rollout_started_at), None)
    if latest is None or latest.rollout_started_at is None:
        return None
    if at < parse_stamp(latest.rollout_started_at):
        return (
            f"the alarm went to ALARM at {stamp(at)}, before the latest rollout ({latest.deployment_id}) started: "
            "it judged an older model"
        )
    if latest is not live and (latest.finished_at is None or at <= parse_stamp(latest.finished_at)):
        return (
            f"the alarm went to ALARM at {stamp(at)}, during rollout {latest.deployment_id} ({latest.outcome}), "
            "whose deployment guardrails owned it"
        )
    return None


def _no_target(facts: Facts) -> str | None:
    if facts.target is not None:
        return None
    return (
        f"{facts.trigger.reason}; but no known-good version precedes {_version_of(facts.live)} on "
        f"{facts.endpoint_name}: the endpoint is left as is"
    )


Rule = tuple[str, Callable[[Facts], str | None], Action]

#: The decision table, in order (see the module docstring); when no row holds, :func:`decide` restores.
RULES: tuple[Rule, ...] = (
    ("another rollout holds the endpoint", _locked, Action.RECORD),
    ("nothing of ours is live", _nothing_live, Action.RECORD),
    ("the live model was restored by a rollback", _live_was_restored, Action.RECORD),
    ("the live deployment was rolled back already", _rolled_back_already, Action.RECORD),
    ("a rejected package is not live", _rejected_not_live, Action.RECORD),
    ("the alarm belongs to a rollout's window", _alarm_belongs_to_a_rollout, Action.RECORD),
    ("no known-good version before the live one", _no_target, Action.NO_TARGET),
)


def decide(facts: Facts) -> Decision:
    """The first row of :data:`RULES` that holds; otherwise restore the last known-good deployment."""
    live = facts.live
    for _, situation, action in RULES:
        reason = situation(facts)
        if reason is not None:
            return Decision(action, reason, live)
    target = facts.target
    reason = f"{facts.trigger.reason}; restoring {_version_of(target)} in place of {_version_of(live)}"
    return Decision(Action.RESTORE, reason, live, target)
