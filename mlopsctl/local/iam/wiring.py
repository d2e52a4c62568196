"""Wire IAM enforcement into a starting local stack: principals, facts, the function runner, and what the Lambda
service itself does with a function's execution role."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from unittest import mock

import boto3  # type: ignore[import-untyped, unused-ignore]

from mlopsctl.local.errors import LocalStackError
from mlopsctl.local.iam.enforce import IamEnforcer
from mlopsctl.local.iam.facts import StackFacts
from mlopsctl.local.iam.principals import account_policies, transformed_resources
from mlopsctl.local.runtime import sfn_time
from mlopsctl.local.runtime.bus import queue_url_of
from mlopsctl.local.template.intrinsics import Resolver

if TYPE_CHECKING:
    from mlopsctl.local.runtime.bus import EventBus
    from mlopsctl.local.runtime.sqs_source import SqsPoller
    from mlopsctl.local.runtime.stack import LocalStack


def enforce_iam(stack: LocalStack) -> IamEnforcer:
    """Install an :class:`IamEnforcer` for ``stack`` (uninstalled when the stack closes) and make handlers call as
    their function's role."""
    records = stack.resources.records

    def lookup(logical_id: str, attribute: str | None) -> Any:
        record = records.get(logical_id)
        if record is None:
            raise LocalStackError(f"{logical_id} is not a resource of the local stack")
        return record.ref if attribute is None else record.get_att(attribute)

    def key_arn_of(reference: str) -> str | None:
        for record in records.values():
            if record.type == "AWS::KMS::Key" and reference in (record.ref, record.arn):
                return record.arn
        return reference if reference.startswith("arn:") and ":key/" in reference else None

    def role_of_execution(execution_arn: str) -> str | None:
        machine_arn = execution_arn.replace(":execution:", ":stateMachine:").rsplit(":", 1)[0]
        for record in records.values():
            if record.type == "AWS::StepFunctions::StateMachine" and record.arn == machine_arn:
                return str(record.attributes.get("RoleArn") or "") or None
        return None

    template = stack.template
    enforcer = IamEnforcer(
        account_policies(template, lookup),
        StackFacts(template, lookup, stack.clients.client("s3"), key_arn_of),
        partition="aws",
        region=template.region,
        account=template.account_id,
        role_of_execution=role_of_execution,
        execution_of_thread=lambda: str(getattr(sfn_time.thread_state, "execution_arn", "") or ""),
    )
    _check_execution_logging(stack, enforcer, lookup)
    enforcer.install()
    stack._exit.callback(enforcer.uninstall)
    stack.runner.acting_as = lambda spec: enforcer.acting_as(spec.role_arn, spec.name)
    # sessions made before now lack the enforcer's hooks: handlers' clients must come from a new default session
    stack._exit.enter_context(mock.patch.object(boto3, "DEFAULT_SESSION", None))
    return enforcer


#: what a state machine's role needs for Step Functions to deliver its execution logs (Step Functions Developer Guide,
#: "Logging Step Functions using CloudWatch Logs", IAM policies for logging: all on "*", as the Service Authorization
#: Reference lists no resource type for any of them)
_LOG_DELIVERY = (
    "CreateLogDelivery", "GetLogDelivery", "UpdateLogDelivery", "DeleteLogDelivery", "ListLogDeliveries",
    "PutResourcePolicy", "DescribeResourcePolicies", "DescribeLogGroups",
)  # fmt: skip


def _check_execution_logging(stack: LocalStack, enforcer: IamEnforcer, lookup: Any) -> None:
    """Creating a state machine with a logging configuration fails unless its role may set up the log delivery (AWS
    answers CreateStateMachine with ``AccessDeniedException``: "The state machine IAM Role is not authorized to access
    the Log Destination"), so the stack fails to deploy, as CloudFormation would."""
    template = stack.template
    resolver = Resolver(template.parameters, template.pseudo(), template.conditions, template.mappings, lookup)
    for logical_id, body in transformed_resources(template.path).items():
        props = body.get("Properties") or {}
        if body.get("Type") != "AWS::StepFunctions::StateMachine" or not props.get("LoggingConfiguration"):
            continue
        if body.get("Condition") and not template.conditions.get(str(body["Condition"]), False):
            continue
        role_arn = str(resolver.resolve(props["RoleArn"]))
        requests = [r for action in _LOG_DELIVERY for r in enforcer.requests_for("logs", action, {})]
        denial = enforcer.authorize_role(role_arn, requests, session_name="states")
        if denial is not None:
            raise LocalStackError(
                f"{logical_id}: CreateStateMachine failed: AccessDeniedException: The state machine IAM Role is not "
                f"authorized to access the Log Destination ({denial.message})"
            )


def lambda_service_roles(stack: LocalStack, enforcer: IamEnforcer, pollers: list[SqsPoller], bus: EventBus) -> None:
    """What the Lambda service itself does with a function's execution role: poll its SQS event source and send a
    failed asynchronous event to its dead-letter queue (Lambda Developer Guide: "Using Lambda with Amazon SQS",
    execution role permissions; "Dead-letter queues": the execution role needs sqs:SendMessage / sns:Publish)."""
    for poller in pollers:
        spec = stack.resources.functions[poller.mapping.function]

        def may(service: str, operation: str, params: dict[str, Any], spec: Any = spec) -> bool:
            requests = enforcer.requests_for(service, operation, params)
            return enforcer.authorize_role(spec.role_arn, requests, session_name=spec.name) is None

        poller.authorize = may

    def may_send(role_arn: str, session: str, target: str) -> bool:
        if ":sns:" in target:
            call: tuple[str, str, dict[str, Any]] = ("sns", "Publish", {"TopicArn": target})
        else:
            call = ("sqs", "SendMessage", {"QueueUrl": queue_url_of(stack.clients, target)})
        requests = enforcer.requests_for(*call)
        return enforcer.authorize_role(role_arn, requests, session_name=session) is None

    bus.may_send_to_dead_letter = may_send
