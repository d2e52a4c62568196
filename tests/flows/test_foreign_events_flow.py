"""Events from another account or Region, on the local stack from the project's template (#12, point 3).

EventBridge rules match names, not owners: an alarm of another account that carries our alarm's name, or an S3 event
of another account that names our bucket, reaches our functions. Each function ignores such an event, with the
reason, before any call that changes anything. The events are the project's real-shaped samples (``events/``),
rewritten to name this stack's resources.
"""

from __future__ import annotations

import pytest

from tests.support.deploy_flow import DEPLOY_CALLS, start_flow
from tests.support.untrusted_events import (
    OTHER_ACCOUNT,
    OTHER_REGION,
    after,
    alarm_event,
    changes,
    object_created,
    runs,
)

pytestmark = pytest.mark.flow


def test_an_alarm_of_another_account_carrying_our_alarms_name_does_not_roll_back() -> None:
    stack, flow = start_flow()
    with stack:
        flow.release()
        good = flow.release()
        live = flow.serves()
        mark = len(stack.log.entries())
        errors_alarm = flow.alarms[0]

        stack.put_event(alarm_event(stack, errors_alarm, account=OTHER_ACCOUNT))
        # the same alarm name, sent from our account but with the ARN of the other account's alarm
        stack.put_event(alarm_event(stack, errors_alarm, account=stack.template.account_id, arn_account=OTHER_ACCOUNT))

        entries = after(stack, mark)
        rollbacks = runs(entries, "RollbackFunction")
        assert [r["outcome"] for r in rollbacks] == ["ignored", "ignored"], rollbacks
        assert f"account '{OTHER_ACCOUNT}'" in rollbacks[0]["reason"]
        assert f"account '{OTHER_ACCOUNT}'" in rollbacks[1]["reason"]
        assert changes(entries) == []
        assert flow.serves() == live
        assert flow.package(good)["ModelApprovalStatus"] == "Approved"
        assert flow.outcomes() == {1: "SUCCEEDED", 2: "SUCCEEDED"}
        assert flow.calls(*DEPLOY_CALLS)[-1]["operation"] == "update_endpoint"  # v2's update, nothing after it


@pytest.mark.parametrize(
    ("account", "region", "reason"),
    [
        (OTHER_ACCOUNT, None, f"event from account '{OTHER_ACCOUNT}'"),
        (None, OTHER_REGION, f"event from Region '{OTHER_REGION}'"),
    ],
    ids=["another-account", "another-region"],
)
def test_an_s3_event_of_another_account_or_region_does_not_start_labeling(
    account: str | None, region: str | None, reason: str
) -> None:
    stack, _ = start_flow()
    with stack:
        mark = len(stack.log.entries())

        stack.put_event(
            object_created(
                stack, "incoming/reviews/0001.txt", account=account or stack.template.account_id, region=region
            )
        )
        stack.settle()

        entries = after(stack, mark)
        (arrival,) = runs(entries, "DataArrivalFunction")
        assert arrival["outcome"] == "ignored"
        assert reason in arrival["reason"]
        assert changes(entries) == []
        assert stack.client("sagemaker").list_labeling_jobs()["LabelingJobSummaryList"] == []
