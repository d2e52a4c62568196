"""Emulated pipeline outcomes (pure): the default runner's steps and steered failures."""

from __future__ import annotations

from mlopsctl.local.emulators.sagemaker import DefinitionPipelineRunner, PipelineOutcome, PipelineRun, StepOutcome
from mlopsctl.local.emulators.sagemaker.pipeline_runner import parse_definition


def run_of(definition: object) -> PipelineRun:
    return PipelineRun(
        pipeline_name="p",
        execution_arn="arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/x",
        parameters={},
        definition=parse_definition(definition),
        account_id="123456789012",
        region="us-east-1",
    )


def test_default_runner_runs_the_if_branch_and_succeeds():
    definition = {
        "Steps": [
            {"Name": "Train", "Type": "Training"},
            {
                "Name": "Check",
                "Type": "Condition",
                "Arguments": {
                    "IfSteps": [{"Name": "Register", "Type": "RegisterModel"}],
                    "ElseSteps": [{"Name": "F", "Type": "Fail"}],
                },
            },
        ]
    }

    outcome = DefinitionPipelineRunner().run(run_of(definition))

    assert [(s.name, s.status) for s in outcome.steps] == [
        ("Train", "Succeeded"),
        ("Check", "Succeeded"),
        ("Register", "Succeeded"),
    ]
    assert (outcome.status, outcome.failure_reason) == ("Succeeded", None)


def test_a_fail_step_that_runs_fails_the_execution_with_its_message():
    definition = '{"Steps": [{"Name": "Stop", "Type": "Fail", "Arguments": {"ErrorMessage": "accuracy too low"}}]}'

    outcome = DefinitionPipelineRunner().run(run_of(definition))

    assert outcome.status == "Failed"
    assert outcome.failure_reason is not None
    assert "accuracy too low" in outcome.failure_reason


def test_steered_failure_keeps_earlier_steps_and_drops_later_ones():
    outcome = PipelineOutcome(
        steps=(StepOutcome("A", "Processing"), StepOutcome("B", "Training"), StepOutcome("C", "RegisterModel"))
    )

    failed = outcome.failing_at("B", "boom")
    first = outcome.failing_at(None, "boom")
    unknown = outcome.failing_at("Z", "boom")

    assert [(s.name, s.status) for s in failed.steps] == [("A", "Succeeded"), ("B", "Failed")]
    assert [s.name for s in first.steps] == ["A"]
    assert [(s.name, s.status) for s in unknown.steps][-1] == ("Z", "Failed")
    assert failed.failure_reason == "Step failure: One or multiple steps failed. B: boom"


def test_an_unreadable_definition_runs_no_steps_and_succeeds():
    outcome = DefinitionPipelineRunner().run(run_of("not json"))

    assert (outcome.steps, outcome.status) == ((), "Succeeded")
