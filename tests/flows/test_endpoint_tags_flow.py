"""The endpoint's ``mlops:model-package-arn`` tag names the package it serves, after every update (#12, point 14), on
the local stack from the project's template.

CreateEndpoint tags the endpoint with the first package; UpdateEndpoint takes no tags, so the Deploy task tags the
endpoint (``AddTags``, which overwrites a key, scoped in the template to our endpoint) once an update is verified to
serve the new config: after a canary that SageMaker rolled back the tag still names the serving package, and after a
restore it names the restored one.
"""

from __future__ import annotations

import pytest

from tests.support.deploy_flow import DeployFlow, start_flow

pytestmark = pytest.mark.flow

TAG = "mlops:model-package-arn"


def endpoint_tags(flow: DeployFlow) -> dict[str, list[str]]:
    """Each tag key of the endpoint with its values (a key twice would be a wrong emulation or a wrong call)."""
    sagemaker = flow.stack.client("sagemaker")
    arn = sagemaker.describe_endpoint(EndpointName=flow.endpoint)["EndpointArn"]
    found: dict[str, list[str]] = {}
    for tag in sagemaker.list_tags(ResourceArn=arn)["Tags"]:
        found.setdefault(tag["Key"], []).append(tag["Value"])
    return found


def test_the_package_tag_follows_every_update_a_rolled_back_canary_and_a_restore() -> None:
    stack, flow = start_flow()
    with stack:
        v1 = flow.release()
        assert endpoint_tags(flow)[TAG] == [v1]

        v2 = flow.release()
        assert endpoint_tags(flow)[TAG] == [v2]

        flow.steering.once(flow.baking, flow.fleet_errors)  # the canary errs
        flow.release()  # v3: its canary rolls back, v2 still serves
        assert flow.outcomes()[3] == "ROLLED_BACK"
        assert endpoint_tags(flow)[TAG] == [v2]

        flow.set_alarm(flow.alarms[0], "OK")
        flow.wait(60)  # on one clock, an alarm at the very instant v3's rollout ended still counts as during it
        flow.set_alarm(flow.alarms[0])  # after the bake: the system restores the model before v2
        stack.settle()
        assert flow.serves() == flow.records()[1]["endpoint_config_name"]
        assert endpoint_tags(flow)[TAG] == [v1]
        assert all(len(values) == 1 for values in endpoint_tags(flow).values())
