"""The stack's dead-letter queues, their messages, why each failed, and the route that replays it.

Queues: every stack output whose key ends in ``DeadLetterQueueUrl`` (data arrival, training events, deployment
events, rollback); a queue's short name is its key's stem in kebab case (``DataArrivalDeadLetterQueueUrl`` →
``data-arrival``).

How a message got there, read from its attributes:

- **SQS redrive** (the data-arrival queue): a message its source queue received ``maxReceiveCount`` times; body and
  attributes unchanged (SQS Developer Guide, "Using dead-letter queues in Amazon SQS"). The source queues are the
  queues whose redrive policy names this one (``ListDeadLetterSourceQueues``);
- **Lambda** (a function's ``DeadLetterConfig``): an asynchronous event that failed every attempt, body unchanged,
  with the attributes ``RequestID``, ``ErrorCode`` (a 3-digit HTTP code) and ``ErrorMessage`` (truncated to 1 KB)
  (Lambda Developer Guide, "Dead Letter Queues", https://docs.aws.amazon.com/lambda/latest/dg/dlq.html);
- **EventBridge** (a rule target's ``DeadLetterConfig``): an event EventBridge could not deliver to the target, with
  the attributes ``RULE_ARN``, ``TARGET_ARN``, ``ERROR_CODE`` and ``ERROR_MESSAGE`` (EventBridge User Guide, "Using
  dead-letter queues to process undelivered events",
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).

Routes: a queue with source queues is replayed by sending each message back to its source (an SQS redrive); any
other queue holds the dead letters of functions, replayed by invoking the function that failed with the original
payload. That function is ``TARGET_ARN`` for EventBridge's dead letters; for Lambda's, whose attributes do not name
the function, it is the stack's function that consumes the event's ``detail-type`` among those whose dead letters the
queue holds (:data:`FUNCTIONS_OF_QUEUE`: the template pairs each function's dead-letter queue with its rule's, and
gives each rule its own detail-types).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mlopsctl.ops.errors import UsageError
from mlopsctl.ops.target import StackView, Target

OUTPUT_SUFFIX = "DeadLetterQueueUrl"
#: How long listed or replayed messages stay hidden from other readers while this command holds them.
HOLD_SECONDS = 300
#: ``ReceiveMessage`` answers at most 10 messages.
MAX_PER_RECEIVE = 10
#: Receive at once, hold for :data:`HOLD_SECONDS`, with every system and message attribute.
_HOLD_EVERYTHING: dict[str, Any] = {
    "VisibilityTimeout": HOLD_SECONDS,
    "WaitTimeSeconds": 0,
    "AttributeNames": ["All"],
    "MessageAttributeNames": ["All"],
}
EVENTBRIDGE_ATTRIBUTES = ("RULE_ARN", "TARGET_ARN", "ERROR_CODE", "ERROR_MESSAGE")


def short_name(output_key: str) -> str:
    """``DataArrivalDeadLetterQueueUrl`` → ``data-arrival``.

    >>> short_name("DeploymentEventsDeadLetterQueueUrl")
    'deployment-events'
    """
    stem = output_key.removesuffix(OUTPUT_SUFFIX)
    return re.sub(r"(?<!^)(?=[A-Z])", "-", stem).lower()


@dataclass(frozen=True, slots=True)
class Route:
    """How a dead letter is replayed: ``redrive`` to a queue, or ``invoke`` of a function (``to`` is its ARN/URL)."""

    kind: str
    to: str

    def as_json(self) -> dict[str, str]:
        """``route`` of a message in the documented schema."""
        return {"kind": self.kind, "to": self.to}


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One message: its payload, why it failed, and how it would be replayed (``route`` None: cannot tell)."""

    message_id: str
    receipt_handle: str
    body: str
    sent_at: str | None
    receive_count: int
    failure: dict[str, Any]
    route: Route | None
    unroutable: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    """The message attributes as SQS gave them (a redrive sends them back unchanged)."""

    @property
    def payload(self) -> Any:
        """The body as JSON when it is JSON, else the text."""
        return parse_body(self.body)

    def as_json(self) -> dict[str, Any]:
        """One entry of a queue's ``messages``."""
        return {
            "message_id": self.message_id,
            "sent_at": self.sent_at,
            "receive_count": self.receive_count,
            "payload": self.payload,
            "failure": self.failure,
            "route": self.route.as_json() if self.route else None,
            "unroutable": self.unroutable,
        }


