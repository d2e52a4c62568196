"""SageMaker endpoints on moto with the project's extensions: configurations, blue/green policies, and the error a
call is refused with."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from mlopsctl.local.emulators.sagemaker import EmulatorTimings, SageMakerEmulator
from mlopsctl.local.emulators.sagemaker.harness import settle
from mlopsctl.local.runtime.clock import VirtualClock

ROLE = "arn:aws:iam::123456789012:role/sagemaker"
ALARM = "endpoint-5xx"
TIMINGS = EmulatorTimings(endpoint_create_seconds=60, endpoint_update_seconds=60, endpoint_rollback_seconds=20)


def make_config(sm: Any, name: str, *, variant: str = "AllTraffic", instances: int = 4) -> None:
    sm.create_model(ModelName=f"{name}-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img:1"})
    sm.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": variant,
                "ModelName": f"{name}-model",
                "InitialInstanceCount": instances,
                "InstanceType": "ml.m5.large",
            }
        ],
    )


def in_service_endpoint(sm: Any, emulator: SageMakerEmulator, clock: VirtualClock) -> None:
    make_config(sm, "v1")
    make_config(sm, "v2")
    sm.create_endpoint(EndpointName="churn", EndpointConfigName="v1")
    settle(emulator, clock)


def canary(wait: int = 300, final: int = 600, *, alarms: bool = True, timeout: int | None = 3600) -> dict[str, Any]:
    policy: dict[str, Any] = {
        "TrafficRoutingConfiguration": {
            "Type": "CANARY",
            "WaitIntervalInSeconds": wait,
            "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
        },
        "TerminationWaitInSeconds": final,
    }
    if timeout is not None:
        policy["MaximumExecutionTimeoutInSeconds"] = timeout
    config: dict[str, Any] = {"BlueGreenUpdatePolicy": policy}
    if alarms:
        config["AutoRollbackConfiguration"] = {"Alarms": [{"AlarmName": ALARM}]}
    return config


def statuses(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["detail-type"], e["detail"]["EndpointStatus"]) for e in events]


def error_of(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]
