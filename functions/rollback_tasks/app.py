"""RollbackTasksFunction: runs the Rollback state machine's Lambda tasks; the payload names the step (``"step"``).

The tasks carry out the plan in the execution's input and decide nothing (:mod:`mlops_core.rollback.tasks`). Errors
propagate on purpose: the state machine retries ``TransientError`` and catches the rest into ``RecordAndNotify``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from mlops_core.rollback.tasks import RollbackTasks
from mlops_core.rollback.wiring import rollback_tasks
from mlops_core.task_handler import run_step

logger, metrics = Logger(), Metrics()


@cache
def dependencies() -> RollbackTasks:
    """Settings and adapters, built on the first invocation of a cold start (tests replace this function)."""
    return rollback_tasks()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001 - Lambda signature
    """Run the step named in the payload and return its result to the state machine."""
    run_id = ((event.get("state") or {}).get("execution") or {}).get("name")
    return run_step(dependencies(), event, logger=logger, metrics=metrics, finished="RollbacksFinished", run_id=run_id)
