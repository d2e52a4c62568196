"""Tagging the endpoint (``AddTags``) through the adapter, on moto with the project's extensions: a key the endpoint
has gets the new value, as SageMaker does ("Adds or overwrites one or more tags", SageMaker API Reference,
``AddTags``); moto alone would list the key twice."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mlops_core.deploy.endpoints import SageMakerEndpoints
from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from mlopsctl.local.emulators.sagemaker.harness import START
from mlopsctl.local.runtime.clock import VirtualClock

ROLE = "arn:aws:iam::123456789012:role/sagemaker"


@pytest.fixture
def sm() -> Iterator[Any]:
    with mock_aws():
        emulator = SageMakerEmulator(VirtualClock(START))
        emulator.install()
        client = boto3.client("sagemaker", region_name="us-east-1")
        client.create_model(ModelName="m1", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"})
        variant = {"VariantName": "AllTraffic", "ModelName": "m1", "InitialInstanceCount": 1,
                   "InstanceType": "ml.m5.large"}  # fmt: skip
        client.create_endpoint_config(EndpointConfigName="c1", ProductionVariants=[variant])
        yield client
        emulator.uninstall()


def test_tagging_the_endpoint_overwrites_the_package_tag_and_keeps_the_others(sm: Any) -> None:
    endpoints = SageMakerEndpoints(sm)
    tags = {"mlops:stack": "s", "mlops:model-package-arn": "package-1"}
    endpoints.create_endpoint("churn", "c1", tags)
    view = endpoints.describe_endpoint("churn")
    assert view is not None
    assert view.arn == sm.describe_endpoint(EndpointName="churn")["EndpointArn"]

    endpoints.tag_endpoint(view.arn, {"mlops:model-package-arn": "package-2", "mlops:deployment-id": "d2"})

    listed = sm.list_tags(ResourceArn=view.arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in listed) == [
        ("mlops:deployment-id", "d2"),
        ("mlops:model-package-arn", "package-2"),
        ("mlops:stack", "s"),
    ]
