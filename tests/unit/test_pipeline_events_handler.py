"""PipelineEventsFunction's handler: the project's sample events are recorded and reported, the real AWS samples
(other pipelines) and other event types are acknowledged as ignored with their reason."""

from __future__ import annotations

from typing import Any

import pytest

from mlops_core.training.pipelines import ExecutionRequest
from mlops_core.training.service import PipelineEventsConfig, PipelineEventsPorts
from tests.support.aws_corpus import corpus_params
from tests.support.events import REDACTED, all_samples, project_event
from tests.support.fakes.training import (
    JOB,
    NOW,
    PIPELINE,
    FakeExecution,
    FakeExecutions,
    FakeNotifier,
    InMemoryTrainingRecords,
    step,
)
from tests.support.handlers import LambdaContext, load_handler

PIPELINE_DETAIL_TYPE = "SageMaker Model Building Pipeline Execution Status Change"


class Wired:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.app = load_handler("pipeline_events")
        self.executions = FakeExecutions()
        self.records = InMemoryTrainingRecords()
        self.notifier = FakeNotifier()
        ports = PipelineEventsPorts(self.executions, self.records, self.notifier)
        monkeypatch.setattr(self.app, "dependencies", lambda: (PipelineEventsConfig(PIPELINE), ports))

    def known_execution(self, event: dict[str, Any], **parameters: str) -> FakeExecution:
        """The execution a sample event is about, as SageMaker knows it."""
        arn = event["detail"]["pipelineExecutionArn"]
        request = ExecutionRequest(PIPELINE, JOB, "t" * 32, "", parameters)
        status = event["detail"]["currentPipelineExecutionStatus"]
        self.executions.executions[arn] = FakeExecution(arn, request, NOW, status=status)
        return self.executions.executions[arn]

    def invoke(self, event: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.app.lambda_handler(event, LambdaContext())
        return result


@pytest.fixture
def wired(monkeypatch: pytest.MonkeyPatch) -> Wired:
    return Wired(monkeypatch)


def test_the_sample_success_is_recorded_and_reported_with_its_lineage(wired: Wired) -> None:
    event = project_event("pipeline_execution_succeeded.json")
    wired.known_execution(event, InputManifestUri="s3://data/out.manifest", LabelingJobName=JOB)

    result = wired.invoke(event)

    assert result["outcome"] == "ok"
    assert result["labeling_job_name"] == JOB
    (message,) = wired.notifier.messages
    assert (message["outcome"], message["labeling_job_name"]) == ("SUCCEEDED", JOB)
    item = wired.records.execution_item(event["detail"]["pipelineExecutionArn"])
    assert item is not None
    assert item["status"] == "Succeeded"


def test_the_sample_failure_is_reported_with_the_failed_step(wired: Wired) -> None:
    event = project_event("pipeline_execution_failed.json")
    execution = wired.known_execution(event, InputManifestUri="s3://data/out.manifest")
    execution.steps = [step("Preprocess"), step("Train", "Failed", failure_reason="AlgorithmError: out of memory")]

    result = wired.invoke(event)

    assert result["reason"] == "training failed at step Train: AlgorithmError: out of memory"
    assert wired.notifier.messages[0]["failed_step"] == "Train"


@pytest.mark.parametrize(
    "sample",
    corpus_params(lambda: [pytest.param(s, id=s.file) for s in all_samples() if s.detail_type == PIPELINE_DETAIL_TYPE]),
)
def test_real_samples_are_other_pipelines_and_are_ignored(wired: Wired, sample: Any) -> None:
    result = wired.invoke(sample.load())

    assert result["outcome"] == "ignored"
    if sample.file in REDACTED:  # placeholders are no AWS account: refused as invalid
        assert "is not an AWS account" in result["reason"]
    else:
        assert "is not this stack's" in result["reason"] or "not this stack's account" in result["reason"]
    assert wired.executions.calls == []


def test_another_kind_of_event_is_ignored_with_its_type(wired: Wired) -> None:
    result = wired.invoke(project_event("labeling_job_completed.json"))

    assert result == {
        "outcome": "ignored",
        "reason": "SageMaker Ground Truth Labeling Job State Change is not a pipeline execution status change",
    }


def test_a_malformed_event_is_ignored_with_the_field_at_fault(wired: Wired) -> None:
    event = project_event("pipeline_execution_succeeded.json")
    del event["detail"]["pipelineExecutionArn"]

    result = wired.invoke(event)

    assert result["outcome"] == "ignored"
    assert "pipelineExecutionArn" in result["reason"]


def test_settings_come_from_the_environment_and_a_missing_one_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    app = load_handler("pipeline_events")
    monkeypatch.setenv("STACK_NAME", "mlops-dev")
    monkeypatch.setenv("LEDGER_TABLE_NAME", "ledger")
    monkeypatch.setenv("NOTIFICATION_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:topic")
    monkeypatch.setenv("TRAINING_PIPELINE_NAME", "not a valid name!")

    with pytest.raises(Exception, match="TRAINING_PIPELINE_NAME"):
        app.dependencies()
