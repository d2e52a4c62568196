"""What SageMaker Pipelines does with the roles of one execution, authorized as IAM would (emulated service side).

An execution runs as the pipeline's ``RoleArn`` (SageMaker Developer Guide, "IAM Access Management" of SageMaker
Pipelines: the pipeline role needs the permissions to create the step jobs and to pass their roles). As that role,
SageMaker Pipelines, for the execution:

- is assumed by ``sagemaker.amazonaws.com`` (``aws:SourceArn``: the pipeline's ARN);
- creates each step's job, named ``pipelines-<execution id>-<step>-…``: ``sagemaker:CreateProcessingJob`` /
  ``CreateTrainingJob`` on the job's ARN with the dependent actions of any caller (``iam:PassRole`` with
  ``iam:PassedToService`` for the job's ``RoleArn``, ``sagemaker:AddTags`` when it tags), and watches it
  (``Describe…Job``);
- reads the property files its ``Condition`` steps test (``Std:JsonGet``) from the step's output in S3;
- registers the model: ``sagemaker:CreateModelPackage`` on the group and on its versions, as the Service
  Authorization Reference lists both resource types for the action.

Each job then runs as its own ``RoleArn`` ("How to use SageMaker AI execution roles", the CreateProcessingJob and
CreateTrainingJob execution-role policies): assumed with ``aws:SourceArn`` the job's ARN; its image pulled from ECR;
its log stream ``<job>/algo-1-<epoch>`` written in ``/aws/sagemaker/ProcessingJobs`` or ``/aws/sagemaker/
TrainingJobs`` and its metrics in the namespace of the same name; each ``S3Prefix`` input listed
(``s3:ListBucket``) and its objects read; its outputs written (a training job's ``model.tar.gz`` at
``<S3OutputPath>/<job>/output/model.tar.gz``).

:class:`PipelineAccess` does the checks for one execution; :func:`authorize_definition` walks a definition as the
default runner runs it (no step really runs, so an input is checked on ``<prefix>*``, any object under it, and an
output on ``<prefix>/*``; the real runner checks the objects it really reads and writes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mlopsctl.local.emulators.sagemaker.expressions import DefinitionError, Scope, get, parameter_values, resolve
from mlopsctl.local.emulators.sagemaker.service_roles import RoleSession, ServiceAccessError, ServiceRoles

_NAME_CHARS = re.compile(r"[^a-zA-Z0-9-]+")
MAX_JOB_NAME = 63
LOG_GROUPS = {"Processing": "/aws/sagemaker/ProcessingJobs", "Training": "/aws/sagemaker/TrainingJobs"}


def job_name(execution_id: str, step_name: str) -> str:
    """The job a step runs: ``pipelines-<execution id>-<step>`` (SageMaker adds a random suffix; this is stable).

    Examples
    --------
    >>> job_name("k2x9f0abc123", "Preprocess")
    'pipelines-k2x9f0abc123-Preprocess'
    """
    name = _NAME_CHARS.sub("-", f"pipelines-{execution_id}-{step_name}").strip("-")
    return name[:MAX_JOB_NAME].rstrip("-")


@dataclass(frozen=True)
class JobSpec:
    """What a job step's (resolved) arguments say SageMaker will do as the job's role."""

    kind: str  # Processing | Training
    name: str
    role_arn: str
    image: str
    inputs: tuple[tuple[str, str], ...]  # (input or channel name, S3 URI of the prefix)
    outputs: tuple[tuple[str, str], ...]  # (output name, S3 URI of the prefix or, for training, model.tar.gz)


def job_spec(kind: str, name: str, args: Mapping[str, Any]) -> JobSpec:
    """The :class:`JobSpec` of a ``Processing`` or ``Training`` step's resolved arguments."""
    if kind == "Processing":
        image = str((args.get("AppSpecification") or {}).get("ImageUri", ""))
        inputs = tuple(
            (str(i.get("InputName", "input")), str(i["S3Input"]["S3Uri"]))
            for i in args.get("ProcessingInputs") or []
            if "S3Input" in i
        )
        outputs = tuple(
            (str(o.get("OutputName", "output")), str(o["S3Output"]["S3Uri"]))
            for o in (args.get("ProcessingOutputConfig") or {}).get("Outputs") or []
            if "S3Output" in o
        )
    else:
        image = str((args.get("AlgorithmSpecification") or {}).get("TrainingImage", ""))
        inputs = tuple(
            (str(c["ChannelName"]), str(c["DataSource"]["S3DataSource"]["S3Uri"]))
            for c in args.get("InputDataConfig") or []
            if "S3DataSource" in (c.get("DataSource") or {})
        )
        output_path = str((args.get("OutputDataConfig") or {}).get("S3OutputPath", "")).rstrip("/")
        outputs = (("model", f"{output_path}/{name}/output/model.tar.gz"),)
    return JobSpec(kind, name, str(args.get("RoleArn", "")), image, inputs, outputs)