@dataclass
class Queue:
    """One dead-letter queue of the stack and where its messages came from."""

    name: str
    output_key: str
    url: str
    sources: list[str] = field(default_factory=list)
    """URLs of the queues whose redrive policy sends here (empty: a functions' queue)."""

    @property
    def kind(self) -> str:
        """``redrive`` (an SQS source queue's) or ``functions`` (functions' and their rules')."""
        return "redrive" if self.sources else "functions"


def queues(target: Target) -> list[Queue]:
    """The stack's dead-letter queues, in output-key order."""
    stack, sqs = target.stack(), target.client("sqs")
    found = []
    for key in sorted(k for k in stack.outputs if k.endswith(OUTPUT_SUFFIX)):
        url = stack.output(key)
        sources = sqs.list_dead_letter_source_queues(QueueUrl=url).get("queueUrls", [])
        found.append(Queue(short_name(key), key, url, [str(s) for s in sources]))
    return found


def queue_named(target: Target, wanted: str) -> Queue:
    """The queue with this short name or output key; :class:`UsageError` naming the choices otherwise."""
    every = queues(target)
    for queue in every:
        if wanted in (queue.name, queue.output_key):
            return queue
    choices = ", ".join(q.name for q in every)
    raise UsageError(f"no dead-letter queue {wanted!r} in stack {target.stack_name} (one of: {choices})")


# -- where a function's dead letter goes back to ---------------------------------------------------------------------
#: The functions whose dead letters each functions' queue holds (their ``DeadLetterQueue`` and their rule's
#: ``DeadLetterConfig`` in template.yaml), by queue output key, and the event each consumes (its rule's
#: ``detail-type``). docs/wiring.md fixes these names; a contract test checks this table against template.yaml.
FUNCTIONS_OF_QUEUE: dict[str, dict[str, str]] = {
    "TrainingEventsDeadLetterQueueUrl": {
        "SageMaker Ground Truth Labeling Job State Change": "LabelingEventsFunction",
        "SageMaker Model Building Pipeline Execution Status Change": "PipelineEventsFunction",
    },
    "DeploymentEventsDeadLetterQueueUrl": {
        "SageMaker Model Package State Change": "ApprovalFunction",
        "SageMaker Endpoint State Change": "EndpointEventsFunction",
        "SageMaker Endpoint Deployment State Change": "EndpointEventsFunction",
        "Step Functions Execution Status Change": "ExecutionEventsFunction",
    },
    "RollbackDeadLetterQueueUrl": {"CloudWatch Alarm State Change": "RollbackFunction"},
}


def function_for(stack: StackView, queue: Queue, payload: Any) -> str | None:
    """The physical name of the function of the stack that consumes ``payload``'s event and dead-letters here."""
    detail_type = payload.get("detail-type") if isinstance(payload, Mapping) else None
    logical_id = FUNCTIONS_OF_QUEUE.get(queue.output_key, {}).get(str(detail_type))
    return stack.resource(logical_id) if logical_id else None


# -- reading messages ------------------------------------------------------------------------------------------------
def _attributes(message: Mapping[str, Any]) -> dict[str, str]:
    raw = message.get("MessageAttributes") or {}
    return {name: str(value.get("StringValue", "")) for name, value in raw.items()}


