"""One classifier for every event the system consumes: :func:`parse_event` and :func:`parse_sqs_batch`.

Accepted forms of one event:

- an EventBridge event (a dict, or its JSON text);
- an SQS record from a Lambda SQS event (``{"messageId": ..., "body": "<JSON>", "eventSource": "aws:sqs"}``) whose
  body is an EventBridge event (EventBridge rule -> SQS queue -> Lambda);
- the JSON body of such a record.

An SQS *batch* (``{"Records": [...]}`` from SQS) is not one event: :func:`parse_event` rejects it as invalid, and
:func:`parse_sqs_batch` parses it record by record, so a handler can report each failed record
(``batchItemFailures``) instead of failing the batch.

Outcomes: the event's model; :class:`UnsupportedEventError` for a well-formed event of a type the system does not
consume (another detail-type or source, a classic S3 notification, a CloudWatch alarm Lambda-action payload, an SNS
message, an S3 test event, an SQS ReceiveMessage response); :class:`InvalidEventError` with a reason naming the
field for anything malformed (including ARNs, names, keys, versions and statuses outside AWS's documented shapes,
limits and enumerations: :mod:`mlops_core.events.arns`); given the handler's ``origin``,
:class:`ForeignEventError` for an event of another account, Region or partition (:mod:`mlops_core.events.origin`).
Pydantic's ``ValidationError`` never escapes.

Examples
--------
>>> event = parse_event('{"version": "0", "id": "1", "detail-type": "SageMaker Ground Truth Labeling Job State '
...     'Change", "source": "aws.sagemaker", "account": "111122223333", "time": "2018-10-06T12:26:13Z", "region": '
...     '"us-east-1", "resources": ["arn:aws:sagemaker:us-east-1:111122223333:labeling-job/cats"], "detail": '
...     '{"LabelingJobStatus": "Completed"}}')
>>> event.labeling_job_name, event.status
('cats', 'Completed')
"""

from __future__ import annotations

import json
import operator
from collections.abc import Mapping
from functools import reduce
from importlib import import_module
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from pydantic import ValidationError

from mlops_core.events.envelope import EventEnvelope
from mlops_core.events.errors import EventError, ForeignEventError, InvalidEventError, UnsupportedEventError
from mlops_core.events.origin import Origin, foreign_reason

if TYPE_CHECKING:
    from mlops_core.events.alarm import AlarmStateChangeEvent
    from mlops_core.events.endpoint import EndpointDeploymentStateChangeEvent, EndpointStateChangeEvent
    from mlops_core.events.execution import ExecutionStatusChangeEvent
    from mlops_core.events.labeling import LabelingJobStateChangeEvent
    from mlops_core.events.model_package import ModelPackageStateChangeEvent
    from mlops_core.events.pipeline import PipelineExecutionStatusChangeEvent
    from mlops_core.events.s3 import S3ObjectCreatedEvent

_MODELS: dict[str, tuple[str, str]] = {
    "Object Created": ("s3", "S3ObjectCreatedEvent"),
    "SageMaker Ground Truth Labeling Job State Change": ("labeling", "LabelingJobStateChangeEvent"),
    "SageMaker Model Building Pipeline Execution Status Change": ("pipeline", "PipelineExecutionStatusChangeEvent"),
    "SageMaker Model Package State Change": ("model_package", "ModelPackageStateChangeEvent"),
    "SageMaker Endpoint State Change": ("endpoint", "EndpointStateChangeEvent"),
    "SageMaker Endpoint Deployment State Change": ("endpoint", "EndpointDeploymentStateChangeEvent"),
    "CloudWatch Alarm State Change": ("alarm", "AlarmStateChangeEvent"),
    "Step Functions Execution Status Change": ("execution", "ExecutionStatusChangeEvent"),
}
"""Every consumed detail-type → its model's module and name (each model's ``DETAIL_TYPE``): a model is built when
its module is first imported, so a function builds the one it imports and another only when such an event comes."""

if TYPE_CHECKING:
    ConsumedEvent: TypeAlias = (  # noqa: UP040 - a runtime union: isinstance(event, ConsumedEvent) works
        S3ObjectCreatedEvent
        | LabelingJobStateChangeEvent
        | PipelineExecutionStatusChangeEvent
        | ModelPackageStateChangeEvent
        | EndpointStateChangeEvent
        | EndpointDeploymentStateChangeEvent
        | AlarmStateChangeEvent
        | ExecutionStatusChangeEvent
    )
    EVENT_MODELS: tuple[type[EventEnvelope], ...]


def model_of(detail_type: str) -> type[EventEnvelope] | None:
    """The model of a consumed ``detail_type`` (its module imported on first use), or ``None``.

    >>> model_of("CloudWatch Alarm State Change").__name__, model_of("Object Deleted")
    ('AlarmStateChangeEvent', None)
    """
    home = _MODELS.get(detail_type)
    if home is None:
        return None
    module, name = home
    model: type[EventEnvelope] = getattr(import_module(f"mlops_core.events.{module}"), name)
    return model


