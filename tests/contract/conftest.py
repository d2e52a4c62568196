"""The Deploy machine's fixtures for the ASL run tests: the in-memory SageMaker and alarms, the machine on moto."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.deploy.asl_runs import FAST
from tests.support.deploy.builders import ALARMS, deploy_settings
from tests.support.deploy.sfn import DeployMachine, deploy_machine
from tests.support.fakes.deploy import FakeAlarms, FakeSageMaker


@pytest.fixture
def sagemaker() -> FakeSageMaker:
    return FakeSageMaker()


@pytest.fixture
def alarms() -> FakeAlarms:
    return FakeAlarms(*ALARMS)


@pytest.fixture
def machine(sagemaker: FakeSageMaker, alarms: FakeAlarms) -> Iterator[DeployMachine]:
    with deploy_machine(deploy_settings(**FAST), sagemaker, alarms) as running:
        yield running
