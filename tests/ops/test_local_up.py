"""``mlopsctl local up``'s machinery, live: a person's requests over HTTP make the system react as in AWS.

The stack runs with its time running 600 times faster than real time (:mod:`tests.support.local_up`); the test acts
as a person with a plain boto3 client on the served URL and waits, with a bounded real-time deadline, for what the
system does.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from mlopsctl.local.runtime.actionlog import a_person_acts
from mlopsctl.local.up.report import Reporter
from tests.support.deploy_flow import DeployFlow, Steering
from tests.support.local_up import LocalUp, eventually, local_up

pytestmark = pytest.mark.flow


VERBOSE = io.StringIO()


@pytest.fixture(scope="module")
def up() -> Iterator[LocalUp]:
    with local_up(on_entries=Reporter(VERBOSE, verbose=True).entries) as running:
        yield running


def _reader(up: LocalUp) -> DeployFlow:
    """What the system shows (ledger records, the endpoint), read with the stack's own clients."""
    return DeployFlow(up.stack, Steering(up.stack.clock.now))


def test_describe_stacks_over_http_gives_the_stacks_outputs(up: LocalUp) -> None:
    with a_person_acts():
        described = up.client("cloudformation").describe_stacks(StackName="mlops-local")["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
    assert described["StackStatus"] == "CREATE_COMPLETE"
    assert outputs == up.stack.outputs()
    assert outputs["DataBucketName"] == up.stack.physical_name("DataBucket")
    assert up.environment()["MLOPS_ENDPOINT_URL"] == up.url == up.environment()["AWS_ENDPOINT_URL"]


def test_time_runs_while_nobody_acts(up: LocalUp) -> None:
    before = up.stack.clock.now()
    eventually(lambda: (up.stack.clock.now() - before).total_seconds() >= 600, within=30, what="10 virtual minutes")


def test_approved_versions_deploy_in_turn_and_an_alarm_rolls_back_to_the_first(up: LocalUp) -> None:
    reader = _reader(up)
    v1, v2 = up.register(), up.register()

    up.approve(v1)
    eventually(lambda: reader.outcomes().get(1) == "SUCCEEDED", what="v1's deployment")
    up.approve(v2)
    eventually(lambda: reader.outcomes().get(2) == "SUCCEEDED", what="v2's deployment")
    records = reader.records()
    assert reader.serves() == records[2]["endpoint_config_name"]
    assert records[2]["model_package_arn"] == v2

    alarm = up.stack.outputs()["EndpointErrorsAlarmName"]
    with a_person_acts():
        up.client("cloudwatch").set_alarm_state(
            AlarmName=alarm, StateValue="ALARM", StateReason="Threshold Crossed: set by the test"
        )
    eventually(lambda: _serving(reader) == records[1]["endpoint_config_name"], what="the rollback to v1")
    with a_person_acts():
        package = up.client("sagemaker").describe_model_package(ModelPackageName=v2)
    assert package["ModelApprovalStatus"] == "Rejected"  # the bad version, marked with the reason
    lines = VERBOSE.getvalue().splitlines()  # --verbose: one line per handler run, execution and event
    assert any(line.endswith("handler   ApprovalFunction → ok") for line in lines)
    assert any(line.endswith("execution DeployStateMachine → SUCCEEDED") for line in lines)
    assert any(line.endswith("execution RollbackStateMachine → SUCCEEDED") for line in lines)


def _serving(reader: DeployFlow) -> Any:
    described = reader.described() or {}
    return described.get("EndpointConfigName") if described.get("EndpointStatus") == "InService" else None
