"""The Deploy machine's fixtures for the ASL run tests: the in-memory SageMaker and alarms, the machine on moto."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.deploy_support.asl_runs import FAST
from tests.deploy_support.builders import ALARMS, deploy_settings
from tests.deploy_support.fakes import FakeAlarms, FakeSageMaker
from tests.deploy_support.sfn import DeployMachine, deploy_machine


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
