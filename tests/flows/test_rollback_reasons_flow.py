"""Which rollbacks reject the package (issue 12, point 6), on the local stack from the project's template.

A rollback rejects the package only when a rollback alarm fired on the new model's traffic: each update's
``AutoRollbackConfiguration`` names copies of the rollback alarms restricted to the new fleet (dimension
``EndpointConfigName``), and Verify reads their history. SageMaker also rolls an update back on its execution timeout
(here: a new fleet that takes longer to provision than ``MaximumExecutionTimeoutInSeconds``, as a capacity shortage
would); that rollback is recorded with SageMaker's reason and the package stays approved. Errors of the *old* fleet
trip the endpoint-wide alarm, never the new fleet's copy: the canary goes on. (The new fleet's errors: rolled back and
rejected, :func:`tests.flows.test_deploy_flow.test_an_alarm_during_the_canary_bake_rolls_back_and_rejects_the_package`.)
Metrics are emulated (:mod:`mlopsctl.local.emulators.sagemaker.endpoint_metrics`); alarms follow them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

from mlopsctl.local.emulators.sagemaker import EmulatorTimings, SageMakerEmulator
from tests.support.deploy_flow import DeployFlow, start_flow

pytestmark = pytest.mark.flow


class SlowFleet(SageMakerEmulator):
    """SageMaker short of capacity: the new fleet takes 40 minutes to provision (the update's timeout is 30)."""

    def __init__(self, clock: Callable[[], datetime], **kwargs: object) -> None:
        super().__init__(clock, timings=EmulatorTimings(endpoint_update_seconds=2400), **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def flow() -> Iterator[DeployFlow]:
    stack, deploy_flow = start_flow()
    with stack:
        yield deploy_flow


@pytest.fixture
def slow_flow() -> Iterator[DeployFlow]:
    stack, deploy_flow = start_flow(emulator=SlowFleet)
    with stack:
        yield deploy_flow


def test_a_rollback_on_sagemakers_timeout_is_recorded_with_its_reason_and_the_package_stays_approved(
    slow_flow: DeployFlow,
) -> None:
    flow = slow_flow
    flow.release()
    live = flow.serves()

    v2 = flow.release()

    assert flow.serves() == live
    record = flow.records()[2]
    assert record["outcome"] == "ROLLED_BACK"
    assert record.get("alarm") is None
    assert "MaximumExecutionTimeoutInSeconds" in record["reason"]
    assert "no rollback alarm on the new fleet" in record["reason"]
    assert flow.package(v2)["ModelApprovalStatus"] == "Approved"
    assert [(m["model_package_version"], m["outcome"]) for m in flow.deployment_messages()][-1] == (2, "ROLLED_BACK")
    assert not [c for c in flow.calls("update_model_package")]


def test_errors_of_the_old_fleet_during_the_canary_neither_stop_it_nor_reject_the_new_package(flow: DeployFlow) -> None:
    flow.release()
    errors_alarm = flow.alarms[0]
    flow.steering.once(flow.baking, lambda: flow.fleet_errors(new=False))

    v2 = flow.release()

    alarm = flow.stack.client("cloudwatch").describe_alarms(AlarmNames=[errors_alarm])["MetricAlarms"][0]
    assert alarm["StateValue"] == "ALARM"  # the endpoint-wide alarm saw the old fleet's errors
    record = flow.records()[2]
    assert record["outcome"] == "SUCCEEDED"
    assert flow.serves() == record["endpoint_config_name"]
    assert flow.package(v2)["ModelApprovalStatus"] == "Approved"
