"""Fan-in: objects dropped into ``incoming/`` at once vs labeling jobs, Lambda invocations and SageMaker calls.

Each size runs on a fresh local stack from the project's template (real handlers, EventBridge rules, SQS batching;
Ground Truth and pipelines emulated). Everything is counted from the action log, from the drop to quiescence.

10,000 objects take about 8 minutes of wall time here (moto's SQS and DynamoDB are the cost, kept linear by
:mod:`mlopsctl.local.moto_patches.speed`); ``--max-objects`` leaves larger sizes out (reported as not measured).
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from bench.metrics import calls_by_function, fan_in, job_budget
from mlopsctl.demo.command import quiet
from mlopsctl.local.emulators.sagemaker import GoldLabelWorkforce, SageMakerEmulator
from mlopsctl.local.errors import NotQuiescentError
from mlopsctl.local.runtime.settle import SettleLimits
from mlopsctl.local.runtime.stack import LocalStack

DEFAULT_SIZES = (1, 100, 400, 10_000)
DEFAULT_MAX_OBJECTS = 10_000


def _emulator(stack: LocalStack) -> SageMakerEmulator:
    return SageMakerEmulator(
        clock=stack.clock.now,
        account_id=stack.template.account_id,
        region=stack.template.region,
        workforce=GoldLabelWorkforce(default="positive"),
    )


def measure(objects: int, *, max_real_seconds: float) -> dict[str, Any]:
    """Drop ``objects`` small text objects at once; count what followed."""
    limits = SettleLimits(max_virtual=timedelta(days=2), max_real_seconds=max_real_seconds)
    started = time.perf_counter()
    with quiet(), LocalStack(emulators=[_emulator], limits=limits) as stack:
        batch_maximum = int(stack.template.parameters.get("DataArrivalBatchSize", 1000))
        bucket, s3 = stack.physical_name("DataBucket"), stack.client("s3")
        for index in range(objects):
            s3.put_object(Bucket=bucket, Key=f"incoming/bench/object-{index:05d}.txt", Body=b"a support ticket\n")
        try:
            stack.settle()
        except NotQuiescentError as exc:
            return {"objects": objects, "measured": False, "reason": str(exc)[:300]}
        entries = stack.log.entries()
        virtual = stack.clock.elapsed().total_seconds()
    counted = fan_in(objects, entries)
    by_function = calls_by_function(entries, "sagemaker")
    data_arrival_calls = by_function.get("DataArrivalFunction", 0)
    return {
        "objects": objects,
        "measured": True,
        "labeling_jobs": counted.labeling_jobs,
        "job_budget": job_budget(objects, batch_maximum),
        "batch_maximum": batch_maximum,
        "lambda_invocations": counted.lambda_invocations,
        "invocations": counted.invocations,
        "sagemaker_calls": counted.sagemaker_calls,
        "sagemaker_operations": counted.sagemaker_operations,
        "sagemaker_calls_by_function": by_function,
        "data_arrival_sagemaker_calls_per_job": (
            round(data_arrival_calls / counted.labeling_jobs, 2) if counted.labeling_jobs else None
        ),
        "sagemaker_calls_per_job": counted.sagemaker_calls_per_job,
        "virtual_seconds": virtual,
        "wall_seconds": round(time.perf_counter() - started, 1),
    }


def run(
    sizes: tuple[int, ...] = DEFAULT_SIZES,
    *,
    max_objects: int = DEFAULT_MAX_OBJECTS,
    max_real_seconds: float = 600.0,
) -> dict[str, Any]:
    """Measure every size up to ``max_objects``; larger ones are recorded as not measured, with the reason."""
    results = []
    for size in sizes:
        if size > max_objects:
            results.append(
                {
                    "objects": size,
                    "measured": False,
                    "reason": f"above --max-objects {max_objects} (left out to save time: 10,000 take ~8 minutes)",
                }
            )
            continue
        results.append(measure(size, max_real_seconds=max_real_seconds))
    return {"sizes": list(sizes), "max_objects": max_objects, "results": results}
