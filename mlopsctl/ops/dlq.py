"""``mlopsctl dlq list`` and ``mlopsctl dlq replay QUEUE [--dry-run]``: the dead letters, and replaying them.

``list`` shows every dead-letter queue of the stack (:mod:`.dead_letters`: the ``*DeadLetterQueueUrl`` outputs) with
its messages: the original payload, why it failed (the attributes SQS, Lambda or EventBridge put on it) and the route
that would replay it. ``replay QUEUE`` (a short name: ``data-arrival``, ``training-events``, ``deployment-events``,
``rollback``, or the output key) replays each message by that route, and deletes a message only once its replay
succeeded:

- the data-arrival queue, by an SQS redrive to its source queue (``DataArrivalQueue``): the message is sent back with
  its body and message attributes, then deleted here. This is ``SendMessage`` + ``DeleteMessage`` per message, not
  ``StartMessageMoveTask``: moto (the local stack) does not implement the move task, and per-message moves let the
  command say what became of each message;
- a functions' queue, by a synchronous ``Invoke`` of the function that failed, with the original payload (the
  function's error, if it fails again, is reported and the message stays).

Nothing already done is done twice: the handlers are idempotent for duplicate events, as AWS's at-least-once
delivery requires (Powertools idempotency and per-object claims for data arrival, deterministic names for every
labeling job, pipeline execution and Deploy/Rollback execution, conditional ledger writes), so a dead letter whose
work was meanwhile done changes nothing when replayed. ``--dry-run`` shows what would be replayed and changes nothing
(the messages are received to be read, then released at once: SQS has no other way to read them).

JSON schema (``--json``), ``list``::

    {"queues": [{"name": str, "output_key": str, "url": str, "kind": "redrive" | "functions",
                 "sources": [str], "messages": [MESSAGE]}]}

``replay``::

    {"queue": str, "dry_run": bool, "replayed": [MESSAGE], "failed": [MESSAGE + {"error": str}]}

where ``MESSAGE`` is ``{"message_id": str, "sent_at": str | null, "receive_count": int, "payload": object | str,
"failure": {"by": "sqs-redrive" | "lambda" | "eventbridge" | "unknown", ...}, "route": {"kind": "redrive" | "invoke",
"to": str} | null, "unroutable": str | null}``. ``failure`` carries, by ``by``: ``source_queue`` and ``reason``
(sqs-redrive); ``request_id``, ``error_code``, ``error_message`` (lambda); ``rule_arn``, ``target_arn``,
``error_code``, ``error_message`` (eventbridge). With ``--dry-run``, ``replayed`` lists what would be replayed.
Timestamps are ISO 8601 UTC strings.

Exit codes: 0 done (or nothing to do); 1 a message could not be replayed (it stays in its queue), AWS refused, or the
stack is not found; 2 no such queue.

IAM: ``sqs:ListDeadLetterSourceQueues``, ``sqs:ReceiveMessage``,
``sqs:ChangeMessageVisibility``, ``sqs:DeleteMessage`` on the dead-letter queues, ``sqs:SendMessage`` on the source
queue, ``kms:Decrypt``/``kms:GenerateDataKey`` on the stack's key, ``lambda:InvokeFunction`` on the functions,
``cloudformation:DescribeStacks`` and ``cloudformation:ListStackResources``. Documented in docs/operator/dlq.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from mlopsctl.ops.cli import ops_options
from mlopsctl.ops.dead_letters import DeadLetter, Queue, queue_named, queues, read, release
from mlopsctl.ops.errors import EXIT_FAILED, OpsError
from mlopsctl.ops.output import emit
from mlopsctl.ops.target import Target

DEFAULT_LIMIT = 100


@click.group("dlq")
def command() -> None:
    """The dead-letter queues: list their messages, replay them by the right route."""


# -- list ------------------------------------------------------------------------------------------------------------
@command.command("list")
@click.option("--limit", default=DEFAULT_LIMIT, show_default=True, help="at most this many messages per queue")
@ops_options
def list_command(target: Target, as_json: bool, limit: int) -> None:
    """Every dead-letter queue with its messages: payload, why it failed, and the replay route."""
    documents = []
    for queue in queues(target):
        letters = read(target, queue, limit)
        release(target, queue, letters)
        documents.append({**_queue_json(queue), "messages": [letter.as_json() for letter in letters]})
    emit({"queues": documents}, render_list, as_json=as_json)


def _queue_json(queue: Queue) -> dict[str, Any]:
    return {"name": queue.name, "output_key": queue.output_key, "url": queue.url, "kind": queue.kind,
            "sources": queue.sources}  # fmt: skip


def _why(message: Mapping[str, Any]) -> str:
    failure = message["failure"]
    if failure["by"] == "sqs-redrive":
        return f"redriven from {failure['source_queue']}: {failure['reason']}"
    if failure["by"] in ("lambda", "eventbridge"):
        return f"{failure['by']}: {failure.get('error_code')}: {failure.get('error_message')}"
    return "unknown"


def _what(payload: Any) -> str:
    if isinstance(payload, Mapping) and "detail-type" in payload:
        return f"{payload.get('source')} / {payload['detail-type']}"
    return json.dumps(payload)[:80] if not isinstance(payload, str) else payload[:80]


def _route_text(message: Mapping[str, Any]) -> str:
    route = message["route"]
    return f"{route['kind']} → {route['to']}" if route else f"none: {message['unroutable']}"


def render_list(console: Console, document: Mapping[str, Any]) -> None:
    """One table per queue."""
    for queue in document["queues"]:
        title = f"{queue['name']} ({queue['kind']}): {len(queue['messages'])} messages"
        table = Table(title=title, title_justify="left")
        for column in ("message", "sent", "event", "why it failed", "replay"):
            table.add_column(column)
        for message in queue["messages"]:
            table.add_row(message["message_id"], message["sent_at"] or "", _what(message["payload"]),
                          _why(message), _route_text(message))  # fmt: skip
        console.print(table)


# -- replay ----------------------------------------------------------------------------------------------------------
@command.command("replay")
@click.argument("queue_name", metavar="QUEUE")
@click.option("--dry-run", is_flag=True, help="show what would be replayed; change nothing")
@click.option("--limit", default=DEFAULT_LIMIT, show_default=True, help="at most this many messages")
@ops_options
def replay_command(target: Target, as_json: bool, queue_name: str, dry_run: bool, limit: int) -> None:
    """Replay QUEUE's messages by the right route; each is deleted once its replay succeeded."""
    queue = queue_named(target, queue_name)
    letters = read(target, queue, limit)
    replayed: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    if dry_run:
        release(target, queue, letters)
        replayed = [letter.as_json() for letter in letters if letter.route]
        failed = [{**letter.as_json(), "error": letter.unroutable} for letter in letters if not letter.route]
    else:
        for letter in letters:
            error = _replay(target, queue, letter)
            (failed if error else replayed).append({**letter.as_json(), **({"error": error} if error else {})})
    document = {"queue": queue.name, "dry_run": dry_run, "replayed": replayed, "failed": failed}
    emit(document, render_replay, as_json=as_json)
    if failed and not dry_run:
        raise OpsError(f"{len(failed)} of {len(letters)} messages could not be replayed (they stay in {queue.name})",
                       EXIT_FAILED)  # fmt: skip


