"""Contract: every real AWS sample event is classified as decided, file by file.

Every sample is read through the one loader (``tests/support/events.py``), which normalises the documented quirks it
can put back honestly (``QUIRKS``, per sample, with the reason). Rule for the corpus: a sample of a consumed type
parses into its model; a sample of any other type raises UnsupportedEventError. Files where that rule does not apply
(every sample with a redacted value among them: the strict models refuse what AWS never sends), and every file the
corpus flags as negative or odd, are decided explicitly in DECISIONS, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

import pytest

from mlops_core.events import (
    EVENT_MODELS,
    EndpointStateChangeEvent,
    EventEnvelope,
    EventError,
    InvalidEventError,
    S3ObjectCreatedEvent,
    UnsupportedEventError,
    parse_event,
    parse_sqs_batch,
)
from tests.support.events import QUIRKS, REDACTED, AwsSample, all_samples, load_sample, sample


@dataclass(frozen=True)
class Parses:
    """The file parses into ``model``."""

    model: type[EventEnvelope]
    why: str


@dataclass(frozen=True)
class Raises:
    """The file raises ``error`` whose reason contains ``reason``."""

    error: type[EventError]
    reason: str
    why: str


BATCH = "is not one event: parse its records one by one"
REKOGNITION_PLACEHOLDERS = (
    "sagemaker-ground-truth-labeling-job-state-change/aws-samples-rekognition-custom-brand-detection-placeholders.json"
)
NOT_AN_ACCOUNT = "account: '<<account>>' is not an AWS account (12 digits)"

DECISIONS: dict[str, Parses | Raises] = {
    # --- flagged negative or odd in the corpus ---------------------------------------------------------------
    "sagemaker-endpoint-state-change/awsdocs-sm-devguide-2020-nospace-detail-type.json": Parses(
        EndpointStateChangeEvent,
        "the 2020 guide's 'SageMakerEndpointStateChange' (a documentation error) is put back to 'SageMaker Endpoint "
        "State Change' by the loader (QUIRKS); the model matches the detail-type exactly",
    ),
    "s3-notification-schema-template/awsdocs-s3-userguide-structure-template-v2.2.json": Raises(
        UnsupportedEventError, "classic S3 event notification", "a classic notification (template), never consumed"
    ),
    **{
        f"cloudwatch-alarm-configuration-change/awsdocs-cloudwatch-userguide-2023-{name}.json": Raises(
            UnsupportedEventError,
            "'CloudWatch Alarm Configuration Change' from 'aws.cloudwatch' is not consumed",
            "a configuration change is not a state change: rollback must not fire on it",
        )
        for name in (
            "create-composite",
            "create-composite-with-suppressor",
            "update-metric-alarm",
            "update-composite-with-suppressor",
            "delete-metric-math",
            "delete-composite-with-suppressor",
        )
    },
    "eventbridge-generic/awsdocs-lambda-devguide-java-events-cloudwatch-scheduled.json": Raises(
        UnsupportedEventError,
        "'Scheduled Event' from 'aws.events' is not consumed",
        "the loader puts the Java POJO 'detailType' back to 'detail-type' (QUIRKS): a scheduled event, not consumed",
    ),
    "cloudwatch-alarm-state-change/rust-runtime-hybrid-composite-with-suppressor.json": Raises(
        InvalidEventError,
        "'detail' is missing",
        "an alarm state change whose data sits under 'alarmData': malformed, so no rollback on a guess",
    ),
    "cloudwatch-alarm-lambda-action/rust-runtime-composite.json": Raises(
        UnsupportedEventError, "Lambda-action payload", "the alarm Lambda-action format is not consumed"
    ),
    "cloudwatch-alarm-lambda-action/rust-runtime-metric.json": Raises(
        UnsupportedEventError, "Lambda-action payload", "the alarm Lambda-action format is not consumed"
    ),
    "eventbridge-generic/aws-samples-drift-detection-codepipeline-execution-state-change.json": Raises(
        UnsupportedEventError,
        "'CodePipeline Pipeline Execution State Change' from 'aws.codepipeline' is not consumed",
        "another service's event; its malformed ARN placeholder is never read",
    ),
    "sqs-wrapped-eventbridge/aws-samples-serverless-patterns-sqs-api-receive-message.json": Raises(
        UnsupportedEventError, "SQS ReceiveMessage API response", "an API response, not a Lambda event"
    ),
    "sqs-wrapped-eventbridge/powertools-pr4069-sqs-eventbridge-s3-object-created-sanitized.json": Raises(
        InvalidEventError, BATCH, "an SQS batch; its record parses (see the batch test), odd IP notwithstanding"
    ),
    # --- not flagged: redacted captures. A redacted value cannot be put back, so the strict models refuse them ---
    "s3-object-created-eventbridge/localstack-snapshot-recorded.json": Raises(
        InvalidEventError,
        "time: timestamp 'date' is neither ISO-8601 nor epoch milliseconds",
        "LocalStack's snapshot replaced the envelope 'time' by the word 'date' (and the Region, bucket and key by "
        "placeholders): AWS always sends a time",
    ),
    "sagemaker-model-package-state-change/aws-samples-drift-detection-approved-redacted.json": Raises(
        InvalidEventError,
        NOT_AN_ACCOUNT,
        "a redacted capture: account, Region, group and version ('<<version>>') are placeholders",
    ),
    "sagemaker-pipeline-execution-status-change/aws-samples-drift-detection-succeeded-redacted.json": Raises(
        InvalidEventError,
        NOT_AN_ACCOUNT,
        "a redacted capture: account, Region, pipeline and execution are placeholders",
    ),
    "cloudwatch-alarm-state-change/aws-samples-drift-detection-model-monitor-alarm-redacted.json": Raises(
        InvalidEventError, NOT_AN_ACCOUNT, "a redacted capture: account, Region and the alarm's name are placeholders"
    ),
    REKOGNITION_PLACEHOLDERS: Raises(
        InvalidEventError,
        "account: '<account>' is not an AWS account (12 digits)",
        "account, Region and the job's name are placeholders ('<account>', '<project-name>')",
    ),
    "sqs-wrapped-eventbridge/powertools-pr4069-sqs-eventbridge-s3-object-created.json": Raises(
        InvalidEventError, BATCH, "an SQS batch: parse_sqs_batch reads it"
    ),
    **{
        f"sqs-wrapped-s3-notification/{name}.json": Raises(
            InvalidEventError, BATCH, "an SQS batch: parse_sqs_batch reads it (its records are unsupported)"
        )
        for name in (
            "powertools-python-s3SqsEvent",
            "powertools-pr4069-sqs-s3",
            "powertools-pr4069-sqs-sns-s3",
            "powertools-pr4069-sqs-rawsns-s3",
        )
    },
}

_MODEL_BY_TYPE = {(model.SOURCE, model.DETAIL_TYPE): model for model in EVENT_MODELS}


def _consumed_model(entry: AwsSample) -> type[EventEnvelope] | None:
    return _MODEL_BY_TYPE.get((entry.source or "", entry.detail_type or ""))


def _by_rule(consumed: bool) -> list[AwsSample]:
    return [s for s in all_samples() if s.file not in DECISIONS and (_consumed_model(s) is not None) == consumed]


def test_every_flagged_sample_is_decided_explicitly() -> None:
    flagged = {s.file for s in all_samples() if s.odd}
    assert flagged - DECISIONS.keys() == set()


def test_every_decision_names_a_sample_of_the_corpus() -> None:
    listed = {s.file for s in all_samples()}
    assert DECISIONS.keys() - listed == set()


def test_every_redacted_sample_is_decided_as_refused() -> None:
    decided = {file: DECISIONS.get(file) for file in REDACTED}
    assert {
        file for file, d in decided.items() if not (isinstance(d, Raises) and d.error is InvalidEventError)
    } == set()
    assert REDACTED.keys().isdisjoint(QUIRKS)


def test_every_quirk_names_a_sample_of_the_corpus_and_changes_it() -> None:
    listed = {s.file for s in all_samples()}
    assert QUIRKS.keys() <= listed
    for file in QUIRKS:
        assert sample(file).load() != sample(file).raw(), file


@pytest.mark.parametrize(
    ("file", "error", "reason"),
    [
        (
            "sagemaker-endpoint-state-change/awsdocs-sm-devguide-2020-nospace-detail-type.json",
            UnsupportedEventError,
            "detail-type 'SageMakerEndpointStateChange' from 'aws.sagemaker' is not consumed",
        ),
        (
            "sagemaker-model-package-state-change/awsdocs-sm-devguide-2023-rejected.json",
            InvalidEventError,
            "'source' must be a string, got ['aws.sagemaker']",
        ),
        (
            "eventbridge-generic/awsdocs-lambda-devguide-java-events-cloudwatch-scheduled.json",
            InvalidEventError,
            "missing 'detail-type': not an EventBridge event",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and value.endswith(".json") else "",
)
def test_the_models_refuse_a_quirk_as_published(file: str, error: type[EventError], reason: str) -> None:
    """The quirks are the loader's, not the models': as published, the sample is refused."""
    with pytest.raises(error) as excinfo:
        parse_event(sample(file).raw())
    assert reason in excinfo.value.reason


def test_the_corpus_has_samples_of_every_consumed_type() -> None:
    parsed = {_consumed_model(s) for s in _by_rule(consumed=True)}
    assert parsed == set(EVENT_MODELS)


@pytest.mark.parametrize("entry", _by_rule(consumed=True), ids=lambda s: s.file)
def test_sample_of_a_consumed_type_parses_into_its_model(entry: AwsSample) -> None:
    event = parse_event(entry.load())
    assert type(event) is _consumed_model(entry)
    assert event.detail_type == entry.detail_type
    assert event.time.tzinfo is UTC


@pytest.mark.parametrize("entry", _by_rule(consumed=False), ids=lambda s: s.file)
def test_sample_of_another_type_is_unsupported(entry: AwsSample) -> None:
    with pytest.raises(UnsupportedEventError):
        parse_event(entry.load())


@pytest.mark.parametrize("file", sorted(DECISIONS), ids=str)
def test_decided_sample_is_classified_as_decided(file: str) -> None:
    decision = DECISIONS[file]
    raw = sample(file).load()
    if isinstance(decision, Parses):
        assert type(parse_event(raw)) is decision.model
    else:
        with pytest.raises(decision.error) as excinfo:
            parse_event(raw)
        assert decision.reason in excinfo.value.reason


@pytest.mark.parametrize(
    ("file", "outcome", "reason"),
    [
        ("sqs-wrapped-eventbridge/powertools-pr4069-sqs-eventbridge-s3-object-created.json", S3ObjectCreatedEvent, ""),
        (
            "sqs-wrapped-eventbridge/powertools-pr4069-sqs-eventbridge-s3-object-created-sanitized.json",
            S3ObjectCreatedEvent,
            "",
        ),
        ("sqs-wrapped-s3-notification/powertools-python-s3SqsEvent.json", UnsupportedEventError, "classic S3"),
        ("sqs-wrapped-s3-notification/powertools-pr4069-sqs-s3.json", UnsupportedEventError, "classic S3"),
        ("sqs-wrapped-s3-notification/powertools-pr4069-sqs-rawsns-s3.json", UnsupportedEventError, "classic S3"),
        ("sqs-wrapped-s3-notification/powertools-pr4069-sqs-sns-s3.json", UnsupportedEventError, "SNS notification"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_sqs_batch_sample_is_read_record_by_record(file: str, outcome: type, reason: str) -> None:
    raw = load_sample(file)
    results = parse_sqs_batch(raw)
    assert [message_id for message_id, _ in results] == [record["messageId"] for record in raw["Records"]]
    for _, result in results:
        assert isinstance(result, outcome)
        if isinstance(result, EventError):
            assert reason in result.reason


def test_sqs_api_response_is_not_an_sqs_batch() -> None:
    with pytest.raises(InvalidEventError, match="'Records' list missing"):
        parse_sqs_batch(
            load_sample("sqs-wrapped-eventbridge/aws-samples-serverless-patterns-sqs-api-receive-message.json")
        )
