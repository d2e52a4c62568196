"""Emulated pipeline executions in virtual time: ``Executing`` → ``Succeeded``/``Failed`` through a pipeline
runner, or ``Stopping`` → ``Stopped``; each change is announced with a ``SageMaker Model Building Pipeline
Execution Status Change`` event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from mlopsctl.local.emulators.sagemaker import events
from mlopsctl.local.emulators.sagemaker.context import DriverContext, Event
from mlopsctl.local.emulators.sagemaker.pipeline_access import PipelineAccess
from mlopsctl.local.emulators.sagemaker.pipeline_runner import (
    PipelineOutcome,
    PipelineRun,
    PipelineRunner,
    parse_definition,
)
from mlopsctl.local.moto_patches.backends import (
    PipelineExecution,
    end_pipeline_execution,
    pipeline_execution,
    pipeline_role_arn,
)
from mlopsctl.local.moto_patches.state import Notification, as_utc, to_moto_time

Steering = Callable[[str, PipelineOutcome], PipelineOutcome]


class PipelineDriver:
    """Finishes and stops pipeline executions and emits their events.

    Parameters
    ----------
    ctx
        Shared driver context.
    runner
        Decides each execution's outcome.
    steer
        Applies steered failures to an outcome, given the pipeline name.
    """

    def __init__(self, ctx: DriverContext, runner: PipelineRunner, steer: Steering) -> None:
        self._ctx = ctx
        self._runner = runner
        self._steer = steer

    def _execution(self, arn: str) -> PipelineExecution | None:
        return pipeline_execution(self._ctx.account_id, self._ctx.region, arn)

    def _event(self, execution: PipelineExecution, previous: str | None, at: datetime, end: bool) -> Event:
        pipeline_arn = execution.arn.split("/execution/")[0]
        return events.pipeline_execution_status_change(
            account=self._ctx.account_id,
            region=self._ctx.region,
            time=at,
            pipeline_arn=pipeline_arn,
            execution_arn=execution.arn,
            status=execution.pipeline_execution_status,
            previous_status=previous,
            start_time=execution.start_time,
            end_time=at if end else None,
            display_name=execution.pipeline_execution_display_name,
            description=execution.pipeline_execution_description,
        )

    def on_started(self, note: Notification) -> list[Event]:
        """An execution started: announce ``Executing``; it ends after the pipeline time."""
        execution = self._execution(note.data["execution_arn"])
        if execution is None or execution.pipeline_execution_status != "Executing":
            return []
        pipeline_name = str(note.data["pipeline_name"])

        def finish(at: datetime) -> list[Event]:
            current = self._execution(execution.arn)
            if current is not execution or execution.pipeline_execution_status != "Executing":
                return []
            return self._run(pipeline_name, execution, at)

        self._ctx.schedule(note.at + timedelta(seconds=self._ctx.timings.pipeline_seconds), finish, None)
        return [self._event(execution, None, note.at, end=False)]

    def on_stopping(self, note: Notification) -> list[Event]:
        """A stop was requested: announce ``Stopping``; the execution is ``Stopped`` after the stop time."""
        execution = self._execution(note.data["execution_arn"])
        if execution is None or execution.pipeline_execution_status != "Stopping":
            return []

        def stopped(at: datetime) -> list[Event]:
            if self._execution(execution.arn) is not execution or execution.pipeline_execution_status != "Stopping":
                return []
            end_pipeline_execution(execution, "Stopped", at, None)
            return [self._event(execution, "Stopping", at, end=True)]

        self._ctx.schedule(note.at + timedelta(seconds=self._ctx.timings.stop_seconds), stopped, None)
        return [self._event(execution, "Executing", note.at, end=False)]

    def _run(self, pipeline_name: str, execution: PipelineExecution, at: datetime) -> list[Event]:
        """Run the pipeline (side effects happen now); its end is announced after what those effects announce."""
        outcome = self._outcome(pipeline_name, execution)

        def announce(due: datetime) -> list[Event]:
            if self._execution(execution.arn) is not execution or execution.pipeline_execution_status != "Executing":
                return []
            return [self._finish(execution, outcome, due)]

        self._ctx.schedule(at, announce, None)
        return []

    def _outcome(self, pipeline_name: str, execution: PipelineExecution) -> PipelineOutcome:
        parameters = {str(p["Name"]): str(p["Value"]) for p in execution.pipeline_parameters or []}
        roles = self._ctx.roles
        role_arn = pipeline_role_arn(self._ctx.account_id, self._ctx.region, pipeline_name)
        run = PipelineRun(
            pipeline_name=pipeline_name,
            execution_arn=execution.arn,
            parameters=parameters,
            definition=parse_definition(execution.pipeline_definition_for_execution),
            account_id=self._ctx.account_id,
            region=self._ctx.region,
            access=PipelineAccess(roles, role_arn, execution.arn) if roles and role_arn is not None else None,
        )
        return self._steer(pipeline_name, self._runner.run(run))

    def _finish(self, execution: PipelineExecution, outcome: PipelineOutcome, at: datetime) -> Event:
        self._ctx.state.pipeline_steps[execution.arn] = _step_records(outcome, as_utc(execution.start_time), at)
        end_pipeline_execution(execution, outcome.status, at, outcome.failure_reason)
        return self._event(execution, "Executing", at, end=True)


def _step_records(outcome: PipelineOutcome, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """ListPipelineExecutionSteps entries, the run's time split evenly between the steps."""
    count = max(len(outcome.steps), 1)
    share = (end - start) / count
    records = []
    for index, step in enumerate(outcome.steps):
        record: dict[str, Any] = {
            "StepName": step.name,
            "StepDisplayName": step.name,
            "StartTime": to_moto_time(start + share * index),
            "EndTime": to_moto_time(start + share * (index + 1)),
            "StepStatus": step.status,
            "AttemptCount": 1,
            "Metadata": dict(step.metadata),
        }
        if step.failure_reason:
            record["FailureReason"] = step.failure_reason
        records.append(record)
    return records