class PipelineAccess:
    """The role checks of one pipeline execution (raise :class:`~.service_roles.ServiceAccessError` when denied).

    Parameters
    ----------
    roles
        The authorizer.
    pipeline_role_arn
        The pipeline's ``RoleArn``.
    execution_arn
        The execution's ARN (the pipeline's ARN precedes ``/execution/``).
    """

    def __init__(self, roles: ServiceRoles, pipeline_role_arn: str, execution_arn: str) -> None:
        self.roles = roles
        self.execution_arn = execution_arn
        self.execution_id = execution_arn.rsplit("/", 1)[-1]
        self.pipeline = roles.session(pipeline_role_arn, execution_arn.partition("/execution/")[0].lower())

    def start(self) -> None:
        """SageMaker Pipelines assumes the pipeline's role."""
        self.pipeline.assume()

    def create_job(self, spec: JobSpec, args: Mapping[str, Any]) -> None:
        """The pipeline creates and watches the job; SageMaker validates that it may assume the job's role."""
        name_key = f"{spec.kind}JobName"
        request = {name_key: spec.name, **args}
        self.pipeline.require(
            self.roles.call("sagemaker", f"Create{spec.kind}Job", request), f"creating the job {spec.name}"
        )
        self.pipeline.require(
            self.roles.call("sagemaker", f"Describe{spec.kind}Job", {name_key: spec.name}),
            f"describing the job {spec.name}",
        )
        self.job_session(spec).assume()

    def job_session(self, spec: JobSpec) -> RoleSession:
        """SageMaker acting as the job's role for the job."""
        roles, resource = self.roles, "processing-job" if spec.kind == "Processing" else "training-job"
        job_arn = f"arn:{roles.partition}:sagemaker:{roles.region}:{roles.account}:{resource}/{spec.name}"
        return roles.session(spec.role_arn, job_arn.lower())

    def start_job(self, spec: JobSpec) -> RoleSession:
        """The job starts as its role: its image pulled, its log stream and metrics written; returns the session."""
        job = self.job_session(spec)
        job.pull(spec.image)
        job.logs(LOG_GROUPS[spec.kind], f"{spec.name}/algo-1-0000000000")
        job.metrics(LOG_GROUPS[spec.kind])
        return job

    def read_property_file(self, uri: str) -> None:
        """The pipeline reads a property file a ``Condition`` step tests."""
        self.pipeline.read(uri, "the property file")

    def register(self, args: Mapping[str, Any]) -> None:
        """The pipeline registers a model package."""
        group = args.get("ModelPackageGroupName")
        self.pipeline.require(
            self.roles.call("sagemaker", "CreateModelPackage", dict(args)), f"registering a model version into {group}"
        )


def property_file_uri(step: Mapping[str, Any], outputs: Sequence[Mapping[str, Any]], file_name: str) -> str | None:
    """The S3 URI of property file ``file_name`` of a processing step, from its (resolved) outputs."""
    for spec in step.get("PropertyFiles") or []:
        if spec.get("PropertyFileName") != file_name:
            continue
        for output in outputs:
            if output.get("OutputName") == spec.get("OutputName"):
                return f"{str(output['S3Output']['S3Uri']).rstrip('/')}/{spec['FilePath']}"
    return None


def property_files_read(value: Any) -> list[tuple[str, str]]:
    """The ``(step, property file)`` pairs the ``Std:JsonGet`` expressions in ``value`` read.

    Examples
    --------
    >>> property_files_read({"Std:JsonGet": {"PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.Report"}}})
    [('Evaluate', 'Report')]
    """
    found: list[tuple[str, str]] = []

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            json_get = value.get("Std:JsonGet")
            if isinstance(json_get, Mapping):
                path = str((json_get.get("PropertyFile") or {}).get("Get", ""))
                root, _, rest = path.partition(".")
                step, _, name = rest.partition(".PropertyFiles.")
                if root == "Steps" and name:
                    found.append((step, name))
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(value)
    return list(dict.fromkeys(found))


