"""Events of another account, Region or partition are refused as not ours (#12, point 3), by every handler.

The origin check is the handler's (a pattern cannot say "this stack's account"): ``parse_event(raw, origin=...)``
raises :class:`ForeignEventError` naming what is not ours. Each function's handler passes its own origin, read from
``ACCOUNT_ID`` and ``AWS_REGION``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import botocore.session
import pytest

from mlops_core.config import OriginSettings
from mlops_core.errors import ConfigurationError
from mlops_core.events import ForeignEventError, InvalidEventError, Origin, arns, parse_event
from mlops_core.events.origin import partition_of
from tests.support.deploy.handlers import context, load_handler
from tests.support.events import project_event as sample

OURS = Origin.of("123456789012", "us-east-1")
OTHER = "210987654321"
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
SAMPLES = [
    "alarm_state_alarm.json",
    "model_package_approved.json",
    "endpoint_state_in_service.json",
    "endpoint_deployment_state.json",
    "labeling_job_completed.json",
    "pipeline_execution_succeeded.json",
    "execution_failed.json",
]


def s3_event() -> dict[str, Any]:
    event: dict[str, Any] = json.loads(sample("data_arrival_sqs.json")["Records"][0]["body"])
    return event


def everywhere(text: str, old: str, new: str) -> Any:
    """``text`` (an event) with every occurrence of ``old`` replaced by ``new``, envelope and ARNs alike."""
    return json.loads(json.dumps(text).replace(old, new))


def test_every_region_aws_publishes_has_the_region_shape_and_its_partition() -> None:
    session = botocore.session.get_session()
    partitions = session.get_component("data_loader").load_data("endpoints")["partitions"]
    regions = [(p["partition"], region) for p in partitions for region in p["regions"]]
    assert len(regions) > 30
    for partition, region in regions:
        assert arns.REGION.fullmatch(region), region
        assert partition_of(region) == partition, region


@pytest.mark.parametrize("name", SAMPLES)
def test_a_sample_of_our_account_and_region_is_ours(name: str) -> None:
    assert parse_event(sample(name), origin=OURS).account == OURS.account


@pytest.mark.parametrize("name", SAMPLES)
def test_the_same_event_from_another_account_is_refused_naming_the_account(name: str) -> None:
    foreign = everywhere(sample(name), OURS.account, OTHER)  # type: ignore[arg-type]
    with pytest.raises(ForeignEventError, match=f"event from account '{OTHER}', not this stack's account"):
        parse_event(foreign, origin=OURS)


@pytest.mark.parametrize("name", SAMPLES)
def test_an_arn_of_another_account_in_an_event_of_ours_is_refused(name: str) -> None:
    raw = sample(name)
    foreign = {**everywhere(raw, OURS.account, OTHER), "account": OURS.account}  # type: ignore[arg-type]
    with pytest.raises(ForeignEventError, match=f"of account '{OTHER}', not {OURS.account}"):
        parse_event(foreign, origin=OURS)


@pytest.mark.parametrize("name", SAMPLES)
def test_an_event_of_another_region_is_refused(name: str) -> None:
    foreign = everywhere(sample(name), "us-east-1", "eu-west-1")  # type: ignore[arg-type]
    with pytest.raises(ForeignEventError, match="event from Region 'eu-west-1', not this stack's Region us-east-1"):
        parse_event(foreign, origin=OURS)


def test_an_arn_of_another_partition_is_refused() -> None:
    raw = sample("alarm_state_alarm.json")
    raw["resources"] = [raw["resources"][0].replace("arn:aws:", "arn:aws-cn:")]
    with pytest.raises(ForeignEventError, match="of partition 'aws-cn', not aws"):
        parse_event(raw, origin=OURS)


def test_an_s3_event_names_no_bucket_owner_so_its_envelope_account_decides() -> None:
    assert parse_event(s3_event(), origin=OURS).account == OURS.account
    with pytest.raises(ForeignEventError, match=f"account '{OTHER}'"):
        parse_event({**s3_event(), "account": OTHER}, origin=OURS)


def test_a_redacted_capture_is_never_ours() -> None:
    """A placeholder is no AWS account: the event is refused before the origin is even compared."""
    raw = {**sample("labeling_job_completed.json"), "account": "<account>"}
    raw["resources"] = ["arn:aws:sagemaker:us-east-1:<account>:labeling-job/<project-name>"]
    for origin in (None, OURS):
        with pytest.raises(InvalidEventError, match="account: '<account>' is not an AWS account"):
            parse_event(raw, origin=origin)


def test_the_origin_comes_from_account_id_and_aws_region_and_a_missing_one_is_named() -> None:
    settings = OriginSettings.from_env({"ACCOUNT_ID": "123456789012", "AWS_REGION": "us-gov-west-1"})
    assert settings.origin() == Origin("123456789012", "us-gov-west-1", "aws-us-gov")
    with pytest.raises(ConfigurationError, match="ACCOUNT_ID is required"):
        OriginSettings.from_env({"AWS_REGION": "us-east-1"})
    with pytest.raises(ConfigurationError, match="ACCOUNT_ID"):
        OriginSettings.from_env({"ACCOUNT_ID": "1234", "AWS_REGION": "us-east-1"})


# -- every handler refuses, before wiring anything --------------------------------------------------------------


def _not_wired() -> Any:
    raise AssertionError("a foreign event reached the wiring: the handler would have called AWS")


HANDLERS = [
    ("approval", "model_package_approved.json"),
    ("rollback", "alarm_state_alarm.json"),
    ("labeling_events", "labeling_job_completed.json"),
    ("pipeline_events", "pipeline_execution_succeeded.json"),
    ("endpoint_events", "endpoint_state_in_service.json"),
    ("execution_events", "execution_failed.json"),
]


@pytest.mark.parametrize(("function", "name"), HANDLERS)
def test_each_handler_ignores_an_event_of_another_account_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, function: str, name: str
) -> None:
    app: ModuleType = load_handler(function)
    monkeypatch.setattr(app, "dependencies", _not_wired)

    result = app.lambda_handler(everywhere(sample(name), OURS.account, OTHER), context())  # type: ignore[arg-type]

    assert result["outcome"] == "ignored"
    assert f"event from account '{OTHER}'" in result["reason"]


@pytest.mark.parametrize(("function", "name"), HANDLERS)
def test_each_handler_reads_its_own_account_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, function: str, name: str
) -> None:
    app: ModuleType = load_handler(function)
    monkeypatch.setattr(app, "dependencies", _not_wired)
    monkeypatch.setenv("ACCOUNT_ID", OTHER)  # the samples' account is no longer this function's

    result = app.lambda_handler(sample(name), context())

    assert result == {"outcome": "ignored", "reason": result["reason"]}
    assert f"event from account '{OURS.account}', not this stack's account {OTHER}" == result["reason"]


def test_data_arrival_checks_each_sqs_record_and_ignores_the_foreign_ones_only() -> None:
    from mlops_core.ingest.service import SqsMessage, handle_messages
    from tests.support.fakes.data_arrival import (
        BUCKET,
        FakeLabelingJobs,
        InMemoryBatchStore,
        InMemoryObjectStore,
        make_arrival,
        s3_event,
    )

    jobs, objects = FakeLabelingJobs(), InMemoryObjectStore(BUCKET)
    ours = s3_event("incoming/a.txt")
    theirs = {**s3_event("incoming/b.txt"), "account": OTHER}
    messages = [SqsMessage("ours", json.dumps(ours)), SqsMessage("theirs", json.dumps(theirs))]

    report = handle_messages(messages, make_arrival(InMemoryBatchStore(), objects, jobs), NOW)

    assert (report.accepted, report.ignored) == (1, 1)
    (reason,) = report.ignored_reasons
    assert reason == f"event from account '{OTHER}', not this stack's account {OURS.account}"
    assert len(jobs.calls) == 1
    assert "incoming/b.txt" not in json.dumps(objects.written)
