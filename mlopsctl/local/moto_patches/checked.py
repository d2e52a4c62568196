"""Every patch of a moto internal the local stack makes, with the moto version it was checked on and why it exists.

All of them live in this package (:mod:`mlopsctl.local.moto_patches`); no other module of the local stack replaces
or adds an attribute of moto. Each :class:`Patch` names the module that applies it, the moto attributes it replaces
(``replaces``: they must exist in moto) or adds (``adds``: the class they are added to must exist), why, and
the moto version it was last checked against. ``tests/unit/test_local_moto_patches.py`` fails when the pinned moto
(``requirements/dev.txt``) is not the version every patch names, or when a replaced attribute is gone: after a
moto upgrade, re-read each patched function in the new moto, then update ``checked_on``.

The reads are registered here too: :data:`READS` (each accessor of :mod:`.backends`, declared with :func:`reads`)
and :data:`RECORDS` (the protocols typing the moto objects those accessors hand out, declared with
:func:`record_of`); ``tests/unit/test_local_moto_patches.py`` checks them against the pinned moto the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Patch:
    """One patch: where it is applied, what it changes in moto, why, and the moto version it was checked on."""

    module: str
    why: str
    checked_on: str
    replaces: tuple[str, ...] = ()
    adds: tuple[str, ...] = ()


_SM_RESPONSE = "moto.sagemaker.responses.SageMakerResponse"
_SM_BACKEND = "moto.sagemaker.models.SageMakerModelBackend"
_SQS = "moto.sqs.models"
_EXEC = "moto.stepfunctions.parser.asl.component.state.exec"
_CALLBACK = "moto.stepfunctions.parser.asl.eval.callback.callback"

_ADDED_ACTIONS = (
    "update_endpoint",
    "create_labeling_job",
    "describe_labeling_job",
    "list_labeling_jobs",
    "stop_labeling_job",
    "list_pipeline_execution_steps",
    "stop_pipeline_execution",
)
_REPORTED_CALLS = (
    "create_endpoint",
    "delete_endpoint",
    "start_pipeline_execution",
    "describe_pipeline_execution",
    "list_pipeline_parameters_for_execution",
    "create_model_package",
    "update_model_package",
    "add_tags",
)
_REPORTED_ALARM_CALLS = ("set_alarm_state", "put_metric_alarm", "put_metric_data")

PATCHES: tuple[Patch, ...] = (
    Patch(
        "install",
        "SageMaker actions moto lacks (NotImplementedError), with the real API's validation and states",
        "5.2.5",
        adds=(
            *(f"{_SM_RESPONSE}.{name}" for name in _ADDED_ACTIONS),
            f"{_SM_BACKEND}.update_endpoint",
            "moto.cloudwatch.responses.CloudWatchResponse.describe_alarm_history",
        ),
    ),
    Patch(
        "install",
        "SageMaker and CloudWatch calls report what happened to the emulator (moto sends no events, ends jobs at once)",
        "5.2.5",
        replaces=(
            *(f"{_SM_BACKEND}.{name}" for name in _REPORTED_CALLS),
            *(f"moto.cloudwatch.models.CloudWatchBackend.{name}" for name in _REPORTED_ALARM_CALLS),
        ),
    ),
    Patch(
        "limits.install",
        "moto does not enforce AWS's names and sizes: requests validated against the service model, message sizes",
        "5.2.5",
        replaces=(
            f"{_SM_RESPONSE}.call_action",
            "moto.stepfunctions.responses.StepFunctionResponse.call_action",
            "moto.stepfunctions.responses.StepFunctionResponse.start_execution",
            f"{_SQS}.SQSBackend.send_message",
            f"{_SQS}.SQSBackend.send_message_batch",
            "moto.sns.models.SNSBackend.publish",
        ),
    ),
    Patch(
        "limits.dynamodb",
        "DynamoDB's 400 KB item size counted as AWS counts it",
        "5.2.5",
        replaces=("moto.dynamodb.models.dynamo_type.LimitedSizeDict.__setitem__",),
    ),
    Patch(
        "dynamodb_items",
        "moto applies an UpdateItem in steps (a new item first stored with its keys only) and keeps the steps of a "
        "refused one, and reads a TransactGetItems item by item: item writes made whole, as DynamoDB's are atomic, "
        "and a transactional read isolated from transactional writes",
        "5.2.5",
        replaces=(
            *(
                f"moto.dynamodb.models.DynamoDBBackend.{name}"
                for name in (
                    "put_item",
                    "update_item",
                    "delete_item",
                    "transact_write_items",
                    "get_item",
                    "query",
                    "scan",
                )
            ),
            "moto.dynamodb.responses.DynamoHandler.transact_get_items",
        ),
    ),
    Patch(
        "limits.sfn_payloads",
        "Step Functions' 256 KiB state payload quota inside the interpreter",
        "5.2.5",
        replaces=(
            "moto.stepfunctions.parser.asl.component.state.state.is_within_size_quota",
            f"{_EXEC}.state_task.state_task_lambda.is_within_size_quota",
            f"{_EXEC}.state_task.service.state_task_service.is_within_size_quota",
            "moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl.ErrorEqualsDecl._eval_body",
            f"{_EXEC}.state_task.state_task.StateTask._eval_parameters",
            f"{_EXEC}.state_task.state_task_lambda.StateTaskLambda._eval_parameters",
        ),
    ),
    Patch(
        "sfn_waits",
        "the interpreter really sleeps in Wait, Retry and task timeouts: waits parked in virtual time",
        "5.2.5",
        replaces=(
            f"{_EXEC}.execute_state.ExecutionState._eval_state",
            f"{_EXEC}.execute_state.ExecutionState._evaluate_with_timeout",
            f"{_EXEC}.execute_state.threading",
            f"{_EXEC}.execute_state.Thread",
            "moto.stepfunctions.parser.asl.component.common.retry.retrier_decl.time",
            "moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function.WaitFunction._wait_interval",
            "moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp.Timestamp._get_wait_seconds",
            f"{_CALLBACK}.CallbackEndpoint.wait",
            f"{_CALLBACK}.CallbackEndpoint.notify",
            f"{_CALLBACK}.CallbackEndpoint.interrupt_all",
            f"{_CALLBACK}.HeartbeatEndpoint.clear_and_wait",
            f"{_CALLBACK}.HeartbeatEndpoint.notify",
        ),
    ),
    Patch(
        "sfn_errors",
        "a Lambda task's Invoke errors named as Step Functions names them",
        "5.2.5",
        replaces=(f"{_EXEC}.state_task.state_task_lambda.StateTaskLambda._from_error",),
    ),
    Patch(
        "speed",
        "moto's SQS and DynamoDB transactions slow down as queues and tables grow; each stack and execution parses"
        " its state machines again and makes an RSA key per KMS key (same behaviour, faster)",
        "5.2.5",
        replaces=(
            f"{_SQS}.unix_time_millis",
            f"{_SQS}.Queue.attributes",
            f"{_SQS}.SQSBackend.send_message",
            f"{_SQS}.SQSBackend.is_message_valid_based_on_retention_period",
            "moto.dynamodb.models.copy",
            "moto.dynamodb.models.DynamoDBBackend.transact_write_items",
            "moto.stepfunctions.parser.asl.parse.asl_parser.AmazonStateLanguageParser.parse",
            "moto.stepfunctions.parser.models.StepFunctionsParserBackend._validate_definition",
            "moto.kms.models.generate_private_key",
        ),
        adds=("moto.kms.models.Key.private_key",),
    ),
    Patch(
        "sqs_clock",
        "long polls and visibility timeouts assume a ticking wall clock; the local stack's stands still",
        "5.2.5",
        replaces=(f"{_SQS}.SQSBackend.receive_message", f"{_SQS}.Message.visible"),
    ),
    Patch(
        "s3_notifications",
        "moto's S3 → EventBridge events are not shaped as S3 sends them, and a delete marker sends none",
        "5.2.5",
        replaces=("moto.s3.notifications._send_event_bridge_message", "moto.s3.models.S3Backend._set_delete_marker"),
    ),
    Patch(
        "stubber",
        "an injected fault must fail the attempt before moto answers it",
        "5.2.5",
        replaces=("moto.core.botocore_stubber.BotocoreStubber.__call__",),
    ),
    Patch(
        "lambda_invoke",
        "moto's simple Lambda backend echoes the payload; our handlers run in process instead",
        "5.2.5",
        replaces=("moto.awslambda_simple.models.LambdaSimpleBackend.invoke",),
    ),
    Patch(
        "sfn_threads",
        "moto keeps an execution's thread to itself; a caller driving executions in real time joins it",
        "5.2.5",
        replaces=("moto.stepfunctions.parser.backend.execution_worker.ExecutionWorker.start",),
    ),
    Patch(
        "cloudformation",
        "moto's CloudFormation would create the resources again: the local stack is registered as a stack describing "
        "the resources it provisioned (its resource map filled with them)",
        "5.2.5",
        adds=(
            "moto.cloudformation.models.CloudFormationBackend.stacks",
            "moto.cloudformation.parsing.ResourceMap._parsed_resources",
        ),
    ),
    Patch(
        "runtime",
        "Step Functions executions run, and Lambda without Docker (moto's configuration)",
        "5.2.5",
        replaces=("moto.core.config.default_user_config",),
    ),
)


@dataclass(frozen=True)
class Read:
    """One accessor of :mod:`.backends`: the moto attributes it reads (or writes), and the version it was checked on."""

    accessor: str
    checked_on: str
    attributes: tuple[str, ...]


@dataclass(frozen=True)
class Record:
    """A protocol of :mod:`.backends` typing a moto object: its members must be attributes of ``moto_class``."""

    protocol: type
    moto_class: str
    checked_on: str


#: Every accessor of :mod:`.backends` by name, filled when it is imported (each is declared with :func:`reads`).
READS: dict[str, Read] = {}
#: Every record protocol of :mod:`.backends` by name (each declared with :func:`record_of`).
RECORDS: dict[str, Record] = {}


def reads[T](checked_on: str, *attributes: str) -> Callable[[T], T]:
    """Register the decorated accessor of :mod:`.backends` with the moto attributes it touches."""

    def register(accessor: T) -> T:
        name = getattr(accessor, "__name__", repr(accessor))
        READS[name] = Read(name, checked_on, attributes)
        return accessor

    return register


def record_of[C: type](moto_class: str, checked_on: str) -> Callable[[C], C]:
    """Register the decorated protocol as the view of ``moto_class`` its readers use."""

    def register(protocol: C) -> C:
        RECORDS[protocol.__name__] = Record(protocol, moto_class, checked_on)
        return protocol

    return register
