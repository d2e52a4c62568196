"""Many objects dropped at once on the local stack: one labeling job per SQS batch, SageMaker calls proportional to
jobs, never to objects.

The issue says 10,000 objects and batches of 1,000 (``DataArrivalBatchSize``'s default). On moto that takes minutes
(every message is several in-process API calls of a few milliseconds each, and moto's DynamoDB transactions copy the
tables they touch), so this runs the same ratio twenty times smaller: 500 objects, batches of 50, at most
⌈500 / 50⌉ = 10 jobs. The objects go through the real path: S3 ``PutObject``, S3's events, the EventBridge rule,
the SQS queue and its event source mapping, the handler. The issue's numbers run with
``MLOPS_FLOW_OBJECTS=10000`` (batches of 1,000; about 8 minutes). The 10,000-object case on the service with in-memory
fakes: tests/unit/test_data_arrival_scale.py.
"""

from __future__ import annotations

import os
from math import ceil

import pytest

from mlopsctl.local.runtime.settle import SettleLimits
from mlopsctl.local.runtime.stack import LocalStack
from tests.support.data_arrival_flow import sagemaker_emulator, source_refs, uris
from tests.support.files import ROOT_TEMPLATE
from tests.support.stack_queries import calls, handler_runs, labeling_jobs

pytestmark = pytest.mark.flow

OBJECTS = int(os.environ.get("MLOPS_FLOW_OBJECTS", "500"))
BATCH_SIZE = max(OBJECTS // 10, 1)
SAGEMAKER_CALLS_PER_JOB = 10  # create, later describe and the pipeline's few calls: a bound, not a count of objects


def test_objects_dropped_at_once_become_at_most_one_job_per_batch_with_sagemaker_calls_per_job() -> None:
    keys = [f"incoming/bulk/{index:05d}.txt" for index in range(OBJECTS)]
    parameters = {"DataArrivalBatchSize": str(BATCH_SIZE)}
    limits = SettleLimits(max_real_seconds=max(120.0, OBJECTS * 0.1))
    with LocalStack(ROOT_TEMPLATE, parameters=parameters, emulators=[sagemaker_emulator()], limits=limits) as stack:
        bucket = stack.physical_name("DataBucket")
        for key in keys:
            stack.aws("s3", "put_object", Bucket=bucket, Key=key, Body=b"x", settle=False)
        stack.settle()

        jobs = labeling_jobs(stack)
        listed = [uri for job in jobs for uri in source_refs(stack, job)]
        assert 1 <= len(jobs) <= ceil(OBJECTS / BATCH_SIZE)
        assert sorted(listed) == uris(stack, keys)  # every object in exactly one manifest
        assert {run["outcome"] for run in handler_runs(stack)} == {"ok"}
        assert len(calls(stack, "sagemaker", "create_labeling_job")) == len(jobs)
        assert len(calls(stack, "sagemaker")) <= SAGEMAKER_CALLS_PER_JOB * len(jobs)
