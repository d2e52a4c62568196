"""Contract: variants of real events that the parser has never seen read exactly like the originals.

Variants AWS (or our own plumbing) may produce: unknown fields added anywhere, the endpoint status in the event's or
the API's spelling, the model package version as a string or a number, any timestamp spelling AWS prints for
``time``, and every delivery form (dict, JSON text, bytes, SQS record, SQS message body).
What AWS does not send is refused: a variant missing a required field, or spelling a status or the detail-type
otherwise than AWS does, is invalid or unsupported, and the reason names the field or the detail-type.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlops_core.events import (
    AlarmStateChangeEvent,
    ConsumedEvent,
    EndpointDeploymentStateChangeEvent,
    EndpointStateChangeEvent,
    EventError,
    ExecutionStatusChangeEvent,
    InvalidEventError,
    LabelingJobStateChangeEvent,
    ModelPackageStateChangeEvent,
    PipelineExecutionStatusChangeEvent,
    S3ObjectCreatedEvent,
    UnsupportedEventError,
    parse_event,
)
from mlops_core.events.values import upper_snake
from tests.support.events import project_event_paths, samples_if_present
from tests.support.files import load_json

Path_ = tuple[str | int, ...]


def _real_events() -> list[tuple[str, dict[str, Any]]]:
    """Every real event (corpus, through the loader, when present, and events/) of a consumed type that parses,
    with its name."""
    pool: list[tuple[str, dict[str, Any]]] = []
    raws = [(s.file, s.load()) for s in samples_if_present()]
    raws += [(p.name, load_json(p)) for p in project_event_paths()]
    for name, raw in raws:
        records = raw.get("Records") if isinstance(raw, dict) else None
        bodies = [r["body"] for r in records if isinstance(r, dict) and "body" in r] if records else []
        candidates = [json.loads(body) for body in bodies] if records else [raw]
        for candidate in candidates:
            try:
                parsed = parse_event(candidate)
            except EventError:
                continue  # not a consumed event (or a redacted capture): not a seed for variants
            if isinstance(parsed, ConsumedEvent):
                pool.append((name, candidate))
    return pool


REAL_EVENTS = _real_events()

# Status fields per model, as raw paths ("*" walks every item of a list).
STATUS_PATHS: dict[type, list[Path_]] = {
    LabelingJobStateChangeEvent: [("detail", "LabelingJobStatus")],
    PipelineExecutionStatusChangeEvent: [
        ("detail", "currentPipelineExecutionStatus"),
        ("detail", "previousPipelineExecutionStatus"),
    ],
    ModelPackageStateChangeEvent: [("detail", "ModelApprovalStatus"), ("detail", "ModelPackageStatus")],
    EndpointStateChangeEvent: [("detail", "EndpointStatus")],
    ExecutionStatusChangeEvent: [],  # Step Functions spells its statuses one way only (FAILED, TIMED_OUT...)
    EndpointDeploymentStateChangeEvent: [
        ("detail", "EndpointStatus"),
        ("detail", "ProductionVariants", "*", "VariantStatus", "*", "Status"),
        ("detail", "PendingDeploymentSummary", "ProductionVariants", "*", "VariantStatus", "*", "Status"),
    ],
    AlarmStateChangeEvent: [("detail", "state", "value"), ("detail", "previousState", "value")],
    S3ObjectCreatedEvent: [],
}
# Mappings whose keys are data (adding a key changes the event), so no noise goes there.
DATA_MAPPINGS = {"dimensions", "Tags", "CustomerMetadataProperties"}


def _words(status: str) -> list[str]:
    if "_" in status or status.isupper():
        return [word for word in status.split("_") if word]
    return re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", status)


SPELLINGS: list[Callable[[list[str]], str]] = [
    lambda words: "_".join(w.upper() for w in words),  # IN_SERVICE
    lambda words: "_".join(w.lower() for w in words),  # in_service
    lambda words: "".join(w.capitalize() for w in words),  # InService
    lambda words: " ".join(w.capitalize() for w in words),  # In Service
]
"""Spellings of a status; AWS sends one of them per field (see ``documented``)."""
ENDPOINT_STATUS = "EndpointStatus"


def documented(path: Path_, status: str) -> set[str]:
    """The spellings AWS sends at ``path`` for ``status``: the one it has, and for ``EndpointStatus`` both the API's
    and the event's upper snake case."""
    if path[-1] != ENDPOINT_STATUS:
        return {status}
    api = "".join(w.capitalize() for w in _words(status))
    return {api, upper_snake(api)}


