"""DeployTasksFunction: runs the Deploy state machine's Lambda tasks; the payload names the step (``"step"``).

Errors propagate on purpose: the state machine sees each by its class name, retries ``TransientError`` and catches
the rest into its ``Finish`` step, which records the failure, releases the endpoint lock and notifies.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from mlops_core.deploy.tasks import DeployTasks
from mlops_core.deploy.wiring import deploy_tasks
from mlops_core.task_handler import run_step

logger, metrics = Logger(), Metrics()


@cache
def dependencies() -> DeployTasks:
    """Settings and adapters, built on the first invocation of a cold start (tests replace this function)."""
    return deploy_tasks()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001 - Lambda signature
    """Run the step named in the payload and return its result to the state machine."""
    run_id = ((event.get("state") or {}).get("execution") or {}).get("name")
    return run_step(
        dependencies(), event, logger=logger, metrics=metrics, finished="DeploymentsFinished", run_id=run_id
    )