def failure_of(queue: Queue, message: Mapping[str, Any]) -> dict[str, Any]:
    """Why the message is here, from its attributes (module docstring)."""
    attributes = _attributes(message)
    if "ERROR_CODE" in attributes or "TARGET_ARN" in attributes:
        return {"by": "eventbridge", **{name.lower(): attributes.get(name) for name in EVENTBRIDGE_ATTRIBUTES}}
    if "ErrorMessage" in attributes or "RequestID" in attributes:
        return {
            "by": "lambda",
            "request_id": attributes.get("RequestID"),
            "error_code": attributes.get("ErrorCode"),
            "error_message": attributes.get("ErrorMessage"),
        }
    if queue.sources:
        source = (message.get("Attributes") or {}).get("DeadLetterQueueSourceArn")
        reason = "its source queue's consumer received it maxReceiveCount times (redrive policy) without deleting it"
        return {"by": "sqs-redrive", "source_queue": source or ", ".join(queue.sources), "reason": reason}
    return {"by": "unknown"}


def _route(stack: StackView, queue: Queue, message: Mapping[str, Any], payload: Any) -> Route | str:
    """The replay route, or why there is none."""
    attributes = _attributes(message)
    if queue.sources:
        source = (message.get("Attributes") or {}).get("DeadLetterQueueSourceArn")
        by_arn = [url for url in queue.sources if source and url.rsplit("/", 1)[-1] == source.rsplit(":", 1)[-1]]
        if by_arn or len(queue.sources) == 1:
            return Route("redrive", (by_arn or queue.sources)[0])
        return f"{len(queue.sources)} source queues and no DeadLetterQueueSourceArn: cannot tell which"
    if attributes.get("TARGET_ARN"):
        return Route("invoke", attributes["TARGET_ARN"])
    function = function_for(stack, queue, payload)
    if function is None:
        return "no function of the stack that dead-letters here consumes this event: cannot tell which one failed"
    return Route("invoke", function)


def _sent_at(message: Mapping[str, Any]) -> str | None:
    sent = (message.get("Attributes") or {}).get("SentTimestamp")
    return datetime.fromtimestamp(int(sent) / 1000, UTC).isoformat() if sent else None


def read(target: Target, queue: Queue, limit: int) -> list[DeadLetter]:
    """Up to ``limit`` messages of the queue, each held (invisible) for :data:`HOLD_SECONDS` until released/deleted.

    SQS has no way to look at a message without receiving it: this is a receive, as the console's "poll for
    messages" is (it counts in ``ApproximateReceiveCount``). Call :func:`release` for those not deleted.
    """
    sqs, stack = target.client("sqs"), target.stack()
    letters: dict[str, DeadLetter] = {}
    while len(letters) < limit:
        wanted = min(MAX_PER_RECEIVE, limit - len(letters))
        batch = sqs.receive_message(QueueUrl=queue.url, MaxNumberOfMessages=wanted, **_HOLD_EVERYTHING)
        letters.update((str(m["MessageId"]), _letter(stack, queue, m)) for m in batch.get("Messages", []))
        if not batch.get("Messages"):
            break
    return list(letters.values())


def parse_body(body: str) -> Any:
    """A message body as JSON when it is JSON, else the text."""
    try:
        return json.loads(body)
    except ValueError:
        return body


def _letter(stack: StackView, queue: Queue, message: Mapping[str, Any]) -> DeadLetter:
    body = str(message.get("Body", ""))
    route = _route(stack, queue, message, parse_body(body))
    return DeadLetter(
        message_id=str(message["MessageId"]),
        receipt_handle=str(message["ReceiptHandle"]),
        body=body,
        sent_at=_sent_at(message),
        receive_count=int((message.get("Attributes") or {}).get("ApproximateReceiveCount", 0)),
        failure=failure_of(queue, message),
        route=route if isinstance(route, Route) else None,
        unroutable=route if isinstance(route, str) else None,
        attributes=dict(message.get("MessageAttributes") or {}),
    )


def release(target: Target, queue: Queue, letters: list[DeadLetter]) -> None:
    """Make held messages visible again at once (``ChangeMessageVisibility`` to 0)."""
    sqs = target.client("sqs")
    for letter in letters:
        sqs.change_message_visibility(QueueUrl=queue.url, ReceiptHandle=letter.receipt_handle, VisibilityTimeout=0)