def _nodes(node: Any, path: Path_) -> list[tuple[Any, str | int]]:
    """(parent, key) pairs the path reaches in node."""
    if not path:
        return []
    head, rest = path[0], path[1:]
    items: list[tuple[str | int, Any]]
    if head == "*":
        items = list(enumerate(node)) if isinstance(node, list) else []
    elif isinstance(node, dict) and head in node:
        items = [(head, node[head])]
    else:
        items = []
    if not rest:
        return [(node, key) for key, _ in items]
    return [found for _, child in items for found in _nodes(child, rest)]


def _add_noise(node: Any, draw: Callable[..., Any], depth: int = 0) -> None:
    if isinstance(node, dict):
        for key, child in list(node.items()):
            if key not in DATA_MAPPINGS:
                _add_noise(child, draw, depth + 1)
        if draw(st.booleans()):
            node[f"zzExtra{depth}"] = draw(st.none() | st.integers() | st.text(max_size=8) | st.lists(st.integers()))
    elif isinstance(node, list):
        for child in node:
            _add_noise(child, draw, depth + 1)


def _respell_time(moment: datetime, draw: Callable[..., Any]) -> object:
    epoch_ms = (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    offset = timezone(timedelta(minutes=draw(st.integers(min_value=-12 * 60, max_value=14 * 60))))
    return draw(
        st.sampled_from(
            [
                epoch_ms,
                str(epoch_ms),
                float(epoch_ms),
                moment.isoformat().replace("+00:00", "Z"),
                moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000",
                moment.astimezone(offset).isoformat(),
            ]
        )
    )


def _deliver(raw: dict[str, Any], draw: Callable[..., Any]) -> Any:
    text = json.dumps(raw)
    record = {"messageId": "0d9e5f4a", "body": text, "eventSource": "aws:sqs", "awsRegion": "us-east-1"}
    return draw(st.sampled_from([raw, text, text.encode(), record, json.dumps(record)]))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(REAL_EVENTS), st.data())
def test_variant_of_a_real_event_reads_like_the_original(
    named: tuple[str, dict[str, Any]], data: st.DataObject
) -> None:
    _, original = named
    expected = parse_event(original)
    variant = copy.deepcopy(original)
    draw = data.draw

    if draw(st.booleans(), label="add unknown fields"):
        _add_noise(variant, draw)
    for path in STATUS_PATHS[type(expected)]:
        for parent, key in _nodes(variant, path):
            if isinstance(parent[key], str) and path[-1] == ENDPOINT_STATUS:
                parent[key] = draw(st.sampled_from(sorted(documented(path, parent[key]))))
    if isinstance(expected, ModelPackageStateChangeEvent) and draw(st.booleans(), label="version as the other type"):
        version = variant["detail"]["ModelPackageVersion"]
        variant["detail"]["ModelPackageVersion"] = str(version) if isinstance(version, int) else int(version)
    if draw(st.booleans(), label="respell time"):
        variant["time"] = _respell_time(expected.time, draw)

    assert parse_event(_deliver(variant, draw)) == expected


STATUS_VARIANTS = [
    pytest.param(raw, path, id=f"{name}-{'.'.join(map(str, path))}")
    for name, raw in REAL_EVENTS
    for path in STATUS_PATHS[type(parse_event(raw))]
    if any(isinstance(parent[key], str) for parent, key in _nodes(raw, path))
]


