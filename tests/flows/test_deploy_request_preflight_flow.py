"""Preflight compares the described package with the request (#12, point 2), on the local stack from the project's
template: a Deploy execution whose request names a package of another group or version than the one
``DescribeModelPackage`` returns fails its preflight, with the reason, and changes no endpoint. (The Approval function
never starts such a request: it refuses an event whose package ARN disagrees with its detail. Preflight is the
second line, for anyone else allowed to start the state machine.)
"""

from __future__ import annotations

import json

import pytest

from tests.support.deploy_flow import start_flow
from tests.support.untrusted_events import after, changes

pytestmark = pytest.mark.flow


def test_a_deployment_requested_for_a_package_of_another_version_fails_preflight_and_changes_no_endpoint() -> None:
    stack, flow = start_flow()
    with stack:
        old = flow.release()
        flow.release()
        live = flow.serves()
        # version 1's package, requested as if it were a new version 7 of our group
        request = {
            "endpoint_name": flow.endpoint,
            "model_package_arn": old,
            "model_package_group_name": flow.group,
            "model_package_version": 7,
            "trigger": {"event_id": "forged"},
        }
        mark = len(stack.log.entries())

        stack.aws(
            "stepfunctions",
            "start_execution",
            stateMachineArn=stack.arn("DeployStateMachine"),
            name="forged-request",
            input=json.dumps({"request": request}),
        )

        entries = after(stack, mark)
        assert [e["status"] for e in entries if e["kind"] == "execution"] == ["FAILED"]
        assert "is version 1, not 7" in flow.records()[7]["reason"]
        assert [c for c in changes(entries) if c.startswith("sagemaker.")] == []
        assert flow.serves() == live
