"""Endpoints on moto with the project's extensions: CreateEndpoint/DeleteEndpoint phases, and the UpdateEndpoint
requests SageMaker refuses. Every call goes through boto3 (botocore validates the request and parses the response
against SageMaker's service model)."""

from __future__ import annotations

import pytest

from mlopsctl.local.emulators.sagemaker.harness import settle
from tests.support.moto_endpoints import ALARM, canary, error_of, in_service_endpoint, make_config, statuses


def test_new_endpoint_is_creating_until_the_create_time_has_passed(sm, emulator, clock):
    make_config(sm, "v1")
    arn = sm.create_endpoint(EndpointName="churn", EndpointConfigName="v1")["EndpointArn"]

    created = emulator.run_due(clock())
    creating = sm.describe_endpoint(EndpointName="churn")["EndpointStatus"]
    clock.advance(59)
    assert emulator.run_due(clock()) == []
    clock.advance(1)
    ready = emulator.run_due(clock())

    assert creating == "Creating"
    assert statuses(created) == [("SageMaker Endpoint State Change", "CREATING")]
    assert statuses(ready) == [("SageMaker Endpoint State Change", "IN_SERVICE")]
    assert ready[0]["resources"] == [arn]
    assert sm.describe_endpoint(EndpointName="churn")["EndpointStatus"] == "InService"


def test_creating_an_existing_endpoint_is_rejected(sm, emulator, clock):
    in_service_endpoint(sm, emulator, clock)

    code, message = error_of(sm.create_endpoint, EndpointName="churn", EndpointConfigName="v2")

    assert code == "ValidationException"
    assert message.startswith("Cannot create already existing endpoint")


def test_deleted_endpoint_is_deleting_then_gone(sm, emulator, clock):
    in_service_endpoint(sm, emulator, clock)

    sm.delete_endpoint(EndpointName="churn")
    deleting = sm.describe_endpoint(EndpointName="churn")["EndpointStatus"]
    events = settle(emulator, clock)

    assert deleting == "Deleting"
    assert statuses(events) == [("SageMaker Endpoint State Change", "DELETING")]
    assert error_of(sm.describe_endpoint, EndpointName="churn")[0] == "ValidationException"


@pytest.mark.parametrize(
    "case",
    [
        ("missing", "v2", 'Could not find endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/missing".'),
        ("churn", "nope", "Could not find endpoint configuration"),
    ],
)
def test_update_of_unknown_endpoint_or_config_is_rejected(sm, emulator, clock, case):
    endpoint, config, expected = case
    in_service_endpoint(sm, emulator, clock)

    code, message = error_of(sm.update_endpoint, EndpointName=endpoint, EndpointConfigName=config)

    assert code == "ValidationException"
    assert expected in message


def test_update_of_an_endpoint_that_is_not_in_service_is_rejected(sm, emulator, clock):
    make_config(sm, "v1")
    sm.create_endpoint(EndpointName="churn", EndpointConfigName="v1")

    code, message = error_of(sm.update_endpoint, EndpointName="churn", EndpointConfigName="v1")

    assert (code, message) == (
        "ValidationException",
        'Cannot update in-progress endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn".',
    )


def test_blue_green_update_that_renames_the_variant_is_rejected(sm, emulator, clock, cw):
    in_service_endpoint(sm, emulator, clock)
    make_config(sm, "renamed", variant="Blue")

    code, message = error_of(
        sm.update_endpoint, EndpointName="churn", EndpointConfigName="renamed", DeploymentConfig=canary()
    )

    assert code == "ValidationException"
    assert "variant names" in message
    assert sm.describe_endpoint(EndpointName="churn")["EndpointStatus"] == "InService"


@pytest.mark.parametrize(
    ("routing", "fragment"),
    [
        ({"Type": "CANARY", "WaitIntervalInSeconds": 60, "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 3}}, "50%"),
        ({"Type": "CANARY", "WaitIntervalInSeconds": 60}, "CanarySize is required"),
        (
            {"Type": "LINEAR", "WaitIntervalInSeconds": 60, "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 5}},
            "10%",
        ),
    ],
)
def test_step_sizes_outside_the_documented_range_are_rejected(sm, emulator, clock, routing, fragment):
    in_service_endpoint(sm, emulator, clock)
    config = {"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": routing}}

    code, message = error_of(sm.update_endpoint, EndpointName="churn", EndpointConfigName="v2", DeploymentConfig=config)

    assert code == "ValidationException"
    assert fragment in message


def test_timeout_shorter_than_the_baking_periods_is_rejected(sm, emulator, clock, cw):
    in_service_endpoint(sm, emulator, clock)

    code, message = error_of(
        sm.update_endpoint,
        EndpointName="churn",
        EndpointConfigName="v2",
        DeploymentConfig=canary(wait=600, final=600, timeout=900),
    )

    assert code == "ValidationException"
    assert "MaximumExecutionTimeoutInSeconds" in message


def test_auto_rollback_alarm_that_does_not_exist_is_rejected(sm, emulator, clock):
    in_service_endpoint(sm, emulator, clock)

    code, message = error_of(
        sm.update_endpoint, EndpointName="churn", EndpointConfigName="v2", DeploymentConfig=canary()
    )

    assert code == "ValidationException"
    assert ALARM in message