def read_property_files(
    access: PipelineAccess, value: Any, definition_steps: Mapping[str, Mapping[str, Any]], scope: Scope
) -> None:
    """The pipeline reads every property file ``value``'s ``Std:JsonGet`` expressions use (its outputs in ``scope``)."""
    for source, file_name in property_files_read(value):
        outputs = get(f"Steps.{source}.ProcessingOutputConfig.Outputs", scope)
        report = property_file_uri(definition_steps[source], outputs, file_name)
        if report is not None:
            access.read_property_file(report)


def steps_by_name(definition: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    """Every step of a definition (conditions' branches too), by name."""
    return {str(s.get("Name")): s for s in _all_steps((definition or {}).get("Steps") or [])}


def authorize_definition(
    access: PipelineAccess, definition: Mapping[str, Any], given: Mapping[str, str]
) -> tuple[str, str] | None:
    """Check what an execution of ``definition`` asks of its roles, step by step, as the default runner runs it.

    Conditions are taken to hold (their ``IfSteps`` run). Returns the name of the first step SageMaker could not
    run with its roles and its failure reason (a role the pipeline cannot assume fails the first step), or None.
    """
    run = list(_steps_run(definition.get("Steps") or []))
    steps = steps_by_name(definition)
    name = str(run[0].get("Name", "Step")) if run else "Pipeline"
    try:
        scope = Scope(
            parameters=parameter_values(list(definition.get("Parameters") or []), given),
            execution={"PipelineExecutionId": access.execution_id, "PipelineExecutionArn": access.execution_arn},
        )
        access.start()
        for step in run:
            name = str(step.get("Name", "Step"))
            _authorize_step(access, step, steps, scope)
    except ServiceAccessError as exc:
        return name, exc.reason(prefix="ClientError: ")
    except DefinitionError as exc:
        return name, f"ClientError: {exc}"
    return None


def _authorize_step(
    access: PipelineAccess, step: Mapping[str, Any], steps: Mapping[str, Mapping[str, Any]], scope: Scope
) -> None:
    name, kind = str(step.get("Name", "Step")), str(step.get("Type", ""))
    if kind in ("Processing", "Training"):
        args = resolve(step["Arguments"], scope)
        spec = job_spec(kind, job_name(access.execution_id, name), args)
        access.create_job(spec, args)
        job = access.start_job(spec)
        for input_name, uri in spec.inputs:
            job.read_prefix(uri, [f"{uri}*"], f"the input {input_name}")
        for output_name, uri in spec.outputs:
            job.write(uri if kind == "Training" else f"{uri.rstrip('/')}/*", f"the output {output_name}")
        scope.steps[name] = _described(spec, args)
    elif kind == "Condition":
        read_property_files(access, (step.get("Arguments") or {}).get("Conditions"), steps, scope)
    elif kind == "RegisterModel":
        arguments = step.get("Arguments") or {}
        read_property_files(access, arguments, steps, scope)
        access.register({k: arguments[k] for k in ("ModelPackageGroupName", "Tags") if k in arguments})


def _described(spec: JobSpec, args: Mapping[str, Any]) -> dict[str, Any]:
    """The job's Describe response as later steps read it (``ModelArtifacts`` as moto and SageMaker report it)."""
    described = {**args, f"{spec.kind}JobName": spec.name}
    if spec.kind == "Training":
        described["ModelArtifacts"] = {"S3ModelArtifacts": spec.outputs[0][1]}
    return described


def _steps_run(steps: Sequence[Any]) -> Iterator[Mapping[str, Any]]:
    for step in steps:
        if not isinstance(step, Mapping):
            continue
        yield step
        if step.get("Type") == "Condition":
            yield from _steps_run((step.get("Arguments") or {}).get("IfSteps") or [])


def _all_steps(steps: Sequence[Any]) -> Iterator[Mapping[str, Any]]:
    for step in steps:
        if not isinstance(step, Mapping):
            continue
        yield step
        if step.get("Type") == "Condition":
            arguments = step.get("Arguments") or {}
            yield from _all_steps([*(arguments.get("IfSteps") or []), *(arguments.get("ElseSteps") or [])])
