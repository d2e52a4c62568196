"""The event bus of the local stack: what goes on it, and delivery from rules to their targets.

moto matches every rule's pattern (the real pattern from the template) and puts matching events on the rule's
internal queue; :class:`EventBus` drains those queues and delivers to the rule's targets as EventBridge would:
``Input``/``InputPath``/``InputTransformer`` applied; Lambda targets invoked asynchronously (on error retried after
1 and 2 virtual minutes, up to the function's ``MaximumRetryAttempts``, then sent to its dead-letter queue); Step
Functions targets start an execution; SQS and SNS targets receive the event. A catch-all "tap" rule per bus feeds the
action log with every event put on the bus, and shows it to the bus's watchers (a replay waiting for an event).

Events AWS services emit (raw events of a replay file, emulators' events) are *injected*: handed to moto's rules
exactly as a service would, keeping their ``id`` and ``time``.

With the stack's IAM, EventBridge delivers to an SQS target only as AWS lets it: it sends as the service principal
``events.amazonaws.com``, which only resource-based policies can allow: the queue's policy (for this rule, by
``aws:SourceArn``) and, for a queue encrypted with a customer managed key, the key policy (``kms:GenerateDataKey``
and ``kms:Decrypt``) (EventBridge User Guide, "Using resource-based policies for Amazon EventBridge", Amazon SQS
permissions; SQS Developer Guide, "Key management": producers need both KMS actions). A delivery they do not allow
fails: the event does not reach the queue, and the denial is logged and recorded (EventBridge would retry it for
up to 24 hours; it would fail the same way each time).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from mlopsctl.local.errors import LocalStackError
from mlopsctl.local.iam.enforce import Denial, IamEnforcer
from mlopsctl.local.iam.evaluate import Principal, Request, evaluate
from mlopsctl.local.moto_patches.backends import put_on_bus, render_input_template
from mlopsctl.local.runtime.actionlog import ActionLog
from mlopsctl.local.runtime.clients import StackClients
from mlopsctl.local.runtime.clock import VirtualClock
from mlopsctl.local.runtime.functions import FunctionRunner
from mlopsctl.local.runtime.provision import RuleRoute, StackResources, physical_name
from mlopsctl.local.runtime.scheduler import Callback, Scheduler

logger = logging.getLogger(__name__)

_TAP_PATTERN = {"source": [{"prefix": ""}]}
_HIDE_SECONDS = 43200  # received messages stay invisible (virtual time) until the stack deletes or releases them
_ASYNC_RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=2))
_EVENTS = "events.amazonaws.com"


def queue_url_of(clients: StackClients, arn: str) -> str:
    """The URL of the queue with this ARN."""
    return str(clients.client("sqs").get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"])


def receive_all(clients: StackClients, queue_url: str, limit: int = 10_000) -> list[dict[str, Any]]:
    """Every visible message of a queue (hidden until deleted or released)."""
    sqs, messages = clients.client("sqs"), list[dict[str, Any]]()
    while len(messages) < limit:
        batch = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=min(10, limit - len(messages)),
            VisibilityTimeout=_HIDE_SECONDS,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            break
        messages.extend(batch)
    return messages


def input_path(event: Any, path: str) -> Any:
    """EventBridge ``InputPath`` (``$`` or a dotted path such as ``$.detail``)."""
    if path in ("", "$"):
        return event
    value = event
    for part in path.removeprefix("$.").split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


class EventBus:
    """Taps, injection and rule delivery (see the module docstring)."""

    def __init__(  # noqa: PLR0917 - collaborators, wired once by the stack
        self,
        clients: StackClients,
        resources: StackResources,
        runner: FunctionRunner,
        log: ActionLog,
        clock: VirtualClock,
        scheduler: Scheduler[Callback],
        *,
        stack_name: str,
        account_id: str,
        iam: IamEnforcer | None = None,
    ) -> None:
        self._iam = iam
        self._clients = clients
        self._resources = resources
        self._runner = runner
        self._log = log
        self._clock = clock
        self._scheduler = scheduler
        self._stack_name = stack_name
        self._account_id = account_id
        self._taps: list[str] = []
        #: Lambda sends a failed asynchronous event to the function's dead-letter queue or topic with the function's
        #: execution role (the stack's IAM sets it): ``(role ARN, session, target ARN) -> allowed``
        self.may_send_to_dead_letter: Callable[[str, str, str], bool] = lambda _role, _session, _target: True
        self._watchers: list[Callable[[dict[str, Any]], None]] = []

    def create_taps(self) -> None:
        """A catch-all rule per bus, so every event put on the bus is seen and logged."""
        events, sqs = self._clients.client("events"), self._clients.client("sqs")
        for bus in self._resources.buses:
            name = physical_name(self._stack_name, f"local-tap-{bus}", "AWS::Events::Rule")
            url = sqs.create_queue(QueueName=name)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(_TAP_PATTERN))
            events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "local-tap", "Arn": arn}])
            self._taps.append(url)

    def inject(self, event: dict[str, Any], bus: str = "default") -> dict[str, Any]:
        """Put an event on the bus as an AWS service would (``id``, ``time``, ``resources`` kept)."""
        for key in ("source", "detail-type"):
            if not isinstance(event.get(key), str) or not event[key]:
                raise LocalStackError(f"an event needs a non-empty {key!r}")
        if not isinstance(event.get("detail"), dict):
            raise LocalStackError("an event needs a 'detail' object")
        region = self._clients.region
        message: dict[str, Any] = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "account": self._account_id,
            "time": self._clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": region,
            "resources": [],
            **event,
        }
        epoch = _epoch(message["time"])
        put_on_bus(self._account_id, region, bus, message, epoch)
        return message

    def pump(self) -> bool:
        """Drain the taps and the rules' queues once; return whether anything was there."""
        drained = self.drain_taps()
        return self.deliver() or drained

    def drain_taps(self) -> bool:
        """Log every event put on the bus since the last drain and show it to the watchers; whether there was one."""
        sqs, progressed = self._clients.client("sqs"), False
        for url in self._taps:
            for message in receive_all(self._clients, url):
                event = json.loads(message["Body"])
                self._log.event(str(event.get("source")), str(event.get("detail-type")))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                for watcher in list(self._watchers):
                    watcher(event)
                progressed = True
        return progressed

    def deliver(self) -> bool:
        """Deliver what the rules matched since the last delivery to their targets; whether there was anything."""
        sqs, progressed = self._clients.client("sqs"), False
        for route in self._resources.rules:
            for message in receive_all(self._clients, route.queue_url):
                sqs.delete_message(QueueUrl=route.queue_url, ReceiptHandle=message["ReceiptHandle"])
                progressed = True
                if route.enabled:
                    event = json.loads(message["Body"])
                    event.setdefault("account", self._account_id)
                    for target in route.targets:
                        self._deliver(route, target, event)
        return progressed

    @contextmanager
    def watching(self, watcher: Callable[[dict[str, Any]], None]) -> Iterator[None]:
        """Show ``watcher`` every event the taps drain while the context is open."""
        self._watchers.append(watcher)
        try:
            yield
        finally:
            self._watchers.remove(watcher)

    def _deliver(self, route: RuleRoute, target: dict[str, Any], event: dict[str, Any]) -> None:
        payload = _transform(target, event)
        arn = str(target.get("Arn", ""))
        service = arn.split(":")[2] if arn.count(":") >= 5 else ""
        if service == "lambda":
            self._invoke_async(arn, payload, attempt=0)
        elif service == "states":
            self._clients.client("stepfunctions").start_execution(stateMachineArn=arn, input=json.dumps(payload))
        elif service == "sqs":
            extra = {}
            group = (target.get("SqsParameters") or {}).get("MessageGroupId")
            if group:
                extra["MessageGroupId"] = group
            url = queue_url_of(self._clients, arn)
            if self._events_may_send(route, url):
                self._clients.client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps(payload), **extra)
        elif service == "sns":
            self._clients.client("sns").publish(TopicArn=arn, Message=json.dumps(payload))
        else:
            logger.info("rule %s: target %s is not delivered by the local stack", route.logical_id, arn)

    def _events_may_send(self, route: RuleRoute, queue_url: str) -> bool:
        """Whether the queue's policy and its key's policy let EventBridge send for this rule (module docstring)."""
        iam = self._iam
        if iam is None:
            return True
        record = self._resources.records.get(route.logical_id)
        rule_arn = str(record.arn) if record is not None else route.name
        principal = Principal("", "", service=_EVENTS)
        for raw in iam.requests_for("sqs", "SendMessage", {"QueueUrl": queue_url, "MessageBody": "{}"}):
            context = {**raw.context, "aws:SourceArn": rule_arn, "aws:SourceAccount": self._account_id}
            request = Request(raw.action, raw.resource, context, raw.purpose)
            policies = iam.policies.for_resource(request.resource)
            decision = evaluate([], request, resource_policies=policies, principal=principal)
            if not decision.allowed:
                message = (
                    f"EventBridge rule {rule_arn} could not deliver to its target: {_EVENTS} is not authorized to "
                    f"perform: {request.action} on resource: {request.resource} (no statement of the resource's "
                    "policy allows it for this rule)"
                )
                iam.usage.deny(Denial(_EVENTS, request, decision, message))
                return False
            iam.usage.record(decision, request)
        return True

    def _invoke_async(self, arn: str, payload: Any, attempt: int) -> None:
        spec = self._resources.function_by_arn_or_name(arn)
        if spec is None:
            logger.warning("no local function %s", arn)
            return
        invocation = self._runner.invoke(spec.logical_id, payload)
        if invocation.outcome != "error":
            return
        if attempt < min(spec.max_retry_attempts, len(_ASYNC_RETRY_DELAYS)):
            due = self._clock.now() + _ASYNC_RETRY_DELAYS[attempt]
            self._scheduler.schedule(
                due, f"retry {spec.logical_id}", lambda: self._invoke_async(arn, payload, attempt + 1)
            )
        elif spec.dead_letter_arn and self.may_send_to_dead_letter(spec.role_arn, spec.name, spec.dead_letter_arn):
            body, attributes = json.dumps(payload), dead_letter_attributes(invocation.reason)
            if ":sns:" in spec.dead_letter_arn:
                self._clients.client("sns").publish(
                    TopicArn=spec.dead_letter_arn, Message=body, MessageAttributes=attributes
                )
            else:
                url = queue_url_of(self._clients, spec.dead_letter_arn)
                self._clients.client("sqs").send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)


