"""Approval events that name someone else's package, or carry malformed or oversized fields (#12, points 2 and 9), on
the local stack from the project's template.

The rule lets through every ``Model Package State Change`` whose detail names our group; what the package ARN says
(partition, Region, account, group, version) and whether the fields are well formed is the function's to check.
Each bad event is ignored with its reason and the action log shows no call that changes anything (one stack for
all: none of them may change it). Preflight's own check is in ``test_deploy_request_preflight_flow.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mlopsctl.local.runtime.stack import LocalStack
from tests.support.deploy_flow import DeployFlow, start_flow
from tests.support.untrusted_events import OTHER_ACCOUNT, after, changes, package_event, runs

pytestmark = pytest.mark.flow


@pytest.fixture(scope="module")
def released() -> Iterator[DeployFlow]:
    """Version 1 serves; version 2 is registered, pending review (its real event is then forged in many ways)."""
    stack, flow = start_flow()
    with stack:
        flow.release()
        flow.register()
        yield flow


def _arn(stack: LocalStack, version: int | str, **parts: str) -> str:
    partition, region = parts.get("partition", "aws"), parts.get("region", stack.template.region)
    account, group = (
        parts.get("account", stack.template.account_id),
        parts.get("group", stack.physical_name("ModelPackageGroup")),
    )
    return f"arn:{partition}:sagemaker:{region}:{account}:model-package/{group}/{version}"


BAD_APPROVALS: list[tuple[str, Any, str]] = [
    ("arn-of-another-account", lambda s: {"ModelPackageArn": _arn(s, 2, account=OTHER_ACCOUNT)},
     f"of account '{OTHER_ACCOUNT}'"),
    ("arn-of-another-region", lambda s: {"ModelPackageArn": _arn(s, 2, region="eu-west-1")}, "of Region 'eu-west-1'"),
    ("arn-of-another-partition", lambda s: {"ModelPackageArn": _arn(s, 2, partition="aws-cn")},
     "of partition 'aws-cn'"),
    ("arn-of-another-group", lambda s: {"ModelPackageArn": _arn(s, 2, group="their-models")},
     "names group 'their-models'"),
    ("arn-spelling-our-group-otherwise", lambda s: {"ModelPackageArn": _arn(s, 2, group=s.physical_name(
        "ModelPackageGroup").upper())}, "the model package ARN names group"),
    ("arn-of-another-version", lambda s: {"ModelPackageArn": _arn(s, 1)}, "names version 1, the detail says 2"),
    ("arn-over-2048-characters", lambda s: {"ModelPackageArn": _arn(s, 2, group="g" * 2048)},
     "AWS allows at most 2048"),
    ("arn-of-100-kb", lambda s: {"ModelPackageArn": _arn(s, 2, group="g" * 100_000)}, "AWS allows at most 2048"),
    ("approval-status-not-documented", lambda _: {"ModelApprovalStatus": "APPROVED_BY_ME"},
     "ModelApprovalStatus 'APPROVED_BY_ME' is not one of"),
    ("version-zero", lambda s: {"ModelPackageVersion": 0, "ModelPackageArn": _arn(s, 0)}, "ModelPackageVersion"),
    ("version-beyond-32-bits", lambda s: {"ModelPackageVersion": 2**31, "ModelPackageArn": _arn(s, 2**31)},
     "ModelPackageVersion"),
    ("event-of-another-account", lambda s: {"account": OTHER_ACCOUNT, "ModelPackageArn": _arn(s, 2,
     account=OTHER_ACCOUNT)}, f"event from account '{OTHER_ACCOUNT}'"),
]  # fmt: skip


@pytest.mark.parametrize(("rewrite", "reason"), [case[1:] for case in BAD_APPROVALS], ids=[c[0] for c in BAD_APPROVALS])
def test_an_approval_naming_someone_elses_package_or_a_malformed_field_changes_nothing(
    released: DeployFlow, rewrite: Any, reason: str
) -> None:
    stack = released.stack
    live, mark = released.serves(), len(stack.log.entries())

    stack.put_event(package_event(stack, 2, **rewrite(stack)))

    entries = after(stack, mark)
    (approval,) = runs(entries, "ApprovalFunction")
    assert approval["outcome"] == "ignored"
    assert reason in approval["reason"]
    assert len(approval["reason"]) < 1000
    assert changes(entries) == []
    assert released.serves() == live
    assert released.outcomes() == {1: "SUCCEEDED"}
