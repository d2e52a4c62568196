"""SQS → Lambda event source mappings, polled by the stack as Lambda's poller would.

- A batch is up to ``BatchSize`` messages. With ``MaximumBatchingWindowInSeconds``, a batch that is not full waits
  until the window (virtual time) has passed since the poller first saw messages; the window's end is a wake-up in
  the stack's scheduler, so the clock stops there and the next poll takes the batch.
- Successful messages are deleted. With ``ReportBatchItemFailures``, only the reported ``batchItemFailures`` fail; a
  handler that raises, or reports an unknown item, fails the whole batch.
- A failed message becomes visible again after the queue's ``VisibilityTimeout`` (virtual); once it has been received
  ``maxReceiveCount`` times, moto's redrive moves it to the dead-letter queue on the next receive.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from mlopsctl.local.runtime.bus import queue_url_of, receive_all
from mlopsctl.local.runtime.clients import StackClients
from mlopsctl.local.runtime.clock import VirtualClock
from mlopsctl.local.runtime.functions import FunctionRunner
from mlopsctl.local.runtime.provision import EventSourceMappingSpec
from mlopsctl.local.runtime.scheduler import Callback, Scheduler


def lambda_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """An SQS message as Lambda hands it to a handler."""
    attributes = {k: v for k, v in message.get("Attributes", {}).items() if k != "QueueArn"}
    message_attributes = {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value.get("DataType"),
        }
        for name, value in message.get("MessageAttributes", {}).items()
    }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message.get("MD5OfBody"),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


class SqsPoller:
    """Polls one event source mapping (see the module docstring)."""

    def __init__(
        self,
        mapping: EventSourceMappingSpec,
        clients: StackClients,
        runner: FunctionRunner,
        clock: VirtualClock,
        scheduler: Scheduler[Callback],
    ) -> None:
        self.mapping = mapping
        self._clients = clients
        self._runner = runner
        self._clock = clock
        self._scheduler = scheduler
        self._url = queue_url_of(clients, mapping.queue_arn)
        attributes = clients.client("sqs").get_queue_attributes(QueueUrl=self._url, AttributeNames=["All"])
        self._visibility = int(attributes["Attributes"].get("VisibilityTimeout", "30"))
        self._first_seen: datetime | None = None
        #: Lambda polls the queue with the function's execution role (the stack's IAM sets it): whether the role may
        #: make this poller's call ``(service, operation, params)``
        self.authorize: Callable[[str, str, dict[str, Any]], bool] = lambda _service, _operation, _params: True

    def window_due(self) -> datetime | None:
        """When a waiting, not yet full batch is due."""
        if self._first_seen is None:
            return None
        return self._first_seen + timedelta(seconds=self.mapping.window_seconds)

    def _window_open(self, since: datetime) -> bool:
        return self._first_seen == since

    def poll(self) -> bool:
        """Invoke the function on one batch if one is ready; return whether it did."""
        if not self.mapping.enabled:
            return False
        sqs = self._clients.client("sqs")
        attributes = sqs.get_queue_attributes(QueueUrl=self._url, AttributeNames=["ApproximateNumberOfMessages"])
        visible = int(attributes["Attributes"]["ApproximateNumberOfMessages"])
        if visible == 0:
            self._first_seen = None
            return False
        now = self._clock.now()
        if visible < self.mapping.batch_size and self.mapping.window_seconds > 0:
            if self._first_seen is None:
                self._first_seen = now
                self._scheduler.wake_at(
                    now + timedelta(seconds=self.mapping.window_seconds),
                    f"batching window of {self.mapping.logical_id}",
                    alive=functools.partial(self._window_open, now),
                )
            due = self.window_due()
            if due is not None and now < due:
                return False
        self._first_seen = None
        if not all(
            self.authorize("sqs", operation, {"QueueUrl": self._url})
            for operation in ("GetQueueAttributes", "ReceiveMessage", "DeleteMessage")
        ):
            return False  # Lambda cannot poll: the messages stay, the mapping reports the error (Lambda DG, SQS ESM)
        messages = receive_all(self._clients, self._url, limit=self.mapping.batch_size)
        if not messages:
            return True  # what was visible went to the dead-letter queue
        self._handle(messages)
        return True

    def _handle(self, messages: list[dict[str, Any]]) -> None:
        region = self._clients.region
        event = {"Records": [lambda_record(m, self.mapping.queue_arn, region) for m in messages]}
        invocation = self._runner.invoke(self.mapping.function, event, batch_size=len(messages))
        failed = {m["MessageId"] for m in messages}
        if invocation.error is None:
            failed = self._reported_failures(invocation.result, failed)
        sqs = self._clients.client("sqs")
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=self._url, ReceiptHandle=message["ReceiptHandle"])
        retry_at = self._clock.now() + timedelta(seconds=self._visibility)
        for message in messages:
            if message["MessageId"] in failed:
                release = functools.partial(self._release, message["ReceiptHandle"])
                self._scheduler.schedule(retry_at, f"redeliver {self.mapping.logical_id}", release)

    def _reported_failures(self, result: Any, all_ids: set[str]) -> set[str]:
        if not self.mapping.report_batch_item_failures or not isinstance(result, dict):
            return set()
        reported = result.get("batchItemFailures") or []
        ids = {str(item.get("itemIdentifier", "")) for item in reported if isinstance(item, dict)}
        if len(ids) != len(reported) or not ids <= all_ids:
            return all_ids  # Lambda fails the whole batch on a malformed report
        return ids

    def _release(self, receipt_handle: str) -> None:
        self._clients.client("sqs").change_message_visibility(
            QueueUrl=self._url, ReceiptHandle=receipt_handle, VisibilityTimeout=0
        )