@settings(max_examples=20, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@pytest.mark.parametrize(("raw", "path"), STATUS_VARIANTS)
@given(spelling=st.sampled_from(SPELLINGS))
def test_a_status_spelt_otherwise_than_aws_sends_it_is_invalid(
    raw: dict[str, Any], path: Path_, spelling: Callable[[list[str]], str]
) -> None:
    variant = copy.deepcopy(raw)
    (parent, key), *_ = _nodes(variant, path)
    respelt = spelling(_words(parent[key]))
    if respelt in documented(path, parent[key]):
        return  # a spelling AWS sends: read like the original (the test above)
    parent[key] = respelt
    with pytest.raises(InvalidEventError) as excinfo:
        parse_event(variant)
    assert "is not one of AWS's documented values" in excinfo.value.reason


@pytest.mark.parametrize("respell", [str.upper, str.lower, lambda t: t.replace(" ", ""), lambda t: t.replace(" ", "-")])
@pytest.mark.parametrize(
    ("name", "raw"), REAL_EVENTS[:1] + REAL_EVENTS[-1:], ids=lambda v: v if isinstance(v, str) else ""
)
def test_a_detail_type_spelt_otherwise_than_aws_sends_it_is_unsupported(
    name: str, raw: dict[str, Any], respell: Callable[[str], str]
) -> None:
    variant = {**raw, "detail-type": respell(raw["detail-type"])}
    with pytest.raises(UnsupportedEventError, match="is not consumed"):
        parse_event(variant)


REQUIRED: dict[type, list[tuple[Path_, str]]] = {
    S3ObjectCreatedEvent: [
        (("detail", "bucket", "name"), "detail.bucket.name: Field required"),
        (("detail", "object", "key"), "detail.object.key: Field required"),
        (("detail", "object", "size"), "detail.object.size: Field required"),
        (("detail", "object", "etag"), "detail.object.etag: Field required"),
    ],
    LabelingJobStateChangeEvent: [
        (("detail", "LabelingJobStatus"), "detail.LabelingJobStatus: Field required"),
        (("resources",), "resources.0: the labeling job ARN is missing"),
    ],
    PipelineExecutionStatusChangeEvent: [
        (("detail", "pipelineExecutionArn"), "detail.pipelineExecutionArn: Field required"),
        (("detail", "currentPipelineExecutionStatus"), "detail.currentPipelineExecutionStatus: Field required"),
    ],
    ModelPackageStateChangeEvent: [(("detail", "ModelApprovalStatus"), "detail.ModelApprovalStatus: Field required")],
    EndpointStateChangeEvent: [
        (("detail", "EndpointName"), "detail.EndpointName: Field required"),
        (("detail", "EndpointStatus"), "detail.EndpointStatus: Field required"),
    ],
    EndpointDeploymentStateChangeEvent: [(("detail", "EndpointName"), "detail.EndpointName: Field required")],
    AlarmStateChangeEvent: [
        (("detail", "alarmName"), "detail.alarmName: Field required"),
        (("detail", "state", "value"), "detail.state.value: Field required"),
    ],
    ExecutionStatusChangeEvent: [
        (("detail", "executionArn"), "detail.executionArn: Field required"),
        (("detail", "stateMachineArn"), "detail.stateMachineArn: Field required"),
        (("detail", "status"), "detail.status: Field required"),
        (("detail", "startDate"), "detail.startDate: Field required"),
    ],
}
ENVELOPE_REQUIRED: list[tuple[Path_, str]] = [
    (("id",), "id: Field required"),
    (("account",), "account: Field required"),
    (("region",), "region: Field required"),
    (("time",), "time: Field required"),
    (("detail",), "'detail' is missing"),
    (("detail-type",), "missing 'detail-type'"),
]
REMOVALS = [
    pytest.param(raw, path, reason, id=f"{name}-{'.'.join(map(str, path))}")
    for name, raw in REAL_EVENTS
    for path, reason in ENVELOPE_REQUIRED + REQUIRED[type(parse_event(raw))]
    if _nodes(raw, path)
]


@pytest.mark.parametrize(("raw", "path", "reason"), REMOVALS)
def test_real_event_missing_a_required_field_is_invalid_naming_it(
    raw: dict[str, Any], path: Path_, reason: str
) -> None:
    variant = copy.deepcopy(raw)
    for parent, key in _nodes(variant, path):
        del parent[key]
    with pytest.raises(InvalidEventError) as excinfo:
        parse_event(variant)
    assert reason in excinfo.value.reason


def test_every_consumed_model_has_real_events_to_vary() -> None:
    assert {type(parse_event(raw)) for _, raw in REAL_EVENTS} == set(STATUS_PATHS)
    assert all(isinstance(parse_event(raw), ConsumedEvent) for _, raw in REAL_EVENTS)