def __getattr__(name: str) -> Any:
    """``EVENT_MODELS`` (every consumed model; each names its ``DETAIL_TYPE`` and ``SOURCE``, what the template's
    rules must match) and ``ConsumedEvent`` (any of them, usable with ``isinstance``), built when first read."""
    if name == "EVENT_MODELS":
        return tuple(model_of(detail_type) for detail_type in _MODELS)
    if name == "ConsumedEvent":
        return reduce(operator.or_, (model_of(detail_type) for detail_type in _MODELS))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_MAX_REPORTED_ERRORS = 5
_MAX_SHOWN_INPUT = 80


def _load(raw: object, what: str) -> dict[str, Any]:
    if isinstance(raw, bytes | bytearray):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidEventError(f"{what} is not UTF-8 text") from None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise InvalidEventError(f"{what} is not valid JSON: {exc}") from None
    if isinstance(raw, Mapping):
        return dict(raw)
    raise InvalidEventError(f"{what} must be a JSON object, got {type(raw).__name__}")


def _is_sqs_record(document: Mapping[str, Any]) -> bool:
    return document.get("eventSource") == "aws:sqs" or ("body" in document and "messageId" in document)


def _reject_records(document: Mapping[str, Any]) -> None:
    records = document["Records"]
    if not isinstance(records, list) or not records:
        raise InvalidEventError("'Records' must be a non-empty list")
    sources = {
        str(record.get("eventSource") or record.get("EventSource")) for record in records if isinstance(record, dict)
    }
    if "aws:sqs" in sources:
        raise InvalidEventError(
            f"an SQS batch event ({len(records)} record(s)) is not one event: parse its records one by one "
            "(parse_sqs_batch, or parse_event on each record)"
        )
    if "aws:s3" in sources:
        raise UnsupportedEventError(
            "classic S3 event notification (Records[].eventSource aws:s3) is not consumed: "
            "this system reads S3 'Object Created' events from EventBridge"
        )
    if "aws:sns" in sources:
        raise UnsupportedEventError("SNS notification (Records[].EventSource aws:sns) is not consumed")
    raise UnsupportedEventError(f"a batch of records from {sorted(sources)} is not consumed")


def _foreign_shape(document: Mapping[str, Any]) -> str | None:
    """Why a recognisable non-EventBridge payload is unsupported, or ``None``."""
    if "detail-type" in document:
        return None
    if "alarmData" in document and "alarmArn" in document:
        return (
            "CloudWatch alarm Lambda-action payload (alarmArn/alarmData) is not consumed: "
            "this system reads 'CloudWatch Alarm State Change' events from EventBridge"
        )
    if document.get("Event") == "s3:TestEvent":
        return "S3 test event (s3:TestEvent, sent when a notification configuration is saved) is not consumed"
    if isinstance(document.get("Messages"), list):
        return "SQS ReceiveMessage API response is not a Lambda event: parse each message's Body"
    if document.get("Type") == "Notification" and "TopicArn" in document:
        return "SNS notification message is not consumed"
    return None


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN_INPUT else text[: _MAX_SHOWN_INPUT - 3] + "..."


def _describe(model: type[EventEnvelope], exc: ValidationError) -> str:
    problems = []
    for error in exc.errors(include_url=False)[:_MAX_REPORTED_ERRORS]:
        location = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        quiet = error["type"] in {"missing", "value_error"} or not location  # value errors quote the value
        shown = "" if quiet else f" (got {_short(error['input'])})"
        problems.append(f"{location}: {message}{shown}" if location else message)
    more = exc.error_count() - _MAX_REPORTED_ERRORS
    suffix = f"; and {more} more" if more > 0 else ""
    return f"invalid {model.DETAIL_TYPE!r} event: " + "; ".join(problems) + suffix


def _parse_envelope(document: Mapping[str, Any]) -> ConsumedEvent:
    detail_type = document.get("detail-type")
    if detail_type is None:
        if "source" in document or "detail" in document:
            raise InvalidEventError("missing 'detail-type': not an EventBridge event")
        raise InvalidEventError(f"not an event this system recognises (keys: {sorted(document)[:10]})")
    if not isinstance(detail_type, str):
        raise InvalidEventError(f"'detail-type' must be a string, got {_short(detail_type)}")
    source = document.get("source")
    if not isinstance(source, str):
        raise InvalidEventError(f"'source' must be a string, got {_short(source)}", detail_type=detail_type)
    model = model_of(detail_type)
    if model is None:
        raise UnsupportedEventError(
            f"detail-type {detail_type!r} from {source!r} is not consumed", source=source, detail_type=detail_type
        )
    if source != model.SOURCE:
        raise UnsupportedEventError(
            f"detail-type {detail_type!r} is consumed from {model.SOURCE!r} only, not from {source!r}",
            source=source,
            detail_type=detail_type,
        )
    detail = document.get("detail")
    if not isinstance(detail, Mapping):
        problem = "is missing" if detail is None else f"must be a JSON object, got {type(detail).__name__}"
        raise InvalidEventError(f"'detail' {problem}", source=source, detail_type=model.DETAIL_TYPE)
    try:
        return cast("ConsumedEvent", model.model_validate({**document, "detail": dict(detail)}))
    except ValidationError as exc:
        raise InvalidEventError(_describe(model, exc), source=source, detail_type=model.DETAIL_TYPE) from None


