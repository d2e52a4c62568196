"""What both state machines' execution states share: the execution, a signal, a caught error.

The Deploy and the Rollback states (:mod:`mlops_core.deploy.contract.state`,
:mod:`mlops_core.rollback.contract.state`) build on these; neither imports the other. The shapes are Step Functions'
own: ``Initialise`` copies the context object's ``$$.Execution`` (``Id``, ``Name``, ``StartTime``), a ``Catch``
puts the error as ``{"Error", "Cause"}`` ("Error handling in Step Functions",
https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html), and a task token's
``SendTaskSuccess``/``SendTaskFailure`` resumes a wait with its output or error.

Examples
--------
>>> ExecutionRef(id="arn:aws:states:us-east-1:1:execution:m:x", name="x", start_time="t").as_json()["name"]
'x'
>>> TaskError(Error="States.Timeout").Cause is None
True
>>> Signal(source="aws.sagemaker", status="InService").model_dump(exclude_none=True)
{'source': 'aws.sagemaker', 'status': 'InService'}
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from mlops_core.contract.base import ContractModel

__all__ = ["ExecutionRef", "Signal", "TaskError"]


class ExecutionRef(ContractModel):
    """``$$.Execution`` as ``Initialise`` copies it: the ARN, the name (the deployment or rollback id), the start."""

    id: str
    name: str
    start_time: str


class Signal(BaseModel):
    """WaitForEndpoint's result: what resumed it (``source``, ``status``), or its timeout (``Error``, ``Cause``)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    source: str | None = None
    status: str | None = None
    Error: str | None = None
    Cause: str | None = None


class TaskError(BaseModel):
    """A caught error, as Step Functions gives it (``Error``, ``Cause``)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    Error: str
    Cause: str | None = None
