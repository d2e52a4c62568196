"""Typed models of every event the system consumes, and the one classifier that reads them.

Use :func:`parse_event` on one event (EventBridge, SQS record, or JSON text) and :func:`parse_sqs_batch` on a Lambda
SQS batch. Both raise only :class:`EventError` subclasses: :class:`UnsupportedEventError` (well-formed, not a type
we consume), :class:`InvalidEventError` (malformed, with the field and the problem: shapes, limits and enumerations
as AWS documents them, :mod:`~mlops_core.events.arns`) and, given the function's :class:`Origin`,
:class:`ForeignEventError` (another account, Region or partition: :mod:`~mlops_core.events.origin`).

=====================================  ===================================================================
Model                                  detail-type (source)
=====================================  ===================================================================
:class:`S3ObjectCreatedEvent`          ``Object Created`` (``aws.s3``)
:class:`LabelingJobStateChangeEvent`   ``SageMaker Ground Truth Labeling Job State Change`` (``aws.sagemaker``)
``PipelineExecutionStatusChangeEvent`` ``SageMaker Model Building Pipeline Execution Status Change``
``ModelPackageStateChangeEvent``       ``SageMaker Model Package State Change``
:class:`EndpointStateChangeEvent`      ``SageMaker Endpoint State Change``
``EndpointDeploymentStateChangeEvent`` ``SageMaker Endpoint Deployment State Change``
:class:`AlarmStateChangeEvent`         ``CloudWatch Alarm State Change`` (``aws.cloudwatch``)
``ExecutionStatusChangeEvent``        ``Step Functions Execution Status Change`` (``aws.states``)
=====================================  ===================================================================

Normalisation (decided once, here, so no handler re-does it): timestamps of every spelling become tz-aware UTC
datetimes (:mod:`~mlops_core.events.timestamps`); statuses take the API's spelling (:mod:`~mlops_core.events.values`);
the S3 key is percent-decoded exactly once (:mod:`~mlops_core.events.s3`); the model package version is an ``int``;
Ground Truth's job name is read from its ARN; unknown fields are ignored everywhere. Models are frozen.

Strict to the wire: each model reads the shape AWS documents for its event (the page is cited in its module), the
detail-type and source exactly, statuses only in the spellings AWS sends. Quirks of published samples (another
spelling, a duplicate key, a redaction placeholder) are not tolerated here: the tests' one event loader
(``tests/support/events.py``) normalises those it can, and the contract tests decide the rest as refused.

This package imports neither boto3 nor Powertools: it is on every function's cold-start path. Its names are read
lazily (:data:`_HOME`): a function builds the models it imports, not all eight.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlops_core.events.alarm import AlarmMetric, AlarmStateChangeEvent
    from mlops_core.events.classifier import EVENT_MODELS, ConsumedEvent, parse_event, parse_event_as, parse_sqs_batch
    from mlops_core.events.endpoint import (
        EndpointDeploymentStateChangeEvent,
        EndpointStateChangeEvent,
        ProductionVariantSummary,
        VariantStatus,
    )
    from mlops_core.events.envelope import EventEnvelope
    from mlops_core.events.errors import EventError, ForeignEventError, InvalidEventError, UnsupportedEventError
    from mlops_core.events.execution import ExecutionStatusChangeEvent
    from mlops_core.events.labeling import LabelingJobStateChangeEvent
    from mlops_core.events.model_package import ModelPackageStateChangeEvent
    from mlops_core.events.origin import Origin
    from mlops_core.events.pipeline import PipelineExecutionStatusChangeEvent
    from mlops_core.events.s3 import S3ObjectCreatedEvent
    from mlops_core.events.timestamps import to_utc_datetime

_HOME = {
    "AlarmMetric": "alarm",
    "AlarmStateChangeEvent": "alarm",
    "EVENT_MODELS": "classifier",
    "ConsumedEvent": "classifier",
    "parse_event": "classifier",
    "parse_event_as": "classifier",
    "parse_sqs_batch": "classifier",
    "EndpointDeploymentStateChangeEvent": "endpoint",
    "EndpointStateChangeEvent": "endpoint",
    "ProductionVariantSummary": "endpoint",
    "VariantStatus": "endpoint",
    "EventEnvelope": "envelope",
    "EventError": "errors",
    "ForeignEventError": "errors",
    "InvalidEventError": "errors",
    "UnsupportedEventError": "errors",
    "ExecutionStatusChangeEvent": "execution",
    "LabelingJobStateChangeEvent": "labeling",
    "ModelPackageStateChangeEvent": "model_package",
    "Origin": "origin",
    "PipelineExecutionStatusChangeEvent": "pipeline",
    "S3ObjectCreatedEvent": "s3",
    "to_utc_datetime": "timestamps",
}
"""Each name's module: importing one name builds only its module (and what that imports), so a function's cold start
builds its own event model, not all eight."""


def __getattr__(name: str) -> Any:
    """PEP 562: ``from mlops_core.events import X`` imports ``X``'s module on first use."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "EVENT_MODELS",
    "AlarmMetric",
    "AlarmStateChangeEvent",
    "ConsumedEvent",
    "EndpointDeploymentStateChangeEvent",
    "EndpointStateChangeEvent",
    "EventEnvelope",
    "EventError",
    "ExecutionStatusChangeEvent",
    "ForeignEventError",
    "InvalidEventError",
    "LabelingJobStateChangeEvent",
    "ModelPackageStateChangeEvent",
    "Origin",
    "PipelineExecutionStatusChangeEvent",
    "ProductionVariantSummary",
    "S3ObjectCreatedEvent",
    "UnsupportedEventError",
    "VariantStatus",
    "parse_event",
    "parse_event_as",
    "parse_sqs_batch",
    "to_utc_datetime",
]