def _parse_document(document: Mapping[str, Any], *, inside_sqs: bool) -> ConsumedEvent:
    if "Records" in document:
        _reject_records(document)
    if _is_sqs_record(document):
        if inside_sqs:
            raise InvalidEventError("an SQS message body is itself an SQS record")
        body = document.get("body")
        if not isinstance(body, str):
            raise InvalidEventError(f"SQS record 'body' must be a string, got {type(body).__name__}")
        return _parse_document(_load(body, "SQS message body"), inside_sqs=True)
    reason = _foreign_shape(document)
    if reason is not None:
        raise UnsupportedEventError(reason)
    return _parse_envelope(document)


def parse_event(raw: Mapping[str, Any] | str | bytes, *, origin: Origin | None = None) -> ConsumedEvent:
    """Classify one incoming event and return its typed model.

    Parameters
    ----------
    raw
        An EventBridge event, an SQS record whose body is one, or the JSON text of either.
    origin
        The calling function's account and Region: an event of another account, Region or partition (envelope or
        any ARN it carries) is refused. Handlers always pass it; tests of the models may not.

    Returns
    -------
    ConsumedEvent
        One of the eight models, normalised (UTC datetimes, API status spellings, decoded S3 key, int version).

    Raises
    ------
    UnsupportedEventError
        A well-formed event of a type the system does not consume.
    InvalidEventError
        A malformed event (including an SQS batch, which is not one event); the reason names the field.
    ForeignEventError
        With ``origin``: the event is of another account, Region or partition, or names resources there.
    """
    event = _parse_document(_load(raw, "event"), inside_sqs=False)
    if origin is not None:
        reason = foreign_reason(event, origin)
        if reason is not None:
            raise ForeignEventError(reason, source=event.source, detail_type=event.detail_type)
    return event


def parse_sqs_batch(raw: Mapping[str, Any] | str | bytes) -> list[tuple[str, ConsumedEvent | EventError]]:
    """Parse a Lambda SQS batch event record by record.

    Parameters
    ----------
    raw
        ``{"Records": [<SQS record>, ...]}`` as Lambda delivers it (or its JSON text).

    Returns
    -------
    list of (message_id, event or error)
        In record order: the parsed event, or the :class:`EventError` explaining why that record is not acted on.
        Handlers acknowledge :class:`EventError` records (logging the reason) and report as ``batchItemFailures``
        only the records whose *processing* failed for a transient reason.

    Raises
    ------
    InvalidEventError
        When ``raw`` is not an SQS batch (no ``Records`` list, a record that is not an SQS record or has no
        ``messageId``).
    """
    document = _load(raw, "SQS batch event")
    records = document.get("Records")
    if not isinstance(records, list):
        raise InvalidEventError("not an SQS batch event: 'Records' list missing")
    outcomes: list[tuple[str, ConsumedEvent | EventError]] = []
    for index, record in enumerate(records):
        if not isinstance(record, Mapping) or not _is_sqs_record(record):
            raise InvalidEventError(f"Records[{index}] is not an SQS record")
        message_id = record.get("messageId")
        if not isinstance(message_id, str) or not message_id:
            raise InvalidEventError(f"Records[{index}] has no 'messageId'")
        try:
            outcomes.append((message_id, parse_event(record)))
        except EventError as error:
            outcomes.append((message_id, error))
    return outcomes


def parse_event_as[E: EventEnvelope](
    raw: Mapping[str, Any] | str | bytes, model: type[E], what: str, *, origin: Origin
) -> E:
    """:func:`parse_event` with the handler's ``origin``, then require ``model``: every single-purpose handler's
    prologue.

    Raises
    ------
    UnsupportedEventError
        The event is well formed but of another consumed type; the reason reads ``"<detail-type> is not <what>"``.
    InvalidEventError, UnsupportedEventError, ForeignEventError
        As :func:`parse_event`.
    """
    parsed = parse_event(raw, origin=origin)
    if not isinstance(parsed, model):
        raise UnsupportedEventError(
            f"{parsed.detail_type} is not {what}", source=parsed.source, detail_type=parsed.detail_type
        )
    return parsed
