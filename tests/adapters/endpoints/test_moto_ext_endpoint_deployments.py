"""Endpoints on moto with the project's extensions: UpdateEndpoint with blue/green deployments (canary, linear, all at
once), their bakes and auto-rollback alarms, driven in virtual time by the emulator. Every call goes through boto3
(botocore validates the request and parses the response against SageMaker's service model)."""

from __future__ import annotations

from mlopsctl.local.emulators.sagemaker import EmulatorTimings, SageMakerEmulator
from mlopsctl.local.emulators.sagemaker.harness import settle
from tests.support.moto_endpoints import ALARM, canary, error_of, in_service_endpoint, make_config, statuses


def test_canary_update_without_alarms_ends_in_service_on_the_new_config(sm, emulator, clock, cw):
    in_service_endpoint(sm, emulator, clock)

    sm.update_endpoint(EndpointName="churn", EndpointConfigName="v2", DeploymentConfig=canary())
    updating = sm.describe_endpoint(EndpointName="churn")
    events = settle(emulator, clock)
    final = sm.describe_endpoint(EndpointName="churn")

    assert updating["EndpointStatus"] == "Updating"
    assert updating["EndpointConfigName"] == "v1"
    assert updating["PendingDeploymentSummary"]["EndpointConfigName"] == "v2"
    assert statuses(events) == [
        ("SageMaker Endpoint State Change", "UPDATING"),
        ("SageMaker Endpoint Deployment State Change", "UPDATING"),
        ("SageMaker Endpoint Deployment State Change", "UPDATING"),
        ("SageMaker Endpoint Deployment State Change", "UPDATING"),
        ("SageMaker Endpoint State Change", "IN_SERVICE"),
    ]
    canary_bake = events[2]["detail"]["PendingDeploymentSummary"]["ProductionVariants"][0]
    assert canary_bake["CurrentInstanceCount"] == 1
    assert canary_bake["VariantStatus"][0]["Status"] == "Baking"
    assert (final["EndpointStatus"], final["EndpointConfigName"]) == ("InService", "v2")
    assert "FailureReason" not in final
    assert "PendingDeploymentSummary" not in final
    assert final["LastDeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["Type"] == "CANARY"
    # provisioning 60 s + canary bake 300 s + final bake 600 s
    assert events[-1]["time"] == "2025-01-01T00:17:00Z"


def test_alarm_during_the_canary_bake_rolls_the_update_back(sm, emulator, clock, cw):
    in_service_endpoint(sm, emulator, clock)
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="v2", DeploymentConfig=canary())
    emulator.run_due(clock.advance(60 + 100))  # provisioned; 100 s into the canary bake

    cw.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="Threshold Crossed")
    events = settle(emulator, clock)
    final = sm.describe_endpoint(EndpointName="churn")

    assert [e["detail-type"] for e in events] == [
        "CloudWatch Alarm State Change",
        "SageMaker Endpoint Deployment State Change",
        "SageMaker Endpoint State Change",
    ]
    assert (final["EndpointStatus"], final["EndpointConfigName"]) == ("InService", "v1")
    assert ALARM in final["FailureReason"]
    assert final["LastDeploymentConfig"]["AutoRollbackConfiguration"] == {"Alarms": [{"AlarmName": ALARM}]}
    assert events[-1]["detail"]["EndpointStatus"] == "IN_SERVICE"
    assert events[-1]["detail"]["EndpointConfigName"] == "v1"


def test_alarm_during_the_final_bake_also_rolls_back(sm, emulator, clock, cw):
    in_service_endpoint(sm, emulator, clock)
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="v2", DeploymentConfig=canary())
    emulator.run_due(clock.advance(60 + 300 + 500))  # full shift, 500 s into the 600 s termination wait

    cw.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="Threshold Crossed")
    settle(emulator, clock)

    assert sm.describe_endpoint(EndpointName="churn")["EndpointConfigName"] == "v1"


def test_alarm_already_in_alarm_when_baking_starts_rolls_back_at_once(sm, emulator, clock, cw):
    in_service_endpoint(sm, emulator, clock)
    cw.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="Threshold Crossed")
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="v2", DeploymentConfig=canary())

    events = settle(emulator, clock)

    assert sm.describe_endpoint(EndpointName="churn")["EndpointConfigName"] == "v1"
    assert events[-1]["time"] == "2025-01-01T00:02:20Z"  # create 60 s, provision 60 s, rollback 20 s


