"""Registry approval → canary deployment on the local stack, wired from the project's template.yaml.

Real: ApprovalFunction, DeployTasksFunction and EndpointEventsFunction with the template's environment, the
template's rules and patterns, ``statemachines/deploy.asl.json`` in moto's interpreter, the ledger. Emulated (virtual
time, :mod:`mlopsctl.local.emulators.sagemaker`): SageMaker endpoints (30 s to provision, then the bakes the
``DeploymentConfig``
asks for, with rollback when an alarm of ``AutoRollbackConfiguration`` goes to ALARM) and the events AWS sends. The
template's own defaults are used: a CANARY of 1 of 2 instances, 300 s bakes, lock retries every 60 s.

:class:`~tests.support.deploy_flow.Steering` plays the people and the monitoring around the system: a user acting at a
virtual instant, or a metric tripping an alarm once the canary bakes (:mod:`tests.support.deploy_flow`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.support.deploy_flow import DEPLOY_CALLS, DeployFlow, start_flow

pytestmark = pytest.mark.flow


@pytest.fixture
def flow() -> Iterator[DeployFlow]:
    stack, deploy_flow = start_flow()
    with stack:
        yield deploy_flow


# -- the acceptance -------------------------------------------------------------------------------------------
def test_first_approval_creates_the_endpoint_and_the_next_updates_it_by_canary_with_auto_rollback(
    flow: DeployFlow,
) -> None:
    flow.release()
    (create,) = flow.calls(*DEPLOY_CALLS)
    assert create["operation"] == "create_endpoint"

    flow.release()

    records = flow.records()
    assert flow.outcomes() == {1: "SUCCEEDED", 2: "SUCCEEDED"}
    (update,) = flow.calls("update_endpoint")
    assert update["params"] == {
        "EndpointName": flow.endpoint,
        "EndpointConfigName": records[2]["endpoint_config_name"],
        "DeploymentConfig": {
            "BlueGreenUpdatePolicy": {
                "TrafficRoutingConfiguration": {
                    "Type": "CANARY",
                    "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
                    "WaitIntervalInSeconds": 300,
                },
                "TerminationWaitInSeconds": 300,
                "MaximumExecutionTimeoutInSeconds": 1800,
            },
            # copies of the rollback alarms that watch only the new fleet (dimension EndpointConfigName)
            "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": name} for name in records[2]["new_fleet_alarms"]]},
        },
    }
    copies = flow.stack.client("cloudwatch").describe_alarm_history(HistoryItemType="StateUpdate")  # none fired
    assert copies["AlarmHistoryItems"] == []
    assert records[2]["new_fleet_alarms"] == [f"{records[2]['endpoint_config_name']}-newfleet-{i}" for i in (0, 1)]
    assert flow.serves() == records[2]["endpoint_config_name"] != records[1]["endpoint_config_name"]
    assert [(m["model_package_version"], m["outcome"]) for m in flow.deployment_messages()] == [
        (1, "SUCCEEDED"),
        (2, "SUCCEEDED"),
    ]


def test_waiting_for_the_canary_costs_no_polling(flow: DeployFlow) -> None:
    flow.release()
    before = len(flow.runs("DeployTasksFunction"))
    started = flow.stack.clock.now()

    flow.release()

    # 30 s to provision, two 300 s bakes: the execution slept through them, woken by the endpoint's event.
    assert flow.stack.clock.now() - started >= timedelta(seconds=630)
    steps = len(flow.runs("DeployTasksFunction")) - before
    assert steps <= 8, f"{steps} task runs for one update: the wait polls"
    assert [r["outcome"] for r in flow.runs("EndpointEventsFunction")][-1] == "ok"


def test_an_alarm_during_the_canary_bake_rolls_back_and_rejects_the_package(flow: DeployFlow) -> None:
    flow.release()
    live = flow.serves()
    errors_alarm = flow.alarms[0]
    flow.steering.once(flow.baking, flow.fleet_errors)  # the canary errs: its fleet's alarm copy fires

    bad = flow.release()

    assert flow.serves() == live
    record = flow.records()[2]
    assert record["outcome"] == "ROLLED_BACK"
    assert record["alarm"] == errors_alarm
    assert errors_alarm in record["reason"]
    package = flow.package(bad)
    assert package["ModelApprovalStatus"] == "Rejected"
    assert errors_alarm in package["ApprovalDescription"]
    assert [(m["model_package_version"], m["outcome"]) for m in flow.deployment_messages()][-1] == (2, "ROLLED_BACK")
    assert len(flow.calls(*DEPLOY_CALLS)) == 2, "the rejection must not start another deployment"


def test_five_approvals_within_a_second_deploy_one_at_a_time_and_the_newest_wins(flow: DeployFlow) -> None:
    flow.release()
    arns = []
    for _ in range(5):  # versions 2..6, from training runs that ended a minute apart
        flow.wait(60)
        arns.append(flow.register())
    first = flow.stack.clock.now()
    flow.approve(arns[0], settle=False)
    for index, arn in enumerate(arns[1:], start=1):
        flow.steering.at(first + timedelta(seconds=0.2 * index), lambda arn=arn: flow.approve(arn, settle=False))

    flow.stack.settle()

    superseded = dict.fromkeys((3, 4, 5), "SUPERSEDED")
    assert flow.outcomes() == {1: "SUCCEEDED", 2: "SUCCEEDED", **superseded, 6: "SUCCEEDED"}
    assert flow.serves() == flow.records()[6]["endpoint_config_name"]
    assert {e["status"] for e in flow.executions()} == {"SUCCEEDED"}
    assert len(flow.executions()) == 6
    _assert_rollouts_never_overlap(flow)


def _assert_rollouts_never_overlap(flow: DeployFlow) -> None:
    """Each create/update of the endpoint comes after the deployment before it has ended."""
    log = flow.stack.log.entries()
    by_config = {r["endpoint_config_name"]: r["deployment_id"] for r in flow.records().values()}
    ended = {e["execution"]: i for i, e in enumerate(log) if e["kind"] == "execution"}
    rollouts = [
        (i, by_config[e["params"]["EndpointConfigName"]])
        for i, e in enumerate(log)
        if e["kind"] == "aws_call" and e["service"] == "sagemaker" and e["operation"] in DEPLOY_CALLS
    ]
    assert len(rollouts) == 3
    for (_, previous), (index, current) in itertools.pairwise(rollouts):
        assert ended[previous] < index, f"{current} changed the endpoint while {previous} was still running"
