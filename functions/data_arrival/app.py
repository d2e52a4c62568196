"""DataArrivalFunction: SQS batches of S3 ``Object Created`` events → validated, de-duplicated labeling jobs."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics

from mlops_core.data_arrival.wiring import Dependencies, from_env
from mlops_core.ingest.service import SqsMessage, handle_messages, partial_response, publish_metrics

logger = Logger()
metrics = Metrics()


@cache
def dependencies() -> Dependencies:
    """Settings and clients, built on the first invocation of a cold start (tests replace this function)."""
    return from_env()


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:  # noqa: ARG001 - Lambda signature
    """Process the batch, then report the messages to retry (``ReportBatchItemFailures``).

    When every message was ignored, ``outcome: ignored`` and the reasons are returned beside ``batchItemFailures``
    (the local stack's action log shows them), and so are the labeled files refused (``refused``: key, reason,
    message); Lambda reads only ``batchItemFailures``.
    """
    records = event.get("Records", [])
    messages = [SqsMessage(r["messageId"], r["body"]) for r in records]
    report = handle_messages(messages, dependencies().arrival, datetime.now(UTC))
    publish_metrics(metrics, report)
    return {**partial_response(records, report), **report.result_fields()}