def test_alarm_after_the_deployment_finished_changes_nothing(sm, emulator, clock, cw):
    in_service_endpoint(sm, emulator, clock)
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="v2", DeploymentConfig=canary())
    settle(emulator, clock)

    cw.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="Threshold Crossed")
    events = settle(emulator, clock)

    assert [e["detail-type"] for e in events] == ["CloudWatch Alarm State Change"]
    assert sm.describe_endpoint(EndpointName="churn")["EndpointConfigName"] == "v2"


def test_alarm_in_alarm_only_while_provisioning_and_back_to_ok_does_not_roll_back(sm, emulator, clock, cw):
    in_service_endpoint(sm, emulator, clock)
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="v2", DeploymentConfig=canary())
    emulator.run_due(clock.advance(10))

    cw.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="blip")
    emulator.run_due(clock.advance(10))
    cw.set_alarm_state(AlarmName=ALARM, StateValue="OK", StateReason="recovered")
    settle(emulator, clock)

    assert sm.describe_endpoint(EndpointName="churn")["EndpointConfigName"] == "v2"


def test_deployment_that_outlives_its_timeout_rolls_back(sm, emulator, clock, cw):
    in_service_endpoint(sm, emulator, clock)
    slow = SageMakerEmulator(clock, timings=EmulatorTimings(endpoint_update_seconds=3000, endpoint_rollback_seconds=20))
    slow.install()  # takes over the region: provisioning the new fleet now takes longer than the timeout
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="v2", DeploymentConfig=canary(timeout=1000))

    events = settle(slow, clock)
    final = sm.describe_endpoint(EndpointName="churn")

    assert final["EndpointConfigName"] == "v1"
    assert "MaximumExecutionTimeoutInSeconds" in final["FailureReason"]
    assert statuses(events)[-1] == ("SageMaker Endpoint State Change", "IN_SERVICE")
    assert events[-1]["time"] == "2025-01-01T00:18:00Z"  # updated at 00:01:00, timed out at +1000 s, rollback 20 s


def test_update_without_deployment_config_switches_after_provisioning(sm, emulator, clock):
    in_service_endpoint(sm, emulator, clock)

    sm.update_endpoint(EndpointName="churn", EndpointConfigName="v2")
    events = settle(emulator, clock)
    final = sm.describe_endpoint(EndpointName="churn")

    assert (final["EndpointStatus"], final["EndpointConfigName"]) == ("InService", "v2")
    assert "LastDeploymentConfig" not in final
    assert events[-1]["time"] == "2025-01-01T00:02:00Z"


def test_linear_update_shifts_traffic_in_steps(sm, emulator, clock, cw):
    in_service_endpoint(sm, emulator, clock)
    linear = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "LINEAR",
                "WaitIntervalInSeconds": 60,
                "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
            },
            "TerminationWaitInSeconds": 0,
        }
    }

    sm.update_endpoint(EndpointName="churn", EndpointConfigName="v2", DeploymentConfig=linear)
    events = settle(emulator, clock)

    deployment = [e for e in events if e["detail-type"] == "SageMaker Endpoint Deployment State Change"]
    active = [
        e["detail"]["PendingDeploymentSummary"]["ProductionVariants"][0]["CurrentInstanceCount"] for e in deployment
    ]
    assert active == [0, 2, 4, 4]
    assert sm.describe_endpoint(EndpointName="churn")["EndpointConfigName"] == "v2"


def test_retain_all_variant_properties_keeps_the_current_instance_count(sm, emulator, clock):
    in_service_endpoint(sm, emulator, clock)
    make_config(sm, "v3", instances=2)

    sm.update_endpoint(EndpointName="churn", EndpointConfigName="v3", RetainAllVariantProperties=True)
    settle(emulator, clock)

    variant = sm.describe_endpoint(EndpointName="churn")["ProductionVariants"][0]
    assert variant["DesiredInstanceCount"] == 4


def test_second_update_while_updating_is_rejected(sm, emulator, clock, cw):
    in_service_endpoint(sm, emulator, clock)
    sm.update_endpoint(EndpointName="churn", EndpointConfigName="v2", DeploymentConfig=canary())

    code, message = error_of(sm.update_endpoint, EndpointName="churn", EndpointConfigName="v1")

    assert code == "ValidationException"
    assert message.startswith("Cannot update in-progress endpoint")


def test_without_an_active_emulator_moto_behaves_as_before(sm, emulator, clock):
    emulator.uninstall()
    make_config(sm, "v1")

    sm.create_endpoint(EndpointName="plain", EndpointConfigName="v1")

    assert sm.describe_endpoint(EndpointName="plain")["EndpointStatus"] == "InService"
    assert emulator.next_due() is None
