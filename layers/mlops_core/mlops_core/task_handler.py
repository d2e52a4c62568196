"""What the two state machines' task handlers share: run the payload's step, log it, count finished runs.

DeployTasksFunction and RollbackTasksFunction each wire their own tasks; both call :func:`run_step`, and both
tasks' ``run`` call :func:`dispatch` (the payload as the machine's task model, the result as the machine stores it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel


class StepRunner(Protocol):
    """A state machine's tasks: one ``run`` per payload, whose ``step`` names the task."""

    def run(self, payload: Mapping[str, Any]) -> dict[str, Any]: ...


def run_step(
    tasks: StepRunner, event: dict[str, Any], *, logger: Logger, metrics: Metrics, finished: str, run_id: str | None
) -> dict[str, Any]:
    """Run the step the payload names; after ``finish``, count the run as ``finished`` by its outcome (EMF)."""
    step = str(event.get("step"))
    logger.append_keys(step=step, deployment_id=run_id)
    result = tasks.run(event)
    if step == "finish":
        metrics.add_dimension(name="outcome", value=str(result["outcome"]))
        metrics.add_metric(name=finished, unit=MetricUnit.Count, value=1)
        metrics.flush_metrics()
    logger.info("step done", extra={"result": result})
    return result


def dispatch[Task: BaseModel](
    steps: Mapping[str, Callable[[Task], BaseModel]],
    payload: Mapping[str, Any],
    task: type[Task],
    unknown: Callable[[str], Exception],
) -> dict[str, Any]:
    """Run the step the payload names on the payload read as ``task``; its result as the state machine stores it.

    A step not in ``steps`` raises ``unknown(message)`` (a state machine / function version mismatch).
    """
    step = steps.get(str(payload.get("step")))
    if step is None:
        raise unknown(f"unknown step {payload.get('step')!r}; expected one of {sorted(steps)}")
    return step(task.model_validate(payload)).model_dump(mode="json", by_alias=True, exclude_none=True)
