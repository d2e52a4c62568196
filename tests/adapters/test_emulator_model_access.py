"""An endpoint's models provisioned as their roles, on moto with the emulator and the local stack's IAM evaluation.

No template: the role's policies are written here (:func:`tests.unit.test_emulator_service_roles.roles_with`), so
each test says exactly which grant decides. A model created from a model package is provisioned with the package's
image and model data.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mlopsctl.local.emulators.sagemaker import EmulatorTimings, SageMakerEmulator
from mlopsctl.local.emulators.sagemaker.harness import START, settle
from mlopsctl.local.runtime.clock import VirtualClock
from tests.support.service_roles import IMAGE, REPOSITORY, ROLE, allow, roles_with

# These tests take grants away on purpose: the denials they cause are what they assert.
pytestmark = pytest.mark.iam_denials

MODEL_DATA = "s3://artifacts/pipelines/runs/r1/model/model.tar.gz"
LOGS = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/churn"
RUNS_THE_IMAGE = (
    allow("ecr:GetAuthorizationToken", "*"),
    allow(["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"], REPOSITORY),
    allow("logs:CreateLogGroup", LOGS),
    allow(["logs:CreateLogStream", "logs:PutLogEvents"], f"{LOGS}:log-stream:*"),
    allow("cloudwatch:PutMetricData", "*"),
)


@pytest.fixture
def world() -> Iterator[tuple[Any, SageMakerEmulator, VirtualClock]]:
    with mock_aws():
        clock = VirtualClock(START)
        emulator = SageMakerEmulator(clock, timings=EmulatorTimings(endpoint_create_seconds=60))
        emulator.install()
        try:
            yield boto3.client("sagemaker", region_name="us-east-1"), emulator, clock
        finally:
            emulator.uninstall()


def deploy_package_model(sm: Any) -> None:
    """A model created from a registered package (its image and model data are the package's), and its endpoint."""
    sm.create_model_package_group(ModelPackageGroupName="tickets")
    spec = {
        "Containers": [{"Image": IMAGE, "ModelDataUrl": MODEL_DATA}],
        "SupportedContentTypes": ["text/plain"],
        "SupportedResponseMIMETypes": ["application/json"],
    }
    package = sm.create_model_package(ModelPackageGroupName="tickets", InferenceSpecification=spec)
    sm.create_model(
        ModelName="m1", ExecutionRoleArn=ROLE, PrimaryContainer={"ModelPackageName": package["ModelPackageArn"]}
    )
    variant = {"VariantName": "AllTraffic", "ModelName": "m1", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
    sm.create_endpoint_config(EndpointConfigName="c1", ProductionVariants=[variant])
    sm.create_endpoint(EndpointName="churn", EndpointConfigName="c1")


def test_a_package_model_runs_when_its_role_pulls_the_packages_image_and_reads_its_model_data(
    world: tuple[Any, SageMakerEmulator, VirtualClock],
) -> None:
    sm, emulator, clock = world
    emulator.roles = roles_with(*RUNS_THE_IMAGE, allow("s3:GetObject", "arn:aws:s3:::artifacts/pipelines/runs/*"))

    deploy_package_model(sm)
    settle(emulator, clock)

    endpoint = sm.describe_endpoint(EndpointName="churn")
    assert (endpoint["EndpointStatus"], endpoint.get("FailureReason")) == ("InService", None)


def test_a_package_model_fails_to_deploy_when_its_role_cannot_read_the_packages_model_data(
    world: tuple[Any, SageMakerEmulator, VirtualClock],
) -> None:
    sm, emulator, clock = world
    emulator.roles = roles_with(*RUNS_THE_IMAGE)

    deploy_package_model(sm)
    settle(emulator, clock)

    endpoint = sm.describe_endpoint(EndpointName="churn")
    assert endpoint["EndpointStatus"] == "Failed"
    assert endpoint["FailureReason"].startswith(
        f"Failed to deploy endpoint configuration c1: reading the model data of m1 {MODEL_DATA}: AccessDenied: "
    )
    assert (
        "s3:GetObject on resource: arn:aws:s3:::artifacts/pipelines/runs/r1/model/model.tar.gz"
        in endpoint["FailureReason"]
    )


def test_an_endpoint_whose_model_was_deleted_meanwhile_fails_to_deploy(
    world: tuple[Any, SageMakerEmulator, VirtualClock],
) -> None:
    sm, emulator, clock = world
    emulator.roles = roles_with(*RUNS_THE_IMAGE, allow("s3:GetObject", "arn:aws:s3:::artifacts/*"))
    deploy_package_model(sm)
    sm.delete_model(ModelName="m1")

    settle(emulator, clock)

    endpoint = sm.describe_endpoint(EndpointName="churn")
    assert endpoint["EndpointStatus"] == "Failed"
    assert "Could not find model" in endpoint["FailureReason"]
