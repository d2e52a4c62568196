"""What the system created at run time for a stack, found by the names and tags it gives them.

CloudFormation deletes only what the template declares. At run time the functions create, for stack ``S``
(:mod:`mlops_core.naming`, :mod:`mlops_core.deploy.deployment`, :mod:`mlops_core.deploy.fleet_alarm_rules`):

==========================  =========================================  ====================================
resource                    how it is found                            what destroy does
==========================  =========================================  ====================================
deployment executions       ``RUNNING`` executions of ``S-deploy``     stop (first: no new endpoint after)
                            and ``S-rollback``
pipeline executions         ``Executing`` executions of ``S-training``  stop
labeling jobs               ``InProgress``, ``S-<20 hex>``, tag        stop
                            ``mlops:stack`` = ``S`` when tagged
the endpoint                the ``EndpointName`` output, tag           delete (and wait until it is gone;
                            ``mlops:stack`` = ``S`` (else left alone)  only wait when already ``Deleting``)
endpoint configs            ``S-c<version>-<10 hex>``                  delete
models                      ``S-m<version>-<10 hex>``                  delete
new-fleet alarm copies      ``S-c<version>-<10 hex>-newfleet-<n>``     delete
==========================  =========================================  ====================================

Names are matched exactly (a regular expression), so stack ``mlops-dev`` never takes ``mlops-dev-more``'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped, unused-ignore]

from mlopsctl.stack.aws import ClientMaker, DeployedStack

STACK_TAG = "mlops:stack"


@dataclass(frozen=True, slots=True)
class Resource:
    """One thing to stop or delete: what kind, its name (or ARN), and the action."""

    kind: str
    name: str
    action: str

    def line(self) -> str:
        """``stop    pipeline execution  arn:...``."""
        return f"  {self.action:<7} {self.kind:<22} {self.name}"


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _pages(client: Any, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
    paginator = client.get_paginator(operation)
    return [dict(item) for page in paginator.paginate(**params) for item in page.get(key, [])]


def _tags(sagemaker: Any, arn: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in _pages(sagemaker, "list_tags", "Tags", ResourceArn=arn)}


def deploy_executions(sfn: Any, state_machine_arn: str | None) -> list[Resource]:
    """Running executions of one of the stack's deployment state machines (Deploy, Rollback)."""
    if not state_machine_arn:
        return []
    try:
        running = _pages(
            sfn, "list_executions", "executions", stateMachineArn=state_machine_arn, statusFilter="RUNNING"
        )
    except ClientError as exc:
        if _code(exc) == "StateMachineDoesNotExist":
            return []
        raise
    return [Resource("deployment execution", str(e["executionArn"]), "stop") for e in running]


def pipeline_executions(sagemaker: Any, pipeline_name: str | None) -> list[Resource]:
    """``Executing`` executions of the stack's training pipeline."""
    if not pipeline_name:
        return []
    try:
        summaries = _pages(
            sagemaker, "list_pipeline_executions", "PipelineExecutionSummaries", PipelineName=pipeline_name
        )
    except ClientError as exc:
        if _code(exc) in {"ResourceNotFound", "ValidationException"}:
            return []
        raise
    return [
        Resource("pipeline execution", str(s["PipelineExecutionArn"]), "stop")
        for s in summaries
        if s.get("PipelineExecutionStatus") == "Executing"
    ]


def labeling_jobs(sagemaker: Any, stack_name: str) -> list[Resource]:
    """The stack's labeling jobs in progress (name ``<stack>-<digest>``; tag ``mlops:stack``, when there, ours)."""
    pattern = re.compile(rf"{re.escape(stack_name)}-[0-9a-f]{{20}}", re.IGNORECASE)
    found: list[Resource] = []
    jobs = _pages(
        sagemaker, "list_labeling_jobs", "LabelingJobSummaryList", StatusEquals="InProgress", NameContains=stack_name
    )
    for job in jobs:
        name = str(job["LabelingJobName"])
        if not pattern.fullmatch(name):
            continue
        tags = {t["Key"]: t["Value"] for t in sagemaker.describe_labeling_job(LabelingJobName=name).get("Tags", [])}
        if tags.get(STACK_TAG, stack_name) == stack_name:
            found.append(Resource("labeling job", name, "stop"))
    return found


def endpoint(sagemaker: Any, stack: DeployedStack) -> tuple[list[Resource], list[str]]:
    """The stack's endpoint, when it exists and is tagged as the stack's; notes on one that is not."""
    name = stack.outputs.get("EndpointName")
    if not name:
        return [], []
    try:
        described = sagemaker.describe_endpoint(EndpointName=name)
    except ClientError as exc:
        if _code(exc) in {"ValidationException", "ResourceNotFound"}:
            return [], []
        raise
    owner = _tags(sagemaker, str(described["EndpointArn"])).get(STACK_TAG)
    if owner != stack.name:
        return [], [f"endpoint {name} is not tagged {STACK_TAG}={stack.name} (tag: {owner}): left alone"]
    # An endpoint already Deleting (an interrupted run) is waited for, not deleted again.
    action = "wait" if described.get("EndpointStatus") == "Deleting" else "delete"
    return [Resource("endpoint", name, action)], []


def named(sagemaker: Any, stack_name: str) -> list[Resource]:
    """Endpoint configs ``<stack>-c<n>-<hex>`` and models ``<stack>-m<n>-<hex>``."""
    out: list[Resource] = []
    kinds = (
        ("endpoint config", "list_endpoint_configs", "EndpointConfigs", "EndpointConfigName", "c"),
        ("model", "list_models", "Models", "ModelName", "m"),
    )
    for kind, operation, key, field, letter in kinds:
        pattern = re.compile(rf"{re.escape(stack_name)}-{letter}\d+-[0-9a-f]{{10}}")
        for item in _pages(sagemaker, operation, key, NameContains=f"{stack_name}-{letter}"):
            if pattern.fullmatch(str(item[field])):
                out.append(Resource(kind, str(item[field]), "delete"))
    return out


def fleet_alarms(cloudwatch: Any, stack_name: str) -> list[Resource]:
    """New-fleet alarm copies ``<stack>-c<n>-<hex>-newfleet-<i>`` a deployment left behind."""
    pattern = re.compile(rf"{re.escape(stack_name)}-c\d+-[0-9a-f]{{10}}-newfleet-\d+")
    alarms = _pages(cloudwatch, "describe_alarms", "MetricAlarms", AlarmNamePrefix=f"{stack_name}-c")
    return [Resource("alarm", str(a["AlarmName"]), "delete") for a in alarms if pattern.fullmatch(str(a["AlarmName"]))]


def runtime_resources(clients: ClientMaker, stack: DeployedStack) -> tuple[list[Resource], list[str]]:
    """Everything of the table above, in the order destroy acts on it, and notes (what is left alone, and why)."""
    sagemaker = clients("sagemaker")
    found = [
        *deploy_executions(clients("stepfunctions"), stack.outputs.get("DeployStateMachineArn")),
        *deploy_executions(clients("stepfunctions"), stack.outputs.get("RollbackStateMachineArn")),
        *pipeline_executions(sagemaker, stack.outputs.get("TrainingPipelineName")),
        *labeling_jobs(sagemaker, stack.name),
    ]
    endpoints, notes = endpoint(sagemaker, stack)
    return [*found, *endpoints, *named(sagemaker, stack.name), *fleet_alarms(clients("cloudwatch"), stack.name)], notes
