"""The demo's endpoint alarm (emulated CloudWatch): trips in a bake or at once, recovers once the bad model is gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mlopsctl.demo.alarms import EndpointAlarm
from mlopsctl.demo.observe import Serving

START = datetime(2025, 1, 1, tzinfo=UTC)


class FakeEndpoint:
    """What the alarm reads: the package being baked (if any) and the one served."""

    def __init__(self) -> None:
        self.baking_package: str | None = None
        self.serving_package = "v1"
        self.updating = False

    def baking(self, endpoint: str) -> str | None:
        return self.baking_package

    def serving(self, endpoint: str) -> Serving:
        status = "Updating" if self.updating else "InService"
        return Serving(status, "config", self.serving_package, None, self.updating)


class FakeCloudWatch:
    """CloudWatch (and SageMaker's DescribeEndpoint): a breaching 5xx datapoint of a fleet puts the alarm in ALARM."""

    def __init__(self) -> None:
        self.states: list[str] = []
        self.fleets: list[str] = []

    def set_alarm_state(self, **params: Any) -> None:
        self.states.append(params["StateValue"])

    def describe_endpoint(self, **params: Any) -> dict[str, Any]:
        return {"PendingDeploymentSummary": {"EndpointConfigName": "config-v2"}}

    def put_metric_data(self, **params: Any) -> None:
        for datum in params["MetricData"]:
            dimensions = {d["Name"]: d["Value"] for d in datum["Dimensions"]}
            self.fleets.append(dimensions.get("EndpointConfigName", "(whole variant)"))
        if self.states[-1:] != ["ALARM"]:
            self.states.append("ALARM")


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def alarm() -> tuple[EndpointAlarm, FakeEndpoint, FakeCloudWatch, Clock]:
    endpoint, cloudwatch, clock = FakeEndpoint(), FakeCloudWatch(), Clock()
    steered = EndpointAlarm(lambda _: cloudwatch, endpoint, clock, "ep", "ep-errors", recovery_seconds=120)  # type: ignore[arg-type]
    return steered, endpoint, cloudwatch, clock


def run(steered: EndpointAlarm, clock: Clock) -> None:
    due = steered.next_due()
    if due is not None:
        clock.now = max(clock.now, due)
        steered.run_due(clock.now)


def test_an_armed_alarm_waits_for_the_bake_then_trips_once() -> None:
    steered, endpoint, cloudwatch, clock = alarm()
    steered.arm_for_bake()
    assert steered.next_due() is None  # nothing bakes yet
    endpoint.baking_package, endpoint.updating = "v2", True
    run(steered, clock)
    run(steered, clock)
    assert cloudwatch.states == ["ALARM"]
    assert cloudwatch.fleets == ["(whole variant)", "config-v2"]  # the baking fleet's errors, as SageMaker publishes
    assert not steered.armed


def test_it_recovers_two_periods_after_the_endpoint_settles_on_another_model() -> None:
    steered, endpoint, cloudwatch, clock = alarm()
    steered.arm_for_bake()
    endpoint.baking_package, endpoint.updating = "v2", True
    run(steered, clock)
    assert steered.next_due() is None  # still rolling back
    endpoint.baking_package, endpoint.updating = None, False  # back on v1
    assert steered.next_due() == START + timedelta(seconds=120)
    run(steered, clock)
    assert cloudwatch.states == ["ALARM", "OK"]
    assert steered.next_due() is None


def test_tripped_on_a_live_model_it_stays_in_alarm_while_that_model_serves() -> None:
    steered, endpoint, cloudwatch, clock = alarm()
    endpoint.serving_package = "v3"
    steered.trip()
    assert steered.next_due() is None
    endpoint.serving_package = "v1"  # the system restored the known-good model
    run(steered, clock)
    assert cloudwatch.states == ["ALARM", "OK"]
    assert clock.now == START + timedelta(seconds=120)