def _replay(target: Target, queue: Queue, letter: DeadLetter) -> str | None:
    """Replay one message; ``None`` when done (then it is deleted), else why not (then it is released)."""
    error = _deliver(target, letter)
    sqs = target.client("sqs")
    if error is None:
        sqs.delete_message(QueueUrl=queue.url, ReceiptHandle=letter.receipt_handle)
    else:
        release(target, queue, [letter])
    return error


def _deliver(target: Target, letter: DeadLetter) -> str | None:
    route = letter.route
    if route is None:
        return letter.unroutable
    if route.kind == "redrive":
        extra = {"MessageAttributes": letter.attributes} if letter.attributes else {}
        target.client("sqs").send_message(QueueUrl=route.to, MessageBody=letter.body, **extra)
        return None
    answer = target.client("lambda").invoke(FunctionName=route.to, InvocationType="RequestResponse",
                                            Payload=letter.body.encode())  # fmt: skip
    if answer.get("FunctionError"):
        detail = answer["Payload"].read().decode(errors="replace")
        return f"{route.to} failed again ({answer['FunctionError']}): {detail[:500]}"
    return None


def render_replay(console: Console, document: Mapping[str, Any]) -> None:
    """What was (or would be) replayed, and what could not be."""
    verb = "would replay" if document["dry_run"] else "replayed"
    table = Table(title=f"{document['queue']}: {verb} {len(document['replayed'])}", title_justify="left")
    for column in ("message", "event", "route", "result"):
        table.add_column(column)
    for message in document["replayed"]:
        table.add_row(message["message_id"], _what(message["payload"]), _route_text(message), verb)
    for message in document["failed"]:
        table.add_row(message["message_id"], _what(message["payload"]), _route_text(message), message["error"])
    console.print(table)
