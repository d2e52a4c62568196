"""Deployment orchestration vs bake time, and alarm → rollback, on the local stack from the project's template.

For each bake time (``DeployWaitIntervalSeconds``, virtual) a fresh stack deploys model v1 (``CreateEndpoint``) and
then v2 (the canary ``UpdateEndpoint``, measured): the Deploy execution's ``GetExecutionHistory`` (events and states
entered) and the SageMaker calls the system made from the approval to quiescence. As a user would, only the bake and
SageMaker's own timeout (``DeployMaxExecutionTimeoutSeconds``, when the default does not cover the bake) are set: the
state machine's fallback wait is derived from them.

In the shortest-bake run, the endpoint alarm then trips on the live v2: the AWS calls from the ``CloudWatch Alarm
State Change`` event to ``UpdateEndpoint`` (the restore of v1) are counted, and the rollback handler's run is timed.
"""

from __future__ import annotations

import io
import tarfile
import time
from typing import Any

from bench.metrics import alarm_to_update, calls_between, transitions
from mlopsctl.demo.alarms import EndpointAlarm
from mlopsctl.demo.command import quiet
from mlopsctl.demo.observe import Observer
from mlopsctl.demo.session import alarm_name
from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
from mlopsctl.local.runtime.stack import LocalStack

DEFAULT_BAKES_MINUTES = (1, 10, 60)
TERMINATION_WAIT = 300  # the template's default DeployTerminationWaitSeconds
DEFAULT_MAX_EXECUTION = 1800  # the template's default DeployMaxExecutionTimeoutSeconds
PROVISIONING = 300  # preflight's allowance for SageMaker to provision the new fleet
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.9-0-cpu-py3"


def parameters(bake_seconds: int) -> dict[str, str]:
    """Template parameters for a bake: the bake, and SageMaker's timeout when the default does not cover it."""
    needed = bake_seconds + TERMINATION_WAIT + PROVISIONING
    out = {"DeployWaitIntervalSeconds": str(bake_seconds)}
    if needed > DEFAULT_MAX_EXECUTION:
        out["DeployMaxExecutionTimeoutSeconds"] = str(needed)
    return out


class _Timed:
    """Wraps the stack's function runner: how long each handler run took (wall seconds), in order."""

    def __init__(self, stack: LocalStack) -> None:
        self.runs: list[tuple[str, float, str]] = []
        original = stack.runner.invoke

        def invoke(logical_id: str, event: Any, *, batch_size: int | None = None) -> Any:
            started = time.perf_counter()
            result = original(logical_id, event, batch_size=batch_size)
            self.runs.append((logical_id, time.perf_counter() - started, str(getattr(result, "outcome", ""))))
            return result

        stack.runner.invoke = invoke  # type: ignore[method-assign]


def _model_archive() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = b"placeholder model"
        info = tarfile.TarInfo("model.joblib")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _register(stack: LocalStack, version: int) -> str:
    """Register a model package as the pipeline would (PendingManualApproval), with its model data in S3."""
    bucket = stack.physical_name("ArtifactsBucket")
    key = f"pipelines/runs/bench-{version}/model/model.tar.gz"  # where the pipeline writes it: the model role reads it
    stack.client("s3").put_object(Bucket=bucket, Key=key, Body=_model_archive())
    arn = stack.client("sagemaker").create_model_package(
        ModelPackageGroupName=stack.physical_name("ModelPackageGroup"),
        ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={
            "Containers": [{"Image": IMAGE, "ModelDataUrl": f"s3://{bucket}/{key}"}],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )["ModelPackageArn"]
    stack.settle()
    return str(arn)


def _approve(stack: LocalStack, arn: str) -> None:
    stack.aws("sagemaker", "update_model_package", ModelPackageArn=arn, ModelApprovalStatus="Approved")


def measure(bake_minutes: int, *, with_rollback: bool) -> dict[str, Any]:
    """Deploy v1 then v2 with a bake of ``bake_minutes``; optionally trip the alarm on v2 afterwards."""
    holder: dict[str, EndpointAlarm] = {}

    def alarm(stack: LocalStack) -> Any:
        name = alarm_name(stack)
        ledger = str(stack.resources.records["LedgerTable"].physical_name)
        endpoint = str(stack.template.parameters["EndpointName"])
        holder["alarm"] = EndpointAlarm(
            stack.client, Observer(stack.client, ledger), stack.clock.now, endpoint, str(name)
        )
        return holder["alarm"]

    def sagemaker(stack: LocalStack) -> SageMakerEmulator:
        return SageMakerEmulator(stack.clock.now, stack.template.account_id, stack.template.region)

    with quiet(), LocalStack(parameters=parameters(bake_minutes * 60), emulators=[sagemaker, alarm]) as stack:
        timed = _Timed(stack)
        endpoint = str(stack.template.parameters["EndpointName"])
        observer = Observer(stack.client, stack.physical_name("LedgerTable"))
        _approve(stack, _register(stack, 1))
        v2 = _register(stack, 2)
        first = len(stack.log.entries())
        virtual, wall = stack.clock.elapsed().total_seconds(), time.perf_counter()
        _approve(stack, v2)
        entries = stack.log.entries()[first:]
        record = observer.deployment_of(endpoint, v2)
        history = _history(stack, (record.execution_arn or "") if record else "")
        result: dict[str, Any] = {
            "bake_minutes": bake_minutes,
            "parameters": parameters(bake_minutes * 60),
            "outcome": record.outcome.value if record else None,
            "history_events": history.events,
            "states_entered": history.states_entered,
            "sagemaker_calls": calls_between(entries, "sagemaker"),
            "aws_calls": calls_between(entries),
            "virtual_seconds": stack.clock.elapsed().total_seconds() - virtual,
            "wall_seconds": round(time.perf_counter() - wall, 2),
        }
        if with_rollback:
            result["rollback"] = _rollback(stack, holder["alarm"], timed, observer, endpoint)
    return result


def _history(stack: LocalStack, execution_arn: str) -> Any:
    sfn = stack.client("stepfunctions")
    events: list[dict[str, Any]] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        events.extend(page["events"])
    return transitions(events)


def _rollback(
    stack: LocalStack, alarm: EndpointAlarm, timed: _Timed, observer: Observer, endpoint: str
) -> dict[str, Any]:
    first, runs = len(stack.log.entries()), len(timed.runs)
    alarm.trip()
    stack.settle()
    entries = stack.log.entries()[first:]
    counted = alarm_to_update(entries)
    handlers = [(name, seconds) for name, seconds, _ in timed.runs[runs:]]
    rollback_runs = [seconds for name, seconds in handlers if name == "RollbackFunction"]
    serving = observer.serving(endpoint)
    return {
        "update_endpoint_reached": counted.found,
        "aws_calls_to_update": counted.aws_calls,
        "operations": list(counted.operations),
        "rollback_handler_seconds": round(rollback_runs[0], 3) if rollback_runs else None,
        "handlers": [{"function": name, "seconds": round(seconds, 3)} for name, seconds in handlers],
        "endpoint_after": {"status": serving.status, "package": serving.package_arn} if serving else None,
    }


def run(bakes_minutes: tuple[int, ...] = DEFAULT_BAKES_MINUTES) -> dict[str, Any]:
    """Measure every bake time; the alarm → rollback path in the first run."""
    return {
        "runs": [measure(bake, with_rollback=index == 0) for index, bake in enumerate(bakes_minutes)],
    }
