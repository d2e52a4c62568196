"""LabelingEventsFunction's handler: the project's sample events act, the real AWS samples (other accounts' jobs)
and other event types are acknowledged as ignored with their reason."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from mlops_core.labeling.service import LabelingEventsConfig, LabelingEventsPorts
from mlops_core.training.starts import TrainingLauncher
from tests.support.aws_corpus import corpus_params
from tests.support.events import REDACTED, all_samples, project_event
from tests.support.fakes.training import (
    BATCH,
    JOB,
    PIPELINE,
    STACK,
    FakeExecutions,
    FakeLabelingJobs,
    FakeNotifier,
    InMemoryTrainingRecords,
    labeling_job,
)
from tests.support.handlers import LambdaContext, load_handler

LABELING_DETAIL_TYPE = "SageMaker Ground Truth Labeling Job State Change"


class Wired:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.app = load_handler("labeling_events")
        self.jobs = FakeLabelingJobs(labeling_job())
        self.executions = FakeExecutions()
        self.records = InMemoryTrainingRecords()
        self.records.add_batch(BATCH)
        self.notifier = FakeNotifier()
        ports = LabelingEventsPorts(
            self.jobs, TrainingLauncher(self.executions, self.records), self.records, self.notifier
        )
        monkeypatch.setattr(self.app, "dependencies", lambda: (LabelingEventsConfig(STACK, PIPELINE), ports))

    def invoke(self, event: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.app.lambda_handler(event, LambdaContext())
        return result


@pytest.fixture
def wired(monkeypatch: pytest.MonkeyPatch) -> Wired:
    return Wired(monkeypatch)


def test_the_sample_completed_event_starts_training_on_the_jobs_output(wired: Wired) -> None:
    result = wired.invoke(project_event("labeling_job_completed.json"))

    assert result["outcome"] == "ok"
    assert result["execution_arn"] == wired.executions.only().arn
    assert wired.executions.only().request.parameters["InputManifestUri"] == labeling_job().output_manifest_uri


def test_the_sample_failed_event_notifies_and_trains_nothing(wired: Wired) -> None:
    wired.jobs.jobs[JOB] = labeling_job(status="Failed", failure_reason="ClientError: no valid data objects")

    result = wired.invoke(project_event("labeling_job_failed.json"))

    assert result["outcome"] == "ok"
    assert wired.executions.executions == {}
    assert wired.notifier.messages[0]["reason"] == "ClientError: no valid data objects"


@pytest.mark.parametrize(
    "sample",
    corpus_params(lambda: [pytest.param(s, id=s.file) for s in all_samples() if s.detail_type == LABELING_DETAIL_TYPE]),
)
def test_real_samples_name_other_jobs_and_are_ignored_without_a_call(wired: Wired, sample: Any) -> None:
    result = wired.invoke(sample.load())

    assert result["outcome"] == "ignored"
    if sample.file in REDACTED:  # placeholders are no AWS account: refused as invalid
        assert "is not an AWS account" in result["reason"]
    else:
        assert "is not this stack's" in result["reason"] or "not this stack's account" in result["reason"]
    assert wired.jobs.describes == 0


def test_another_kind_of_event_is_ignored_with_its_type(wired: Wired) -> None:
    result = wired.invoke(project_event("pipeline_execution_succeeded.json"))

    assert result == {
        "outcome": "ignored",
        "reason": "SageMaker Model Building Pipeline Execution Status Change is not a labeling job state change",
    }


def test_a_malformed_event_is_ignored_with_the_field_at_fault(wired: Wired) -> None:
    event = project_event("labeling_job_completed.json")
    event["resources"] = []

    result = wired.invoke(event)

    assert result["outcome"] == "ignored"
    assert "resources" in result["reason"]
    assert wired.jobs.describes == 0


def test_settings_come_from_the_environment_and_a_missing_one_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    app: ModuleType = load_handler("labeling_events")
    monkeypatch.setenv("STACK_NAME", STACK)
    monkeypatch.setenv("LEDGER_TABLE_NAME", "ledger")
    monkeypatch.setenv("NOTIFICATION_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:topic")
    monkeypatch.delenv("TRAINING_PIPELINE_NAME", raising=False)

    with pytest.raises(Exception, match="TRAINING_PIPELINE_NAME is required"):
        app.dependencies()

    monkeypatch.setenv("TRAINING_PIPELINE_NAME", PIPELINE)
    config, _ = app.dependencies()
    assert config == LabelingEventsConfig(STACK, PIPELINE)
