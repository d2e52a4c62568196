"""Who holds the endpoint's lock when a rollback alarm needs it, and what the alarm does about it (pure).

The lock's owner is a Deploy execution's name (a deployment, or a rollback). The Rollback function asks Step
Functions how that execution is (``DescribeExecution``) and SageMaker how the endpoint is (``DescribeEndpoint``), and
:func:`judge_holder` answers from the table:

======================  ======================  ==========  ====================================================
holder's execution      endpoint                verdict     what the alarm does
======================  ======================  ==========  ====================================================
not ``RUNNING`` / gone  (any)                   TAKE_OVER   take the lock over (only if the holder is unchanged)
                                                            and restore: nothing will release it before expiry
``RUNNING``             updating                ROLLOUT     record only: that rollout's guardrails own the alarm
``RUNNING``             not updating            WAIT        retry the alarm (bounded) until the lock is free:
                                                            the holder is preparing or finishing
======================  ======================  ==========  ====================================================

Examples
--------
>>> judge_holder("FAILED", "InService").verdict
<HolderVerdict.TAKE_OVER: 'TAKE_OVER'>
>>> judge_holder("RUNNING", "Updating").verdict
<HolderVerdict.ROLLOUT: 'ROLLOUT'>
>>> judge_holder("RUNNING", "InService").verdict
<HolderVerdict.WAIT: 'WAIT'>
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mlops_core.deploy.deployment import IN_PROGRESS_STATUSES


class HolderVerdict(StrEnum):
    """What an alarm that needs the endpoint's lock does about its holder."""

    TAKE_OVER = "TAKE_OVER"
    ROLLOUT = "ROLLOUT"
    WAIT = "WAIT"


@dataclass(frozen=True)
class HolderJudgement:
    """A verdict and the reason recorded with it."""

    verdict: HolderVerdict
    reason: str


def judge_holder(
    execution_status: str | None, endpoint_status: str | None, holder: str = "the holder"
) -> HolderJudgement:
    """The row of the table above for the holder's execution status (``None``: no such execution) and the
    endpoint's status (``None``: no endpoint)."""
    if execution_status != "RUNNING":
        state = execution_status or "not found"
        return HolderJudgement(
            HolderVerdict.TAKE_OVER, f"the lock holder {holder} is {state}: its lock is left over, taken over"
        )
    if endpoint_status in IN_PROGRESS_STATUSES:
        return HolderJudgement(
            HolderVerdict.ROLLOUT,
            f"{holder} holds the lock and the endpoint is {endpoint_status}: a rollout is in progress and its "
            "guardrails own it",
        )
    return HolderJudgement(
        HolderVerdict.WAIT,
        f"{holder} holds the lock and runs while the endpoint is {endpoint_status or 'absent'} (preparing or "
        "finishing): the alarm is retried until the lock is free",
    )
