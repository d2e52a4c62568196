"""A real pipeline runner for the SageMaker emulator: the definition's steps run on this machine.

:class:`StepScriptPipelineRunner` implements :class:`~mlopsctl.local.emulator.PipelineRunner`. It walks the execution's
pipeline definition (the one the stack registered, e.g. ``pipelines/pipeline.json`` rendered by the template) as
SageMaker Pipelines would, with the execution's parameters:

- ``Processing`` / ``Training``: creates the job in moto with the step's arguments, downloads its S3 inputs (the
  Ground Truth output manifest, the ``source-ref`` objects are read by the script itself, the code from the
  artifacts bucket) into a working directory, runs the job's script in process as the container would
  (:mod:`.container`), uploads the outputs (``model.tar.gz`` for training), and reads the step's property files;
- ``Condition``: evaluates the conditions (``MinMacroF1`` against the real ``evaluation.json``) and runs the
  ``IfSteps`` or the ``ElseSteps``;
- ``RegisterModel``: ``CreateModelPackage`` with the resolved arguments (``PendingManualApproval``, model metrics,
  lineage in ``CustomerMetadataProperties``); the emulator announces it with a ``Model Package State Change`` event;
- ``Fail``: fails the execution with the step's error message.

A step that fails stops the run: the outcome names the step and its reason (``DescribePipelineExecution`` then says
``Step failure: One or multiple steps failed. <step>: <reason>``). The jobs' AWS calls are SageMaker's own, so the
runner's clients should be the stack's (left out of the action log).

Examples
--------
>>> from mlopsctl.local.emulator import SageMakerEmulator
>>> def emulator(stack):  # doctest: +SKIP
...     runner = StepScriptPipelineRunner(stack.client, access=ContainerAccess(region=stack.template.region))
...     return SageMakerEmulator(clock=stack.clock.now, pipeline_runner=runner)
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped, unused-ignore]

from mlopsctl.demo import jobs, staging
from mlopsctl.demo.container import ContainerAccess, container_path, run_script
from mlopsctl.demo.errors import DefinitionError, StepFailedError
from mlopsctl.demo.expressions import Scope, condition_holds, parameter_values, render, resolve
from mlopsctl.local.emulator.pipeline_runner import PipelineOutcome, PipelineRun, StepOutcome

ClientFactory = Callable[[str], Any]
_PROCESSING_KEYS = (
    "ProcessingResources",
    "AppSpecification",
    "RoleArn",
    "ProcessingInputs",
    "ProcessingOutputConfig",
    "StoppingCondition",
    "Environment",
    "NetworkConfig",
)
_TRAINING_KEYS = (
    "AlgorithmSpecification",
    "HyperParameters",
    "InputDataConfig",
    "OutputDataConfig",
    "ResourceConfig",
    "RoleArn",
    "StoppingCondition",
    "Environment",
)


@dataclass
class StepRecord:
    """What one step did, for reports: its outcome, real (wall) seconds and the script's log lines."""

    name: str
    step_type: str
    status: str
    wall_seconds: float
    failure_reason: str | None = None
    logs: tuple[str, ...] = ()


@dataclass
class RunRecord:
    """One execution the runner ran."""

    execution_arn: str
    parameters: Mapping[str, Any]
    steps: list[StepRecord] = field(default_factory=list)
    model_package_arn: str | None = None

    @property
    def wall_seconds(self) -> float:
        """Real time the steps took."""
        return sum(s.wall_seconds for s in self.steps)


