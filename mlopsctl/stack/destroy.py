"""``make destroy ENV=… [YES=1]``: delete what the system created at run time, then the stack.

1. Find the run-time resources (:mod:`.inventory`) and the resources the template keeps (``DeletionPolicy:
   Retain``: the buckets, the ledger table, the KMS key, the model package group; CloudFormation leaves them and
   deletes the rest, so data, models and audit records survive a teardown).
2. Print the plan: each resource that will be stopped or deleted, the stack, and what stays.
3. Ask for the stack's name (unless ``--yes``); anything else aborts, changing nothing.
4. Stop deployment executions first (a deployment in flight would create an endpoint again), then pipeline
   executions (waiting until they have stopped: SageMaker deletes no pipeline with running executions) and labeling
   jobs; delete the endpoint (and wait until it is gone), its configs, models and new-fleet alarm copies; then
   ``DeleteStack`` and wait.

A second run finds nothing: it deletes the stack only if it still exists. With no stack, leftovers are still looked
for by the names the system derives from the stack name (and the endpoint name in ``samconfig.toml``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

from botocore.exceptions import ClientError, WaiterError  # type: ignore[import-untyped, unused-ignore]
from cfnlint.decode import decode_str

from mlopsctl.stack.aws import ClientMaker, DeployedStack, StackCommandError, aws_step, describe_stack
from mlopsctl.stack.inventory import Resource, runtime_resources

RETAIN = "Retain"
PAST = {"stop": "stopped", "delete": "deleted", "wait": "deleted"}
MAX_WAIT_POLLS = 240
"""Polls of one wait at most (240 x 15 s = 1 h)."""
RUNNING_PIPELINE_STATUSES = frozenset({"Executing", "Stopping"})


@dataclass(frozen=True, slots=True)
class Plan:
    """What destroy will do: the stack (``None``: already gone), run-time resources, what stays, notes."""

    stack_name: str
    stack: DeployedStack | None
    resources: tuple[Resource, ...]
    retained: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        """Nothing to stop or delete, and no stack."""
        return self.stack is None and not self.resources

    def text(self) -> str:
        """The plan, as printed before asking."""
        lines = [f"make destroy: stack {self.stack_name}"]
        lines.append("run-time resources (not in the stack; CloudFormation would leave them running):")
        lines.extend([r.line() for r in self.resources] or ["  (none found)"])
        if self.stack is None:
            lines.append(f"stack {self.stack_name} does not exist: only the resources above go")
        else:
            lines.append(f"then: delete stack {self.stack.name} ({self.stack.status}) and every resource it holds,")
            lines.append("except these, which the template retains (DeletionPolicy: Retain) with their contents:")
            lines.extend([f"  keep    {r}" for r in self.retained] or ["  (none)"])
            lines.append("  (delete them yourself once you no longer need them: a bucket must be emptied first,")
            lines.append("   every object version; see README, 'Deploying and tearing down')")
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines) + "\n"


def _template(body: Any) -> Mapping[str, Any]:
    if isinstance(body, Mapping):
        return body
    loaded, _problems = decode_str(str(body))  # cfn-lint's decoder: short-form tags, YAML or JSON
    return loaded if isinstance(loaded, Mapping) else {}


def retained_resources(cloudformation: Any, stack_name: str) -> list[str]:
    """``<type> <logical id> <physical id>`` of each resource the stack's template retains on delete."""
    template = _template(cloudformation.get_template(StackName=stack_name)["TemplateBody"])
    kept = {
        lid: str(spec.get("Type"))
        for lid, spec in (template.get("Resources") or {}).items()
        if isinstance(spec, Mapping) and spec.get("DeletionPolicy") == RETAIN
    }
    paginator = cloudformation.get_paginator("list_stack_resources")
    physical = {
        str(r["LogicalResourceId"]): str(r.get("PhysicalResourceId", ""))
        for page in paginator.paginate(StackName=stack_name)
        for r in page["StackResourceSummaries"]
    }
    return [f"{kind} {lid} {physical.get(lid, '')}".rstrip() for lid, kind in sorted(kept.items())]


def plan(clients: ClientMaker, stack_name: str, endpoint_name: str | None = None) -> Plan:
    """Look everything up; change nothing. ``endpoint_name`` stands in for the output when the stack is gone."""
    cloudformation = clients("cloudformation")
    with aws_step(f"reading stack {stack_name}"):
        stack = describe_stack(cloudformation, stack_name)
        retained = retained_resources(cloudformation, stack_name) if stack is not None else []
    subject = stack or DeployedStack(
        stack_name,
        "",
        "DELETE_COMPLETE",
        {
            "TrainingPipelineName": f"{stack_name}-training",
            **({"EndpointName": endpoint_name} if endpoint_name else {}),
        },
    )
    with aws_step("finding what the system created at run time"):
        resources, notes = runtime_resources(clients, subject)
    return Plan(stack_name, stack, tuple(resources), tuple(retained), tuple(notes))


def _endpoint_gone(sagemaker: Any, name: str) -> bool:
    try:
        sagemaker.describe_endpoint(EndpointName=name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"ValidationException", "ResourceNotFound"}:
            return True
        raise
    return False


