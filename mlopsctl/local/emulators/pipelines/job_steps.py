"""The ``Processing`` and ``Training`` steps of the real pipeline runner: each job created, staged, run and recorded.

For one job step, as SageMaker does it: the pipeline's role creates the job (:mod:`mlopsctl.local.emulators.sagemaker.
pipeline_access`), the job starts as its own role (image, logs, metrics), its ``S3Prefix`` inputs are downloaded into
its working directory as that role (:mod:`.staging`), its script runs as its container would with the role's
credentials (:mod:`.container`), and its outputs are uploaded as that role (``model.tar.gz`` for training). A
request IAM refuses on the way fails the job and the step with the AccessDenied, as SageMaker reports it
(``ClientError: …``); moto's record of the job is corrected to ``Failed``
(:func:`mlopsctl.local.moto_patches.backends.record_job_outcome`).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mlopsctl.local.emulators.pipelines import jobs, staging
from mlopsctl.local.emulators.pipelines.container import ContainerAccess, container_path, run_script
from mlopsctl.local.emulators.sagemaker.expressions import Scope, resolve
from mlopsctl.local.emulators.sagemaker.pipeline_access import JobSpec, job_name, job_spec
from mlopsctl.local.emulators.sagemaker.pipeline_runner import PipelineRun
from mlopsctl.local.emulators.sagemaker.service_roles import RoleSession, ServiceAccessError
from mlopsctl.local.errors import StepFailedError
from mlopsctl.local.moto_patches.backends import record_job_outcome

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
class RunState:
    """The state of one execution while it runs."""

    run: PipelineRun
    scope: Scope
    execution_id: str
    record: RunRecord


@dataclass(frozen=True)
class JobSteps:
    """Runs job steps with the runner's clients, container access and working directory.

    Attributes
    ----------
    clients
        Returns a boto3 client of the stack's own (its calls stay out of the action log) for a service name.
    access
        How the step scripts' own AWS clients reach the local stack.
    workdir
        Where job working directories are made (None: the system's temporary directory).
    """

    clients: ClientFactory
    access: ContainerAccess
    workdir: Path | None = None

    def processing(self, step: Mapping[str, Any], state: RunState) -> tuple[dict[str, Any], tuple[str, ...]]:
        name = str(step["Name"])
        args = resolve(step["Arguments"], state.scope)
        job = job_name(state.execution_id, name)
        spec = _create_job(state, "Processing", job, args)
        sagemaker, s3 = self.clients("sagemaker"), self.clients("s3")
        arn = sagemaker.create_processing_job(
            ProcessingJobName=job, **{k: args[k] for k in _PROCESSING_KEYS if k in args}
        )["ProcessingJobArn"]
        metadata = {"ProcessingJob": {"Arn": arn}}
        app = args.get("AppSpecification") or {}
        entry = list(app.get("ContainerEntrypoint") or [])
        with jobs.job_directory(self.workdir) as root:
            try:
                with denied_as_step_failure():
                    role = _start_job(state, spec)
                    for item in args.get("ProcessingInputs") or []:
                        s3_input = item.get("S3Input") or {}
                        local = Path(container_path(s3_input["LocalPath"], root))
                        staging.download_prefix(s3, s3_input["S3Uri"], local, role)
                    outputs = (args.get("ProcessingOutputConfig") or {}).get("Outputs") or []
                    for output in outputs:
                        Path(container_path(output["S3Output"]["LocalPath"], root)).mkdir(parents=True, exist_ok=True)
                    script = jobs.python_script(entry, root)
                    result = run_script(
                        script, list(app.get("ContainerArguments") or []), root=root, access=self.access,
                        environment=args.get("Environment"), role=role,
                    )  # fmt: skip
                    if result.failure_reason:
                        raise StepFailedError(result.failure_reason, logs=result.logs)
                    for output in outputs:
                        s3_output = output["S3Output"]
                        local = Path(container_path(s3_output["LocalPath"], root))
                        staging.upload_directory(s3, local, s3_output["S3Uri"], role)
                    _read_property_files(step, outputs, root, state)
            except StepFailedError as exc:
                record_job_outcome(state.run.account_id, state.run.region, kind="processing", name=job,
                                    failure_reason=str(exc))  # fmt: skip
                raise StepFailedError(str(exc), metadata=metadata, logs=exc.logs) from None
        state.scope.steps[name] = sagemaker.describe_processing_job(ProcessingJobName=job)
        return metadata, result.logs

    def training(self, step: Mapping[str, Any], state: RunState) -> tuple[dict[str, Any], tuple[str, ...]]:
        name = str(step["Name"])
        args = resolve(step["Arguments"], state.scope)
        job = job_name(state.execution_id, name)
        spec = _create_job(state, "Training", job, args)
        sagemaker, s3 = self.clients("sagemaker"), self.clients("s3")
        arn = sagemaker.create_training_job(TrainingJobName=job, **{k: args[k] for k in _TRAINING_KEYS if k in args})[
            "TrainingJobArn"
        ]
        metadata = {"TrainingJob": {"Arn": arn}}
        hyperparameters = {str(k): str(v) for k, v in (args.get("HyperParameters") or {}).items()}
        channels = [str(c["ChannelName"]) for c in args.get("InputDataConfig") or []]
        with jobs.job_directory(self.workdir) as root:
            try:
                with denied_as_step_failure():
                    role = _start_job(state, spec)
                    for channel in args.get("InputDataConfig") or []:
                        uri = channel["DataSource"]["S3DataSource"]["S3Uri"]
                        local = root / "input" / "data" / str(channel["ChannelName"])
                        staging.download_prefix(s3, uri, local, role)
                    for directory in ("model", "output/data"):
                        (root / directory).mkdir(parents=True, exist_ok=True)
                    script = jobs.training_script(hyperparameters, root)
                    user = {k: v for k, v in sorted(hyperparameters.items()) if not k.startswith("sagemaker_")}
                    argv = [part for key, value in user.items() for part in (f"--{key}", value)]
                    result = run_script(
                        script, argv, root=root, access=self.access,
                        environment=jobs.training_environment(channels, user, script.stem), role=role,
                    )  # fmt: skip
                    if result.failure_reason:
                        raise StepFailedError(result.failure_reason, logs=result.logs)
                    described = sagemaker.describe_training_job(TrainingJobName=job)
                    artifact = described["ModelArtifacts"]["S3ModelArtifacts"]
                    staging.upload_bytes(s3, artifact, staging.model_archive(root / "model"), role)
            except StepFailedError as exc:
                record_job_outcome(state.run.account_id, state.run.region, kind="training", name=job,
                                    failure_reason=str(exc))  # fmt: skip
                raise StepFailedError(str(exc), metadata=metadata, logs=exc.logs) from None
        definitions = (args.get("AlgorithmSpecification") or {}).get("MetricDefinitions") or []
        record_job_outcome(
            state.run.account_id, state.run.region, kind="training", name=job, failure_reason=None,
            algorithm_specification=args.get("AlgorithmSpecification"),
            metrics=jobs.metrics_from_logs(definitions, result.logs, datetime.now(UTC)),
        )  # fmt: skip
        state.scope.steps[name] = sagemaker.describe_training_job(TrainingJobName=job)
        return metadata, result.logs


def _create_job(state: RunState, kind: str, job: str, args: Mapping[str, Any]) -> JobSpec | None:
    """The pipeline's role creates the job (checked before the job exists); None without IAM."""
    access = state.run.access
    if access is None:
        return None
    spec = job_spec(kind, job, args)
    access.create_job(spec, args)
    return spec


def _start_job(state: RunState, spec: JobSpec | None) -> RoleSession | None:
    """The job starts as its role (image, logs, metrics); the session it reads and writes with."""
    access = state.run.access
    return access.start_job(spec) if access is not None and spec is not None else None


def _read_property_files(step: Mapping[str, Any], outputs: list[Any], root: Path, state: RunState) -> None:
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


@contextlib.contextmanager
def denied_as_step_failure() -> Iterator[None]:
    """A request SageMaker was refused inside a job fails the job (and the step) with the AccessDenied."""
    try:
        yield
    except ServiceAccessError as exc:
        raise StepFailedError(exc.reason(prefix="ClientError: ")) from None