@dataclass
class _Run:
    """The state of one execution while it runs."""

    run: PipelineRun
    scope: Scope
    execution_id: str
    record: RunRecord


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
        self._access = access
        self._workdir = workdir
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
        execution = {"PipelineExecutionId": execution_id, "PipelineExecutionArn": run.execution_arn}
        state = _Run(run, Scope(parameters=parameters, execution=execution), execution_id, record)
        outcomes: list[StepOutcome] = []
        self._walk(steps, state, outcomes)
        return PipelineOutcome(steps=tuple(outcomes))

    # -- walking the definition ----------------------------------------------------------------------------------

    def _walk(self, steps: list[Any], state: _Run, outcomes: list[StepOutcome]) -> bool:
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

    def _step(self, step: Mapping[str, Any], state: _Run) -> tuple[StepOutcome, tuple[str, ...], list[Any] | None]:
        """Run one step; return its outcome, its script's logs and, for a condition, the branch to run next."""
        name, kind = str(step.get("Name", "Step")), str(step.get("Type", ""))
        try:
            if kind in ("Processing", "Training"):
                job = self._processing if kind == "Processing" else self._training
                metadata, logs = job(step, state)
                return StepOutcome(name, kind, metadata=metadata), logs, None
            if kind == "Condition":
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
        except (DefinitionError, ClientError, BotoCoreError) as exc:
            return StepOutcome(name, kind, "Failed", f"ClientError: {exc}"), (), None

    # -- steps ---------------------------------------------------------------------------------------------------

    def _processing(self, step: Mapping[str, Any], state: _Run) -> tuple[dict[str, Any], tuple[str, ...]]:
        name = str(step["Name"])
        args = resolve(step["Arguments"], state.scope)
        job = jobs.job_name(state.execution_id, name)
        sagemaker, s3 = self._clients("sagemaker"), self._clients("s3")
        arn = sagemaker.create_processing_job(
            ProcessingJobName=job, **{k: args[k] for k in _PROCESSING_KEYS if k in args}
        )["ProcessingJobArn"]
        metadata = {"ProcessingJob": {"Arn": arn}}
        app = args.get("AppSpecification") or {}
        entry = list(app.get("ContainerEntrypoint") or [])
        with self._job_directory() as root:
            try:
                for item in args.get("ProcessingInputs") or []:
                    s3_input = item.get("S3Input") or {}
                    staging.download_prefix(s3, s3_input["S3Uri"], Path(container_path(s3_input["LocalPath"], root)))
                outputs = (args.get("ProcessingOutputConfig") or {}).get("Outputs") or []
                for output in outputs:
                    Path(container_path(output["S3Output"]["LocalPath"], root)).mkdir(parents=True, exist_ok=True)
                script = jobs.python_script(entry, root)
                result = run_script(
                    script, list(app.get("ContainerArguments") or []), root=root, access=self._access,
                    environment=args.get("Environment"),
                )  # fmt: skip
                if result.failure_reason:
                    raise StepFailedError(result.failure_reason, logs=result.logs)
                for output in outputs:
                    s3_output = output["S3Output"]
                    staging.upload_directory(s3, Path(container_path(s3_output["LocalPath"], root)), s3_output["S3Uri"])
                self._read_property_files(step, outputs, root, state)
            except StepFailedError as exc:
                jobs.record_outcome(self._account(state), state.run.region, kind="processing", name=job,
                                    failure_reason=str(exc))  # fmt: skip
                raise StepFailedError(str(exc), metadata=metadata, logs=exc.logs) from None
        state.scope.steps[name] = sagemaker.describe_processing_job(ProcessingJobName=job)
        return metadata, result.logs

    def _training(self, step: Mapping[str, Any], state: _Run) -> tuple[dict[str, Any], tuple[str, ...]]:
        name = str(step["Name"])
        args = resolve(step["Arguments"], state.scope)
        job = jobs.job_name(state.execution_id, name)
        sagemaker, s3 = self._clients("sagemaker"), self._clients("s3")
        arn = sagemaker.create_training_job(TrainingJobName=job, **{k: args[k] for k in _TRAINING_KEYS if k in args})[
            "TrainingJobArn"
        ]
        metadata = {"TrainingJob": {"Arn": arn}}
        hyperparameters = {str(k): str(v) for k, v in (args.get("HyperParameters") or {}).items()}
        channels = [str(c["ChannelName"]) for c in args.get("InputDataConfig") or []]
        with self._job_directory() as root:
            try:
                for channel in args.get("InputDataConfig") or []:
                    uri = channel["DataSource"]["S3DataSource"]["S3Uri"]
                    staging.download_prefix(s3, uri, root / "input" / "data" / str(channel["ChannelName"]))
                for directory in ("model", "output/data"):
                    (root / directory).mkdir(parents=True, exist_ok=True)
                script = jobs.training_script(hyperparameters, root)
                user = {k: v for k, v in sorted(hyperparameters.items()) if not k.startswith("sagemaker_")}
                argv = [part for key, value in user.items() for part in (f"--{key}", value)]
                result = run_script(
                    script, argv, root=root, access=self._access,
                    environment=jobs.training_environment(channels, user, script.stem),
                )  # fmt: skip
                if result.failure_reason:
                    raise StepFailedError(result.failure_reason, logs=result.logs)
                artifact = sagemaker.describe_training_job(TrainingJobName=job)["ModelArtifacts"]["S3ModelArtifacts"]
                staging.upload_bytes(s3, artifact, staging.model_archive(root / "model"))
            except StepFailedError as exc:
                jobs.record_outcome(self._account(state), state.run.region, kind="training", name=job,
                                    failure_reason=str(exc))  # fmt: skip
                raise StepFailedError(str(exc), metadata=metadata, logs=exc.logs) from None
        definitions = (args.get("AlgorithmSpecification") or {}).get("MetricDefinitions") or []
        jobs.record_outcome(
            self._account(state), state.run.region, kind="training", name=job, failure_reason=None,
            algorithm_specification=args.get("AlgorithmSpecification"),
            metrics=jobs.metrics_from_logs(definitions, result.logs, datetime.now(UTC)),
        )  # fmt: skip
        state.scope.steps[name] = sagemaker.describe_training_job(TrainingJobName=job)
        return metadata, result.logs

    def _register(self, step: Mapping[str, Any], state: _Run) -> dict[str, Any]:
        args = resolve(step["Arguments"], state.scope)
        arn = str(self._clients("sagemaker").create_model_package(**args)["ModelPackageArn"])
        state.record.model_package_arn = arn
        return {"RegisterModel": {"Arn": arn}}

    # -- helpers -------------------------------------------------------------------------------------------------

    def _read_property_files(self, step: Mapping[str, Any], outputs: list[Any], root: Path, state: _Run) -> None:
        local = {str(o["OutputName"]): Path(container_path(o["S3Output"]["LocalPath"], root)) for o in outputs}
        for spec in step.get("PropertyFiles") or []:
            path = local.get(str(spec["OutputName"]), root / "missing") / str(spec["FilePath"])
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raise StepFailedError(
                    f"ClientError: property file {spec['PropertyFileName']} ({spec['FilePath']} in output "
                    f"{spec['OutputName']}) is missing or not JSON"
                ) from None
            state.scope.property_files.setdefault(str(step["Name"]), {})[str(spec["PropertyFileName"])] = document

    def _job_directory(self) -> contextlib.AbstractContextManager[Path]:
        return jobs.job_directory(self._workdir)

    @staticmethod
    def _account(state: _Run) -> str:
        return state.run.account_id


def _single_failure(step: str, reason: str) -> PipelineOutcome:
    return PipelineOutcome(steps=(StepOutcome(step, "Processing", "Failed", reason),))