def dead_letter_attributes(error: str | None) -> dict[str, dict[str, str]]:
    """The message attributes Lambda adds to a failed asynchronous event it sends to a dead-letter queue or topic.

    "The payload written to the DLQ target ARN is the original event payload with no modifications to the message
    body", with the attributes ``RequestID`` (String, a unique request identifier), ``ErrorCode`` (Number, "3-digit
    HTTP error code") and ``ErrorMessage`` (String, "truncated to 1 KB") (Lambda Developer Guide, "Dead Letter
    Queues", https://docs.aws.amazon.com/lambda/latest/dg/dlq.html). A function error is answered with HTTP 200 and
    ``X-Amz-Function-Error`` (Lambda API Reference, Invoke), so its code is 200.
    """
    message = (error or "Unhandled").encode()[:1024].decode(errors="ignore")
    return {
        "RequestID": {"DataType": "String", "StringValue": str(uuid.uuid4())},
        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
        "ErrorMessage": {"DataType": "String", "StringValue": message},
    }


def _transform(target: dict[str, Any], event: dict[str, Any]) -> Any:
    if "Input" in target:
        return json.loads(target["Input"])
    if "InputPath" in target:
        return input_path(event, str(target["InputPath"]))
    transformer = target.get("InputTransformer")
    if transformer:
        with_ingestion = {"ingestion-time": event.get("time"), **event}
        paths = transformer.get("InputPathsMap") or {}
        return render_input_template(transformer.get("InputTemplate"), paths, with_ingestion)
    return event


def _epoch(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC).timestamp()
    except ValueError:
        raise LocalStackError(f"event time {value!r} is not an ISO 8601 instant") from None
