"""PipelineEvents' core on in-memory fakes: statuses are recorded with their lineage, endings are reported once with
what operators need (the model package, or the failed step and why)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import pytest

from mlops_core.errors import TransientError
from mlops_core.events import PipelineExecutionStatusChangeEvent, parse_event
from mlops_core.handler import EventResult
from mlops_core.training.pipelines import ExecutionRequest
from mlops_core.training.records import Trigger, TriggerKind
from mlops_core.training.service import (
    PipelineEventsConfig,
    PipelineEventsPorts,
    handle_pipeline_event,
)
from mlops_core.training.starts import TrainingLauncher, batch_request
from tests.support.fakes.training import (
    BATCH,
    NOW,
    PIPELINE,
    STACK,
    FakeExecutions,
    FakeNotifier,
    InMemoryTrainingRecords,
    pipeline_event,
    step,
)

INPUT = "s3://mlops-dev-data/manifests/abc/training/"
PACKAGE = "arn:aws:sagemaker:us-east-1:123456789012:model-package/mlops-models/3"


@dataclass
class World:
    executions: FakeExecutions = field(default_factory=FakeExecutions)
    records: InMemoryTrainingRecords = field(default_factory=InMemoryTrainingRecords)
    notifier: FakeNotifier = field(default_factory=FakeNotifier)

    def started_by_us(self) -> str:
        """An execution the batch starter launched (so the ledger knows its lineage)."""
        self.records.add_batch(BATCH, status="SEALED")
        launcher = TrainingLauncher(self.executions, self.records)
        request = batch_request(STACK, PIPELINE, BATCH, INPUT)
        lineage = {"batch_id": BATCH, "input_manifest_uri": INPUT}
        return launcher.launch(Trigger(TriggerKind.BATCH, BATCH), request, NOW, lineage).execution_arn

    def started_by_hand(self, **parameters: str) -> str:
        request = ExecutionRequest(PIPELINE, "by-hand", "t" * 32, "", parameters)
        return self.executions.start(request, NOW).execution_arn

    def handle(self, arn: str, status: str, pipeline: str = PIPELINE, actual: str | None = None) -> EventResult:
        """Handle the event saying ``status``; the execution is in ``actual`` (by default, the event's status)."""
        if arn in self.executions.executions:
            self.executions.executions[arn].status = actual or status
        event = parse_event(pipeline_event(arn, status, pipeline=pipeline))
        assert isinstance(event, PipelineExecutionStatusChangeEvent)
        ports = PipelineEventsPorts(self.executions, self.records, self.notifier)
        return handle_pipeline_event(event, PipelineEventsConfig(PIPELINE), ports, NOW)


@pytest.fixture
def world() -> World:
    return World()


def test_executing_is_recorded_with_its_batch_and_nobody_is_notified(world: World) -> None:
    arn = world.started_by_us()

    result = world.handle(arn, "Executing")

    assert result.outcome == "ok"
    assert world.notifier.published == []
    item = world.records.execution_item(arn)
    assert item is not None
    assert (item["status"], item["batch_id"], item["input_manifest_uri"]) == ("Executing", BATCH, INPUT)
    assert world.records.batch()["pipeline_status"] == "Executing"  # type: ignore[index]
    assert "parameters" not in world.executions.calls, "the ledger already knew the lineage"


def test_success_is_reported_with_the_registered_model_package(world: World) -> None:
    arn = world.started_by_us()
    world.executions.executions[arn].steps = [
        step("Preprocess"),
        step("Train"),
        step("RegisterModel", step_type="RegisterModel", model_package_arn=PACKAGE),
    ]

    result = world.handle(arn, "Succeeded")

    ((subject, message),) = world.notifier.published
    assert subject == f"[TRAINING SUCCEEDED] {STACK}-batch-{BATCH}"
    assert (message["kind"], message["outcome"], message["model_package_arn"]) == ("training", "SUCCEEDED", PACKAGE)
    assert (message["batch_id"], message["input_manifest_uri"]) == (BATCH, INPUT)
    assert result.reason == f"training succeeded; model package {PACKAGE} awaits approval"
    batch = world.records.batch()
    assert batch is not None
    assert (batch["pipeline_status"], batch["model_package_arn"]) == ("Succeeded", PACKAGE)


def test_a_failure_names_the_failed_step_its_job_and_reason(world: World) -> None:
    arn = world.started_by_us()
    job = "arn:aws:sagemaker:us-east-1:123456789012:processing-job/pipelines-abc-preprocess-x"
    reason = "AlgorithmError: need at least 2 classes to train a classifier"
    world.executions.executions[arn].steps = [step("Preprocess", "Failed", failure_reason=reason, job_arn=job)]

    result = world.handle(arn, "Failed")

    ((_, message),) = world.notifier.published
    assert (message["outcome"], message["failed_step"], message["reason"]) == ("FAILED", "Preprocess", reason)
    assert message["failed_job_arn"] == job
    assert result.reason == f"training failed at step Preprocess: {reason}"
    batch = world.records.batch()
    assert batch is not None
    assert (batch["pipeline_status"], batch["pipeline_failed_step"]) == ("Failed", "Preprocess")


def test_the_quality_gate_rejecting_the_model_is_a_failure_with_its_message(world: World) -> None:
    arn = world.started_by_us()
    gate = "Model rejected by the quality gate: test macro-F1 0.61 < 0.8"
    world.executions.executions[arn].steps = [
        step("Evaluate"),
        step("QualityGate", step_type="Condition"),
        step("QualityGateFailed", "Failed", step_type="Fail", failure_reason=gate),
    ]

    result = world.handle(arn, "Failed")

    assert result.reason == f"training failed at step QualityGateFailed: {gate}"


def test_without_a_failed_step_the_executions_own_reason_is_reported(world: World) -> None:
    arn = world.started_by_us()
    world.executions.executions[arn].failure_reason = "Pipeline role is not authorized"

    world.handle(arn, "Failed")

    ((_, message),) = world.notifier.published
    assert (message["failed_step"], message["reason"]) == (None, "Pipeline role is not authorized")


def test_a_stopped_execution_is_reported_as_stopped(world: World) -> None:
    arn = world.started_by_us()

    result = world.handle(arn, "Stopped")

    assert world.notifier.messages[0]["outcome"] == "STOPPED"
    assert result.reason == "training was stopped before it finished"


def test_a_repeated_final_event_is_reported_once(world: World) -> None:
    arn = world.started_by_us()
    world.handle(arn, "Succeeded")
    again = world.handle(arn, "Succeeded")

    assert len(world.notifier.published) == 1
    assert "already reported" in again.reason


def test_a_late_executing_event_does_not_undo_the_ending(world: World) -> None:
    arn = world.started_by_us()
    world.handle(arn, "Failed")

    late = world.handle(arn, "Executing")

    assert late.outcome == "ignored"
    assert world.records.execution_item(arn)["status"] == "Failed"  # type: ignore[index]
    assert world.records.batch()["pipeline_status"] == "Failed"  # type: ignore[index]


def test_an_execution_started_by_hand_gets_its_lineage_from_its_parameters(world: World) -> None:
    arn = world.started_by_hand(InputManifestUri="s3://elsewhere/data/", LabelingJobName="mlops-dev-job1")

    result = world.handle(arn, "Succeeded")

    message = world.notifier.messages[0]
    assert (message["labeling_job_name"], message["batch_id"]) == ("mlops-dev-job1", None)
    assert message["input_manifest_uri"] == "s3://elsewhere/data/"
    assert result.details["labeling_job_name"] == "mlops-dev-job1"


def test_another_pipelines_events_are_ignored_without_a_call(world: World) -> None:
    arn = world.started_by_hand(InputManifestUri="s3://x/")

    theirs = arn.replace(f"pipeline/{PIPELINE}/", "pipeline/someone-elses-pipeline/")
    result = world.handle(theirs, "Succeeded", pipeline="someone-elses-pipeline")

    assert result == EventResult("ignored", f"pipeline someone-elses-pipeline is not this stack's ({PIPELINE})")
    assert world.notifier.published == []


def test_our_pipeline_is_recognised_when_its_arn_is_lower_case(world: World) -> None:
    arn = world.started_by_us()

    result = world.handle(arn.lower(), "Executing", pipeline=PIPELINE.lower())

    assert result.outcome == "ok"


# -- a report is sent once, whatever fails around it (Lambda retries the whole event) -------------------------------
def succeeded_with_a_package(world: World) -> str:
    arn = world.started_by_us()
    registered = step("RegisterModel", step_type="RegisterModel", model_package_arn=PACKAGE)
    world.executions.executions[arn].steps = [registered]
    return arn


def test_a_report_whose_record_could_not_be_saved_is_not_sent_again_when_the_event_is_retried(world: World) -> None:
    arn = succeeded_with_a_package(world)
    world.records.failing["save_execution"] = 1  # the ledger write after the publish is throttled beyond retries

    with pytest.raises(TransientError):
        world.handle(arn, "Succeeded")
    retried = world.handle(arn, "Succeeded")

    assert len(world.notifier.published) == 1
    assert retried.outcome == "ok"
    item = world.records.execution_item(arn)
    assert item is not None
    assert (item["status"], item["model_package_arn"]) == ("Succeeded", PACKAGE)
    batch = world.records.batch()
    assert batch is not None
    assert (batch["pipeline_status"], batch["model_package_arn"]) == ("Succeeded", PACKAGE)


def test_a_report_that_could_not_be_published_is_published_when_the_event_is_retried(world: World) -> None:
    arn = succeeded_with_a_package(world)
    world.notifier.failing = 1

    with pytest.raises(TransientError):
        world.handle(arn, "Succeeded")
    world.handle(arn, "Succeeded")

    assert [m["outcome"] for m in world.notifier.messages] == ["SUCCEEDED"]


def test_a_duplicate_delivered_while_the_first_is_being_reported_is_not_reported_again(world: World) -> None:
    arn = succeeded_with_a_package(world)
    duplicates: list[EventResult] = []

    def duplicate_arrives() -> None:  # SageMaker's duplicate event, handled by a second, concurrent invocation
        world.notifier.on_publish = None
        duplicates.append(world.handle(arn, "Succeeded"))

    world.notifier.on_publish = duplicate_arrives
    world.handle(arn, "Succeeded")

    assert len(world.notifier.published) == 1
    assert "already reported" in duplicates[0].reason


# -- the execution's own status decides (#12, point 8) ----------------------------------------------------------------
def test_a_late_failed_event_after_success_is_ignored_and_reports_nothing(world: World) -> None:
    arn = world.started_by_us()
    world.handle(arn, "Succeeded")
    writes = copy.deepcopy(world.records.items)

    late = world.handle(arn, "Failed", actual="Succeeded")

    assert late.outcome == "ignored"
    assert "the event says Failed, but execution" in late.reason
    assert [m["outcome"] for m in world.notifier.messages] == ["SUCCEEDED"]
    assert world.records.items == writes


def test_an_event_for_an_execution_that_does_not_exist_is_ignored_with_the_reason(world: World) -> None:
    arn = world.started_by_us().replace("exec0", "gone0")

    result = world.handle(arn, "Failed")

    assert result.outcome == "ignored"
    assert "does not exist" in result.reason
    assert world.notifier.published == []


def test_a_final_status_nobody_reported_is_reported_whatever_the_event_says(world: World) -> None:
    arn = world.started_by_us()
    world.handle(arn, "Executing")

    result = world.handle(arn, "Executing", actual="Failed")  # the Failed event was lost, or is still to come

    assert result.outcome == "ok"
    assert [m["outcome"] for m in world.notifier.messages] == ["FAILED"]
    assert world.records.execution_item(arn)["status"] == "Failed"  # type: ignore[index]


def test_a_final_status_in_the_ledger_is_never_replaced_by_another(world: World) -> None:
    arn = world.started_by_us()
    world.handle(arn, "Stopped")

    result = world.handle(arn, "Failed")  # SageMaker itself now says Failed: the ledger keeps what it reported

    assert result.outcome == "ignored"
    assert "never replaced" in result.reason
    assert world.records.execution_item(arn)["status"] == "Stopped"  # type: ignore[index]
