"""Install every limit (see the package docstring) for the lifetime of a context; closing it restores moto."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from unittest import mock

from moto.sagemaker.responses import SageMakerResponse
from moto.sns.models import SNSBackend
from moto.sqs.models import SQSBackend
from moto.stepfunctions.responses import StepFunctionResponse

from mlopsctl.local.moto_patches import dynamodb_items
from mlopsctl.local.moto_patches.limits import dynamodb, messaging, sfn_payloads
from mlopsctl.local.moto_patches.limits.requests import validated
from mlopsctl.local.moto_patches.limits.stepfunctions import checked_start_execution

#: Response classes whose requests are checked against their service model.
VALIDATED_RESPONSES = (SageMakerResponse, StepFunctionResponse)


@contextmanager
def installed() -> Iterator[None]:
    """Apply every limit while the context is open, and DynamoDB's item writes whole (:mod:`..dynamodb_items`: as
    strict as DynamoDB, a reader never sees part of a write)."""
    with ExitStack() as stack:
        for response in VALIDATED_RESPONSES:
            stack.enter_context(mock.patch.object(response, "call_action", validated(response.call_action)))
        start = checked_start_execution(StepFunctionResponse.start_execution)
        stack.enter_context(mock.patch.object(StepFunctionResponse, "start_execution", start))
        send = messaging.checked_send_message(SQSBackend.send_message)
        stack.enter_context(mock.patch.object(SQSBackend, "send_message", send))
        batch = messaging.checked_send_message_batch(SQSBackend.send_message_batch)
        stack.enter_context(mock.patch.object(SQSBackend, "send_message_batch", batch))
        stack.enter_context(mock.patch.object(SNSBackend, "publish", messaging.checked_publish(SNSBackend.publish)))
        stack.enter_context(dynamodb.installed())
        stack.enter_context(dynamodb_items.installed())
        stack.enter_context(sfn_payloads.installed())
        yield
