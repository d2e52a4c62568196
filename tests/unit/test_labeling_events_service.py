"""LabelingEvents' core on in-memory fakes: our completed jobs train once; failures are reported once; the rest is
ignored with a reason."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from mlops_core.aws.errors import RequestRejectedError
from mlops_core.errors import TransientError
from mlops_core.events import LabelingJobStateChangeEvent, parse_event
from mlops_core.handler import EventResult
from mlops_core.labeling.service import (
    LabelingEventsConfig,
    LabelingEventsPorts,
    LabelingJobNotSettledError,
    LabelingOutputMissingError,
    handle_labeling_event,
)
from mlops_core.training.pipelines import LabelingJobFacts
from mlops_core.training.starts import TrainingLauncher
from tests.support.fakes.training import (
    BATCH,
    JOB,
    NOW,
    PIPELINE,
    STACK,
    FakeExecutions,
    FakeLabelingJobs,
    FakeNotifier,
    InMemoryTrainingRecords,
    labeling_event,
    labeling_job,
)


@dataclass
class World:
    jobs: FakeLabelingJobs = field(default_factory=lambda: FakeLabelingJobs(labeling_job()))
    executions: FakeExecutions = field(default_factory=FakeExecutions)
    records: InMemoryTrainingRecords = field(default_factory=InMemoryTrainingRecords)
    notifier: FakeNotifier = field(default_factory=FakeNotifier)
    stack: str = STACK

    def __post_init__(self) -> None:
        self.records.add_batch(BATCH, labeling_job_name=JOB)

    def handle(self, status: str = "Completed", name: str = JOB) -> EventResult:
        event = parse_event(labeling_event(status, name))
        assert isinstance(event, LabelingJobStateChangeEvent)
        ports = LabelingEventsPorts(
            self.jobs, TrainingLauncher(self.executions, self.records), self.records, self.notifier
        )
        return handle_labeling_event(event, LabelingEventsConfig(self.stack, PIPELINE), ports, NOW)

    def add_job(self, job: LabelingJobFacts) -> None:
        self.jobs.jobs[job.name.lower()] = job


@pytest.fixture
def world() -> World:
    return World()


def test_a_completed_job_starts_one_execution_on_its_output_manifest(world: World) -> None:
    result = world.handle()

    execution = world.executions.only()
    job = labeling_job()
    assert execution.request.parameters == {
        "InputManifestUri": job.output_manifest_uri,
        "LabelingJobName": JOB,
        "DataBatchId": BATCH,
        "LabelAttributeName": "label",
    }
    assert execution.request.display_name == JOB
    assert (result.outcome, result.details["execution_arn"]) == ("ok", execution.arn)
    assert "training started" in result.reason


def test_the_ledger_links_batch_labeling_job_and_execution(world: World) -> None:
    result = world.handle()

    arn = result.details["execution_arn"]
    batch = world.records.batch()
    assert batch is not None
    assert (batch["labeling_status"], batch["pipeline_execution_arn"]) == ("Completed", arn)
    assert batch["status"] == "LABELING", "the batch's data-arrival status is not changed"
    job = world.records.labeling_job(JOB)
    assert job is not None
    assert (job.status, job.batch_id, job.pipeline_execution_arn) == ("Completed", BATCH, arn)
    execution = world.records.execution_item(arn)
    assert execution is not None
    assert (execution["batch_id"], execution["labeling_job_name"]) == (BATCH, JOB)
    assert execution["input_manifest_uri"] == labeling_job().output_manifest_uri


def test_repeated_completed_events_start_one_execution(world: World) -> None:
    first = world.handle()
    again = world.handle()

    assert world.executions.starts == 1
    assert world.executions.calls.count("start") == 1, "the ledger answers a repeated event"
    assert again.outcome == "ok"
    assert again.details["execution_arn"] == first.details["execution_arn"]
    assert "already started" in again.reason


def test_an_attempt_interrupted_after_the_start_is_finished_without_a_second_execution(world: World) -> None:
    real_save = world.records.save_trigger
    calls = {"n": 0}

    def crash_once(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise TransientError("DynamoDB unavailable")
        real_save(*args, **kwargs)  # type: ignore[arg-type]

    world.records.save_trigger = crash_once  # type: ignore[method-assign]
    with pytest.raises(TransientError):
        world.handle()
    result = world.handle()

    assert world.executions.starts == 1
    assert result.details["execution_arn"] == world.executions.only().arn
    assert world.records.batch()["pipeline_execution_arn"] == world.executions.only().arn  # type: ignore[index]


def test_a_refused_start_propagates_and_a_later_event_starts_the_execution(world: World) -> None:
    world.executions.fail_with = lambda: RequestRejectedError("StartPipelineExecution", "ValidationException", "no")
    with pytest.raises(RequestRejectedError):
        world.handle()
    world.executions.fail_with = lambda: None

    world.handle()

    assert world.executions.starts == 1


def test_a_job_whose_name_lacks_the_stack_prefix_is_ignored_without_a_call(world: World) -> None:
    result = world.handle(name="someone-else-3f9a2c1d0b7e4a6c8d2f")

    assert result.outcome == "ignored"
    assert "is not this stack's" in result.reason
    assert world.jobs.describes == 0
    assert world.executions.executions == {}


def test_a_job_of_a_stack_whose_name_extends_ours_is_ignored_by_its_tag(world: World) -> None:
    world.stack = "mlops"
    result = world.handle()

    assert result == EventResult("ignored", f"labeling job {JOB} belongs to stack {STACK}")
    assert world.executions.executions == {}


def test_the_stack_prefix_is_compared_ignoring_case_as_arns_are_lower_case(world: World) -> None:
    world.stack = "MLOps-Dev"
    world.add_job(labeling_job("MLOps-Dev-Job1", tags={"mlops:stack": "MLOps-Dev", "mlops:batch-id": BATCH}))

    result = world.handle(name="MLOps-Dev-Job1")

    assert result.outcome == "ok"
    assert world.executions.only().request.parameters["LabelingJobName"] == "MLOps-Dev-Job1"


def test_a_job_made_by_hand_with_our_prefix_trains_without_a_batch(world: World) -> None:
    world.add_job(labeling_job("mlops-dev-manual", tags={}))

    world.handle(name="mlops-dev-manual")

    assert world.executions.only().request.parameters["DataBatchId"] == "none"
    assert "pipeline_execution_arn" not in world.records.batch()  # type: ignore[operator]


@pytest.mark.parametrize("status", ["InProgress", "Initializing", "Stopping"])
def test_states_that_are_not_final_are_ignored(world: World, status: str) -> None:
    result = world.handle(status)

    assert result.outcome == "ignored"
    assert "only Completed, Failed and Stopped act" in result.reason
    assert world.jobs.describes == 0


def test_an_unknown_job_is_ignored(world: World) -> None:
    result = world.handle(name="mlops-dev-gone")
    assert result == EventResult("ignored", "labeling job mlops-dev-gone does not exist")


def test_a_completed_event_for_a_job_still_in_progress_is_retried(world: World) -> None:
    world.add_job(labeling_job(status="InProgress"))
    with pytest.raises(LabelingJobNotSettledError):
        world.handle()
    assert issubclass(LabelingJobNotSettledError, TransientError)


def test_a_completed_job_without_output_is_an_error_kept_for_a_look(world: World) -> None:
    world.add_job(labeling_job(output_manifest_uri=None))
    with pytest.raises(LabelingOutputMissingError, match="without an output manifest"):
        world.handle()
    assert world.executions.executions == {}


def test_a_failed_job_starts_nothing_and_notifies_its_reason(world: World) -> None:
    reason = "ClientError: The manifest has 0 valid data objects."
    world.add_job(labeling_job(status="Failed", failure_reason=reason))

    result = world.handle("Failed")

    assert world.executions.executions == {}
    ((subject, message),) = world.notifier.published
    assert subject == f"[LABELING FAILED] {JOB}"
    assert (message["kind"], message["outcome"], message["reason"]) == ("labeling", "FAILED", reason)
    assert message["batch_id"] == BATCH
    assert result.outcome == "ok"
    assert reason in result.reason
    batch = world.records.batch()
    assert batch is not None
    assert (batch["labeling_status"], batch["labeling_reason"]) == ("Failed", reason)


def test_a_repeated_failure_event_notifies_once(world: World) -> None:
    world.add_job(labeling_job(status="Failed", failure_reason="boom"))
    world.handle("Failed")
    again = world.handle("Failed")

    assert len(world.notifier.published) == 1
    assert "already reported" in again.reason


def test_a_stopped_job_is_reported_as_stopped(world: World) -> None:
    world.add_job(labeling_job(status="Stopped"))

    world.handle("Stopped")

    ((subject, message),) = world.notifier.published
    assert subject.startswith("[LABELING STOPPED]")
    assert message["reason"] == "stopped before it completed"
    assert world.executions.executions == {}


def test_a_failure_report_whose_record_could_not_be_saved_is_not_sent_again_when_the_event_is_retried(
    world: World,
) -> None:
    world.add_job(labeling_job(status="Failed", failure_reason="boom"))
    world.records.failing["save_trigger"] = 1  # the ledger write after the publish is throttled beyond retries

    with pytest.raises(TransientError):
        world.handle("Failed")
    world.handle("Failed")

    assert len(world.notifier.published) == 1
    batch = world.records.batch()
    assert batch is not None
    assert (batch["labeling_status"], batch["labeling_reason"]) == ("Failed", "boom")


def test_a_failure_report_that_could_not_be_published_is_published_when_the_event_is_retried(world: World) -> None:
    world.add_job(labeling_job(status="Failed", failure_reason="boom"))
    world.notifier.failing = 1

    with pytest.raises(TransientError):
        world.handle("Failed")
    world.handle("Failed")

    assert [m["outcome"] for m in world.notifier.messages] == ["FAILED"]
