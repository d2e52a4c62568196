"""One queue for the local stack's due work: a Step Functions wait, the SageMaker emulator's work and the stack's own,
due at the same virtual instant, run from the one scheduler in its documented order (see
:mod:`mlopsctl.local.runtime.scheduler`)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mlopsctl.local.emulators.sagemaker import EmulatorTimings, SageMakerEmulator
from mlopsctl.local.emulators.sagemaker.harness import START
from mlopsctl.local.errors import LocalStackError
from mlopsctl.local.runtime.clock import VirtualClock
from mlopsctl.local.runtime.scheduler import Callback, Scheduler
from mlopsctl.local.runtime.sfn_time import ParkingLot
from tests.support.moto_endpoints import make_config

MINUTE = timedelta(seconds=60)


def wait_until(condition: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_wait_the_emulators_work_and_the_stacks_own_due_together_run_from_one_queue_in_the_tie_order() -> None:
    clock = VirtualClock(START)
    scheduler: Scheduler[Callback] = Scheduler()
    lot = ParkingLot(clock, scheduler)
    heard: list[str] = []
    with mock_aws():
        emulator = SageMakerEmulator(clock, timings=EmulatorTimings(endpoint_create_seconds=60))
        emulator.schedule_on(scheduler, lambda event: heard.append(f"event {event['detail']['EndpointStatus']}"))
        emulator.install()
        try:
            # the stack's own work is scheduled first, the wait last: the tie rule, not the order, decides
            scheduler.schedule(START + MINUTE, "the stack's own", lambda: heard.append(f"stack ({parked()})"))
            sm = boto3.client("sagemaker", region_name="us-east-1")
            make_config(sm, "v1")
            sm.create_endpoint(EndpointName="churn", EndpointConfigName="v1")
            assert scheduler.pending() == ["sagemaker endpoint.creating", "the stack's own"]  # reported, not polled
            assert scheduler.run_due(START) == 1
            assert heard == ["event CREATING"]

            def parked() -> str:
                return "the waiting thread is parked" if lot.is_idle("execution") else "the waiting thread woke"

            sleeper = threading.Thread(target=lot.sleep, args=(60,), kwargs={"execution_arn": "execution"})
            sleeper.start()
            wait_until(lambda: lot.is_idle("execution"))

            assert scheduler.next_due() == START + MINUTE
            assert scheduler.pending() == ["wait of execution", "sagemaker emulator", "the stack's own"]
            clock.advance_to(START + MINUTE)
            assert scheduler.run_due(clock.now()) == 3
            sleeper.join(timeout=5)
        finally:
            lot.close()
            emulator.uninstall()

    assert not sleeper.is_alive()
    assert heard == ["event CREATING", "event IN_SERVICE", "stack (the waiting thread woke)"]
    assert scheduler.next_due() is None


def register_package() -> None:
    sm = boto3.client("sagemaker", region_name="us-east-1")
    sm.create_model_package_group(ModelPackageGroupName="g")
    sm.create_model_package(
        ModelPackageGroupName="g",
        InferenceSpecification={
            "Containers": [{"Image": "img:1"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
    )


def test_an_emulator_handed_a_scheduler_is_driven_from_it_not_by_hand() -> None:
    clock, scheduler = VirtualClock(START), Scheduler[Callback]()
    with mock_aws():
        emulator = SageMakerEmulator(clock)
        emulator.schedule_on(scheduler, lambda _event: None)
        emulator.install()
        try:
            register_package()
            assert scheduler.pending() == ["sagemaker model_package.changed"]
            with pytest.raises(LocalStackError, match="in the local stack's scheduler"):
                emulator.run_due(clock.now())
            with pytest.raises(LocalStackError, match="in the local stack's scheduler"):
                emulator.next_due()
        finally:
            emulator.uninstall()


def test_an_emulator_with_work_of_its_own_queued_cannot_be_handed_a_scheduler() -> None:
    clock = VirtualClock(START)
    with mock_aws():
        emulator = SageMakerEmulator(clock)
        emulator.install()
        try:
            register_package()
            assert emulator.next_due() == START
            with pytest.raises(LocalStackError, match="already has work queued"):
                emulator.schedule_on(Scheduler[Callback](), lambda _event: None)
        finally:
            emulator.uninstall()