def _wait_endpoint_gone(sagemaker: Any, name: str, delay: int, sleep: Callable[[float], None]) -> None:
    """Until ``DescribeEndpoint`` no longer finds it (its config and model are in use until then)."""
    for _ in range(MAX_WAIT_POLLS):
        if _endpoint_gone(sagemaker, name):
            return
        sleep(delay)
    raise StackCommandError(f"endpoint {name} is still being deleted: run make destroy again later")


def _act(clients: ClientMaker, resource: Resource) -> None:
    sagemaker = clients("sagemaker")
    actions: dict[tuple[str, str], Callable[[], Any]] = {
        ("stop", "deployment execution"): lambda: clients("stepfunctions").stop_execution(
            executionArn=resource.name, cause="make destroy"
        ),
        ("stop", "pipeline execution"): lambda: sagemaker.stop_pipeline_execution(PipelineExecutionArn=resource.name),
        ("stop", "labeling job"): lambda: sagemaker.stop_labeling_job(LabelingJobName=resource.name),
        ("delete", "endpoint"): lambda: sagemaker.delete_endpoint(EndpointName=resource.name),
        ("wait", "endpoint"): lambda: None,
        ("delete", "endpoint config"): lambda: sagemaker.delete_endpoint_config(EndpointConfigName=resource.name),
        ("delete", "model"): lambda: sagemaker.delete_model(ModelName=resource.name),
        ("delete", "alarm"): lambda: clients("cloudwatch").delete_alarms(AlarmNames=[resource.name]),
    }
    actions[(resource.action, resource.kind)]()


def _wait_pipeline_stopped(sagemaker: Any, arn: str, delay: int, sleep: Callable[[float], None]) -> None:
    """Until the execution is final: "To delete a pipeline, you must stop all running instances of the pipeline"
    (SageMaker API Reference, DeletePipeline), and ``DeleteStack`` deletes the pipeline."""
    for _ in range(MAX_WAIT_POLLS):
        status = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"]
        if status not in RUNNING_PIPELINE_STATUSES:
            return
        sleep(delay)
    raise StackCommandError(f"pipeline execution {arn} is still stopping: run make destroy again later")


def execute(
    clients: ClientMaker, chosen: Plan, out: TextIO, wait_delay: int = 15, sleep: Callable[[float], None] = time.sleep
) -> None:
    """Carry the plan out (see the module's docstring); ``wait_delay`` seconds between polls (``sleep`` sleeps)."""
    for resource in chosen.resources:
        with aws_step(f"{resource.action} {resource.kind} {resource.name}"):
            _act(clients, resource)
            if resource.kind == "pipeline execution":
                out.write(f"waiting for pipeline execution {resource.name} to stop\n")
                _wait_pipeline_stopped(clients("sagemaker"), resource.name, wait_delay, sleep)
            if resource.kind == "endpoint":
                out.write(f"waiting for endpoint {resource.name} to be deleted\n")
                _wait_endpoint_gone(clients("sagemaker"), resource.name, wait_delay, sleep)
        out.write(f"{PAST[resource.action]} {resource.kind} {resource.name}\n")
    if chosen.stack is None:
        return
    cloudformation = clients("cloudformation")
    with aws_step(f"deleting stack {chosen.stack.name}"):
        cloudformation.delete_stack(StackName=chosen.stack.name)
        out.write(f"waiting for stack {chosen.stack.name} to be deleted\n")
        _wait(cloudformation, "stack_delete_complete", {"StackName": chosen.stack.stack_id}, wait_delay)
    out.write(f"deleted stack {chosen.stack.name}\n")


def _wait(client: Any, waiter: str, params: Mapping[str, str], delay: int) -> None:
    try:
        client.get_waiter(waiter).wait(**params, WaiterConfig={"Delay": delay, "MaxAttempts": MAX_WAIT_POLLS})
    except WaiterError as exc:
        raise StackCommandError(f"{waiter.replace('_', ' ')} did not happen: {exc.last_response or exc}") from exc


def destroy(
    clients: ClientMaker,
    stack_name: str,
    out: TextIO,
    *,
    yes: bool,
    ask: Callable[[str], str] = input,
    endpoint_name: str | None = None,
    wait_delay: int = 15,
    sleep: Callable[[float], None] = time.sleep,
) -> Plan:
    """Plan, confirm, execute; the plan carried out.

    Raises
    ------
    StackCommandError
        Nothing to destroy (no stack, no leftovers), the confirmation was refused, or AWS refused a call.
    """
    chosen = plan(clients, stack_name, endpoint_name)
    out.write(chosen.text())
    if chosen.empty:
        raise StackCommandError(f"stack {stack_name} does not exist and nothing it created at run time was found")
    if not yes:
        answer = ask(f"type the stack name ({stack_name}) to delete all of the above: ").strip()
        if answer != stack_name:
            raise StackCommandError(f"not confirmed ({answer!r} is not {stack_name!r}): nothing was changed")
    execute(clients, chosen, out, wait_delay, sleep)
    return chosen
