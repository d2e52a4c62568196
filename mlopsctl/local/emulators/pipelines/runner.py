"""A real pipeline runner for the SageMaker emulator: the definition's steps run on this machine.

:class:`StepScriptPipelineRunner` implements :class:`~mlopsctl.local.emulators.sagemaker.PipelineRunner`. It walks the
execution's
pipeline definition (the one the stack registered, e.g. ``pipelines/generated/<model>.json`` rendered by the
template) as
SageMaker Pipelines would, with the execution's parameters:

- ``Processing`` / ``Training`` (:mod:`.job_steps`): creates the job in moto with the step's arguments, downloads its
  S3 inputs (the Ground Truth output manifest, the ``source-ref`` objects are read by the script itself, the code
  from the artifacts bucket) into a working directory, runs the job's script in process as the container would
  (:mod:`.container`), uploads the outputs (``model.tar.gz`` for training), and reads the step's property files;
- ``Condition``: evaluates the conditions (``QualityGateThreshold`` against the real ``evaluation.json``) and runs
  the ``IfSteps`` or the ``ElseSteps``;
- ``RegisterModel``: ``CreateModelPackage`` with the resolved arguments (``PendingManualApproval``, model metrics,
  lineage in ``CustomerMetadataProperties``); the emulator announces it with a ``Model Package State Change`` event;
- ``Fail``: fails the execution with the step's error message.

A step that fails stops the run: the outcome names the step and its reason (``DescribePipelineExecution`` then says
``Step failure: One or multiple steps failed. <step>: <reason>``). The jobs' AWS calls are SageMaker's own, so the
runner's clients should be the stack's (left out of the action log). With the local stack's IAM
(:attr:`~mlopsctl.local.emulators.sagemaker.PipelineRun.access`), what SageMaker does with the roles is authorized
first: the
pipeline's role creates the jobs, reads the property files the conditions and the registration use, and registers
the model; each job reads, writes, logs and pulls its image as its own role. A denied request fails its step with
the AccessDenied (``ClientError: …``), and the execution with it.

Examples
--------
The SageMaker emulator of a local stack runs its pipelines with it (:func:`mlopsctl.demo.session.emulator_factories`
builds it with the stack's clients):

>>> import boto3
>>> from datetime import UTC, datetime
>>> from mlopsctl.local.emulators.sagemaker import SageMakerEmulator
>>> runner = StepScriptPipelineRunner(boto3.client, access=ContainerAccess(region="us-east-1"))
>>> emulator = SageMakerEmulator(clock=lambda: datetime(2026, 1, 1, tzinfo=UTC), pipeline_runner=runner)
>>> runner.runs
[]
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped, unused-ignore]

from mlopsctl.local.emulators.pipelines.container import ContainerAccess
from mlopsctl.local.emulators.pipelines.job_steps import ClientFactory, JobSteps, RunRecord, RunState, StepRecord
from mlopsctl.local.emulators.sagemaker.expressions import (
    DefinitionError,
    Scope,
    condition_holds,
    parameter_values,
    render,
    resolve,
)
from mlopsctl.local.emulators.sagemaker.pipeline_access import read_property_files, steps_by_name
from mlopsctl.local.emulators.sagemaker.pipeline_runner import PipelineOutcome, PipelineRun, StepOutcome
from mlopsctl.local.emulators.sagemaker.service_roles import ServiceAccessError
from mlopsctl.local.errors import StepFailedError


class StepScriptPipelineRunner:
    """Runs pipeline executions for real (see the module docstring).

    Parameters
    ----------
    clients
        Returns a boto3 client for a service name (the stack's ``client``: its calls stay out of the action log).
    access
        How the step scripts' own AWS clients reach the local stack.
    workdir
        Where job working directories are made (default: the system's temporary directory); each is removed
        after its step.

    Attributes
    ----------
    runs
        Every execution run so far, with per-step wall times and logs.
    """

    def __init__(self, clients: ClientFactory, *, access: ContainerAccess, workdir: Path | None = None) -> None:
        self._clients = clients
        self._jobs = JobSteps(clients, access, workdir)
        self.runs: list[RunRecord] = []

    def run(self, run: PipelineRun) -> PipelineOutcome:
        """Run the execution's steps; return their outcomes (the run stops at the first failed step)."""
        definition = run.definition
        execution_id = run.execution_arn.rsplit("/", 1)[-1]
        record = RunRecord(run.execution_arn, dict(run.parameters))
        self.runs.append(record)
        steps = list((definition or {}).get("Steps") or [])
        if definition is None or not steps:
            return _single_failure("Pipeline", "the pipeline definition is not JSON or has no steps")
        try:
            parameters = parameter_values(list(definition.get("Parameters") or []), run.parameters)
        except DefinitionError as exc:
            return _single_failure(str(steps[0].get("Name", "Step")), f"ClientError: {exc}")
        if run.access is not None:
            try:
                run.access.start()
            except ServiceAccessError as exc:
                return _single_failure(str(steps[0].get("Name", "Step")), exc.reason(prefix="ClientError: "))
        execution = {"PipelineExecutionId": execution_id, "PipelineExecutionArn": run.execution_arn}
        state = RunState(run, Scope(parameters=parameters, execution=execution), execution_id, record)
        outcomes: list[StepOutcome] = []
        self._walk(steps, state, outcomes)
        return PipelineOutcome(steps=tuple(outcomes))

    # -- walking the definition ----------------------------------------------------------------------------------

    def _walk(self, steps: list[Any], state: RunState, outcomes: list[StepOutcome]) -> bool:
        """Run ``steps`` in order; False once one failed."""
        for step in steps:
            started = time.perf_counter()
            outcome, logs, branch = self._step(step, state)
            state.record.steps.append(
                StepRecord(
                    outcome.name,
                    outcome.step_type,
                    outcome.status,
                    time.perf_counter() - started,
                    outcome.failure_reason,
                    logs,
                )
            )
            outcomes.append(outcome)
            if outcome.status == "Failed":
                return False
            if branch is not None and not self._walk(branch, state, outcomes):
                return False
        return True

    def _step(self, step: Mapping[str, Any], state: RunState) -> tuple[StepOutcome, tuple[str, ...], list[Any] | None]:
        """Run one step; return its outcome, its script's logs and, for a condition, the branch to run next."""
        name, kind = str(step.get("Name", "Step")), str(step.get("Type", ""))
        try:
            if kind in ("Processing", "Training"):
                job = self._jobs.processing if kind == "Processing" else self._jobs.training
                metadata, logs = job(step, state)
                return StepOutcome(name, kind, metadata=metadata), logs, None
            if kind == "Condition":
                self._read_conditions(step, state)
                holds = all(condition_holds(c, state.scope) for c in step["Arguments"].get("Conditions") or [])
                branch = step["Arguments"].get("IfSteps" if holds else "ElseSteps") or []
                metadata = {"Condition": {"Outcome": "True" if holds else "False"}}
                return StepOutcome(name, kind, metadata=metadata), (), list(branch)
            if kind == "RegisterModel":
                return StepOutcome(name, kind, metadata=self._register(step, state)), (), None
            if kind == "Fail":
                message = render(resolve(step.get("Arguments", {}).get("ErrorMessage", ""), state.scope))
                raise StepFailedError(message or "FailStep reached", metadata={"Fail": {"ErrorMessage": message}})
            raise DefinitionError(f"step type {kind or '?'} is not run by the local pipeline runner")
        except StepFailedError as exc:
            return StepOutcome(name, kind, "Failed", str(exc), exc.metadata), exc.logs, None
        except ServiceAccessError as exc:
            return StepOutcome(name, kind, "Failed", exc.reason(prefix="ClientError: ")), (), None
        except (DefinitionError, ClientError, BotoCoreError) as exc:
            return StepOutcome(name, kind, "Failed", f"ClientError: {exc}"), (), None

    # -- steps ---------------------------------------------------------------------------------------------------

    def _register(self, step: Mapping[str, Any], state: RunState) -> dict[str, Any]:
        args = resolve(step["Arguments"], state.scope)
        access = state.run.access
        if access is not None:
            read_property_files(access, step.get("Arguments"), steps_by_name(state.run.definition), state.scope)
            access.register(args)
        arn = str(self._clients("sagemaker").create_model_package(**args)["ModelPackageArn"])
        state.record.model_package_arn = arn
        return {"RegisterModel": {"Arn": arn}}

    # -- helpers -------------------------------------------------------------------------------------------------

    @staticmethod
    def _read_conditions(step: Mapping[str, Any], state: RunState) -> None:
        """The pipeline's role reads the property files the conditions test."""
        access = state.run.access
        if access is not None:
            conditions = (step.get("Arguments") or {}).get("Conditions")
            read_property_files(access, conditions, steps_by_name(state.run.definition), state.scope)


def _single_failure(step: str, reason: str) -> PipelineOutcome:
    return PipelineOutcome(steps=(StepOutcome(step, "Processing", "Failed", reason),))
