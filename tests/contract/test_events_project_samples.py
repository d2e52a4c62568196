"""Contract: every sample in events/ (what users feed `sam local invoke`) parses into the model its function expects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlops_core.events import (
    AlarmStateChangeEvent,
    ConsumedEvent,
    EndpointDeploymentStateChangeEvent,
    EndpointStateChangeEvent,
    EventEnvelope,
    ExecutionStatusChangeEvent,
    LabelingJobStateChangeEvent,
    ModelPackageStateChangeEvent,
    PipelineExecutionStatusChangeEvent,
    S3ObjectCreatedEvent,
    parse_event,
    parse_sqs_batch,
)
from tests.support.events import PROJECT_EVENTS, project_event_paths
from tests.support.files import load_json

EXPECTED: dict[str, type[EventEnvelope]] = {
    "data_arrival_sqs.json": S3ObjectCreatedEvent,
    "labeling_job_completed.json": LabelingJobStateChangeEvent,
    "labeling_job_failed.json": LabelingJobStateChangeEvent,
    "pipeline_execution_succeeded.json": PipelineExecutionStatusChangeEvent,
    "pipeline_execution_failed.json": PipelineExecutionStatusChangeEvent,
    "model_package_approved.json": ModelPackageStateChangeEvent,
    "model_package_pending.json": ModelPackageStateChangeEvent,
    "model_package_rejected.json": ModelPackageStateChangeEvent,
    "endpoint_state_in_service.json": EndpointStateChangeEvent,
    "endpoint_deployment_state.json": EndpointDeploymentStateChangeEvent,
    "alarm_state_alarm.json": AlarmStateChangeEvent,
    "execution_failed.json": ExecutionStatusChangeEvent,
}
SAMPLES = project_event_paths()


def _events_in(path: Path) -> list[ConsumedEvent]:
    raw = load_json(path)
    if "Records" in raw:  # an SQS batch: each record is one event
        parsed = []
        for _, outcome in parse_sqs_batch(raw):
            assert isinstance(outcome, ConsumedEvent), f"{path.name}: {outcome}"
            parsed.append(outcome)
        return parsed
    return [parse_event(raw)]


def test_every_expected_sample_exists() -> None:
    assert {path.name for path in SAMPLES} >= EXPECTED.keys()


@pytest.mark.parametrize("path", SAMPLES, ids=lambda path: path.name)
def test_every_sample_parses(path: Path) -> None:
    events = _events_in(path)
    assert events
    if path.name in EXPECTED:
        assert {type(event) for event in events} == {EXPECTED[path.name]}


@pytest.mark.parametrize("path", SAMPLES, ids=lambda path: path.name)
def test_parsed_sample_survives_a_json_round_trip(path: Path) -> None:
    """Handlers pass parsed events on (Step Functions input, ledger); reading them back gives the same event."""
    for event in _events_in(path):
        assert type(event).model_validate_json(event.model_dump_json()) == event
        assert type(event).model_validate(json.loads(event.model_dump_json())) == event


def test_data_arrival_batch_keys_are_the_stored_keys_under_incoming() -> None:
    events = _events_in(PROJECT_EVENTS / "data_arrival_sqs.json")
    assert all(isinstance(event, S3ObjectCreatedEvent) for event in events)
    keys = [event.key for event in events if isinstance(event, S3ObjectCreatedEvent)]
    buckets = {event.bucket for event in events if isinstance(event, S3ObjectCreatedEvent)}
    assert buckets == {"mlops-dev-data-123456789012"}
    assert all(key.startswith("incoming/") for key in keys)
    assert any(" " in key for key in keys)
    assert any(not key.isascii() for key in keys)


@pytest.mark.parametrize(
    ("file", "status"),
    [
        ("labeling_job_completed.json", "Completed"),
        ("labeling_job_failed.json", "Failed"),
        ("pipeline_execution_succeeded.json", "Succeeded"),
        ("pipeline_execution_failed.json", "Failed"),
        ("model_package_approved.json", "Approved"),
        ("model_package_pending.json", "PendingManualApproval"),
        ("model_package_rejected.json", "Rejected"),
        ("endpoint_state_in_service.json", "InService"),
        ("endpoint_deployment_state.json", "Baking"),
        ("alarm_state_alarm.json", "ALARM"),
    ],
)
def test_sample_carries_the_state_its_name_says(file: str, status: str) -> None:
    (event,) = _events_in(PROJECT_EVENTS / file)
    states = {getattr(event, field, None) for field in ("status", "state", "approval_status") if hasattr(event, field)}
    assert status in states
