"""DeployTasksFunction: runs the Deploy state machine's Lambda tasks; the payload names the step (``"step"``).

Errors propagate on purpose: the state machine sees each by its class name, retries ``TransientError`` and catches
the rest into its ``Finish`` step, which records the failure, releases the endpoint lock and notifies.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from mlops_core.services.deploy import DeployTasks
from mlops_core.services.deploy_wiring import deploy_tasks

logger, metrics = Logger(), Metrics()


@cache
def dependencies() -> DeployTasks:
    """Settings and adapters, built on the first invocation of a cold start (tests replace this function)."""
    return deploy_tasks()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001 - Lambda signature
    """Run the step named in the payload and return its result to the state machine."""
    step = str(event.get("step"))
    logger.append_keys(step=step, deployment_id=(event.get("execution") or {}).get("name"))
    result = dependencies().run(event)
    if step == "finish":
        metrics.add_dimension(name="outcome", value=str(result["outcome"]))
        metrics.add_metric(name="DeploymentsFinished", unit=MetricUnit.Count, value=1)
        metrics.flush_metrics()
    logger.info("deploy step done", extra={"result": result})
    return result
