"""The floor of a function's cold start: what the mandated design costs before any of our own code runs.

The issue asks for typed pydantic models of the events and of the execution contract, and Powertools for logs and
metrics. So no function can start faster than a process that imports boto3 and creates the same clients, imports
pydantic and builds the function's own models (the event model it parses, the contract models it starts or returns)
and imports and constructs the Powertools pieces it uses. :data:`FLOORS` names them per function; the floor process
(:data:`FLOOR_SCRIPT`) imports each model's module (a model's module defines it and the types of its fields, so the
import is its build) and checks that every name is a pydantic model class, so the list cannot silently rot.

What the floor leaves out is ours to justify: the settings (pydantic-settings models of the environment), the
adapters, the services and the handler plumbing.

Examples
--------
>>> FLOORS["rollback"].models[0]
'mlops_core.events.alarm:AlarmStateChangeEvent'
>>> sorted(FLOORS["endpoint_events"].powertools)
['Logger']
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass


@dataclass(frozen=True)
class Floor:
    """One function's mandated pieces: ``module:Model`` names and the Powertools classes it constructs."""

    models: tuple[str, ...]
    powertools: tuple[str, ...] = ("Logger", "Metrics")


FLOORS: dict[str, Floor] = {
    "approval": Floor(
        (
            "mlops_core.events.model_package:ModelPackageStateChangeEvent",
            "mlops_core.deploy.contract.input:DeployInput",  # the Deploy execution it starts
            "mlops_core.rollback.contract.input:RollbackInput",  # the Rollback execution a rejection starts
        )
    ),
    "data_arrival": Floor(("mlops_core.events.s3:S3ObjectCreatedEvent",)),
    "deploy_tasks": Floor(
        (
            "mlops_core.deploy.contract.state:DeployTask",  # the task payload it validates
            "mlops_core.deploy.contract.state:DeployState",
        )
    ),
    "endpoint_events": Floor(
        (
            "mlops_core.events.endpoint:EndpointStateChangeEvent",
            "mlops_core.events.endpoint:EndpointDeploymentStateChangeEvent",
        ),
        powertools=("Logger",),
    ),
    "execution_events": Floor(("mlops_core.events.execution:ExecutionStatusChangeEvent",)),
    "labeling_events": Floor(("mlops_core.events.labeling:LabelingJobStateChangeEvent",)),
    "pipeline_events": Floor(("mlops_core.events.pipeline:PipelineExecutionStatusChangeEvent",)),
    "rollback": Floor(
        (
            "mlops_core.events.alarm:AlarmStateChangeEvent",
            "mlops_core.rollback.operator:OperatorRollbackRequest",  # mlopsctl rollback's request
            "mlops_core.rollback.contract.input:RollbackInput",  # the Rollback execution it starts
        )
    ),
    "rollback_tasks": Floor(
        (
            "mlops_core.rollback.contract.state:RollbackTask",  # the task payload it validates
            "mlops_core.rollback.contract.state:RollbackState",
        )
    ),
}
"""Every function's floor, by its folder under ``functions/``."""

FLOOR_SCRIPT = textwrap.dedent(
    """
    import importlib, json, sys, time
    clients, floor = json.loads(sys.argv[1]), json.loads(sys.argv[2])
    started = time.perf_counter()
    import boto3
    for service in clients:
        boto3.client(service)
    import pydantic
    import aws_lambda_powertools
    for name in floor["powertools"]:
        getattr(aws_lambda_powertools, name)()
    for name in floor["models"]:
        module, _, model = name.partition(":")
        built = getattr(importlib.import_module(module), model)
        if not (isinstance(built, type) and issubclass(built, pydantic.BaseModel)):
            raise TypeError(f"{name} is not a pydantic model")
        built.__pydantic_validator__  # built (a deferred build would happen here)
    print(json.dumps({"ms": (time.perf_counter() - started) * 1000}))
    """
)
"""The floor process: boto3 and the clients (as the baseline), then pydantic, the Powertools pieces, the models."""
