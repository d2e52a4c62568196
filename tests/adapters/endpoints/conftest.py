"""The emulator on moto, a virtual clock, and the SageMaker and CloudWatch clients of the endpoint tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from mlopsctl.local.emulators.sagemaker.harness import START
from mlopsctl.local.runtime.clock import VirtualClock
from tests.support.moto_endpoints import ALARM, TIMINGS


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def emulator(clock: VirtualClock) -> Iterator[SageMakerEmulator]:
    with mock_aws():
        emulator = SageMakerEmulator(clock, timings=TIMINGS)
        emulator.install()
        yield emulator
        emulator.uninstall()


@pytest.fixture
def sm(emulator: SageMakerEmulator) -> Any:
    return boto3.client("sagemaker", region_name="us-east-1")


@pytest.fixture
def cw(emulator: SageMakerEmulator) -> Any:
    client = boto3.client("cloudwatch", region_name="us-east-1")
    client.put_metric_alarm(
        AlarmName=ALARM,
        Namespace="AWS/SageMaker",
        MetricName="Invocation5XXErrors",
        Dimensions=[{"Name": "EndpointName", "Value": "churn"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    return client
