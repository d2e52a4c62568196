"""What a fresh local stack needs before ``mlopsctl local invoke`` runs a handler on an event of a deployed stack.

A fresh stack has nothing the event refers to. Decided per resource (and said in the README):

- **A pipeline execution** of the stack's training pipeline (``PipelineEventsFunction``): started on the local
  pipeline as a user would (``StartPipelineExecution``, with the event's display name), and the event's execution
  ID is mapped to the new one. Its own ``Executing`` event is handled before the invocation, as in AWS. When the
  event says the execution ended (``Succeeded``, ``Failed``, ``Stopped``), the execution is then put in that status
  (the status ``DescribePipelineExecution`` answers, which decides for the handler), without running the pipeline:
  a run would announce its own end first, and the handler being invoked would have handled it already.
- **Not created** (the handler says why in its reason): a labeling job (``labeling job … does not exist``), a
  registered model package (the Deploy execution an approval starts fails its preflight: ``model package … not
  found``), a deployment waiting on the endpoint (``no deployment is waiting on …``). Creating them would make the
  local SageMaker emulator announce them, which would run the very handlers being invoked a first time.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped, unused-ignore]

from mlopsctl.local.commands.deployed_names import NameMap
from mlopsctl.local.errors import LocalStackError
from mlopsctl.local.moto_patches.backends import end_pipeline_execution, pipeline_execution
from mlopsctl.local.runtime.stack import LocalStack

#: The final statuses an event can say, and the failure reason the execution is given for each.
_FAILED_AS_THE_EVENT_SAYS = "the invoked event says it failed (mlopsctl local invoke set this status)"
_ENDED = {"Succeeded": None, "Failed": _FAILED_AS_THE_EVENT_SAYS, "Stopped": None}
_EXECUTION_ARN = re.compile(r"arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:pipeline/([^/\s\"]+)/execution/([a-z0-9]+)")


def prepare(stack: LocalStack, names: NameMap, event: Any) -> list[str]:
    """Create what ``event`` (already mapped) names and the stack lacks; map its IDs; return what was done."""
    notes: list[str] = []
    local_pipelines = {
        record.physical_name.lower()
        for record in stack.resources.records.values()
        if record.type == "AWS::SageMaker::Pipeline"
    }
    detail = event.get("detail") if isinstance(event, dict) else None
    arn = detail.get("pipelineExecutionArn") if isinstance(detail, dict) else None  # the execution the event is about
    match = _EXECUTION_ARN.fullmatch(arn) if isinstance(arn, str) else None
    if match is not None and match.group(1).lower() in local_pipelines and not _exists(stack, match.group(0)):
        pipeline, execution_id = match.groups()
        new_id = _start(stack, pipeline, _display_name(event))
        names.mapped[execution_id] = (new_id, f"the execution started on the local pipeline {pipeline}")
        notes.append(f"started an execution of {pipeline} ({new_id}) for the event's {execution_id}")
        stack.run_until(stack.clock.now())
        status = detail.get("currentPipelineExecutionStatus") if isinstance(detail, dict) else None
        if status in _ENDED:
            _end(stack, match.group(0).replace(execution_id, new_id), str(status))
            notes.append(f"put execution {new_id} in the event's status {status} (its pipeline did not run)")
    return notes


def _end(stack: LocalStack, arn: str, status: str) -> None:
    """Put the execution in ``status`` as SageMaker reports it, with no event (in-process moto only)."""
    execution = pipeline_execution(stack.template.account_id, stack.template.region, arn)
    if execution is None:
        raise LocalStackError(f"the pipeline execution {arn} is not in the local stack")
    end_pipeline_execution(execution, status, stack.clock.now(), _ENDED[status])


def _exists(stack: LocalStack, arn: str) -> bool:
    try:
        stack.client("sagemaker").describe_pipeline_execution(PipelineExecutionArn=arn)
    except ClientError:
        return False
    return True


def _display_name(event: Any) -> str | None:
    detail = event.get("detail") if isinstance(event, dict) else None
    name = detail.get("pipelineExecutionDisplayName") if isinstance(detail, dict) else None
    return name if isinstance(name, str) and name else None


def _start(stack: LocalStack, pipeline: str, display_name: str | None) -> str:
    params: dict[str, Any] = {"PipelineName": pipeline}
    if display_name:
        params["PipelineExecutionDisplayName"] = display_name
    response = stack.aws("sagemaker", "start_pipeline_execution", settle=False, **params)
    return str(response["PipelineExecutionArn"]).rsplit("/", 1)[-1]
