"""Every read (and direct write) of moto's internal state by the local stack outside its patches: typed accessors.

The emulators, the runtime, the IAM check and the commands reach moto's backends only through these functions
(``tests/unit/test_local_moto_patches.py`` fails when another module of ``mlopsctl/`` imports a moto internal or
reads a ``*_backends`` mapping). Each accessor is registered with :func:`.checked.reads`: the moto version it was
checked on and the moto attributes it reads; each record moto hands out (an endpoint, a pipeline execution) is typed
by a protocol naming the attributes its readers use, registered in :data:`.checked.RECORDS`. The test fails when the
pinned moto differs from a version named here, or when a named attribute is gone.

Examples
--------
>>> from moto import mock_aws
>>> with mock_aws():
...     sagemaker_endpoint("123456789012", "us-east-1", "absent") is None
True
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from moto.cloudwatch.models import cloudwatch_backends
from moto.events.models import EventPattern, events_backends
from moto.events.utils import EventTemplateParser
from moto.moto_api._internal.models import moto_api_backend
from moto.s3.models import s3_backends
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import sagemaker_backends
from moto.sagemaker.utils import get_pipeline_execution_from_arn
from moto.utilities.utils import get_partition

from mlopsctl.local.errors import LocalStackError
from mlopsctl.local.moto_patches.checked import reads, record_of
from mlopsctl.local.moto_patches.state import to_moto_time

_SM = "moto.sagemaker.models"
_SM_BACKEND = f"{_SM}.SageMakerModelBackend"
_SM_BACKENDS = f"{_SM}.sagemaker_backends"
_SFN = "moto.stepfunctions"


class MotoRecordGoneError(LocalStackError):
    """What an accessor looked for is not in moto (deleted meanwhile); ``message`` is moto's ValidationError's."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- SageMaker ---------------------------------------------------------------------------------------------------


@record_of(f"{_SM}.FakeEndpoint", "5.2.5")
class SageMakerEndpoint(Protocol):
    """moto's endpoint, as the emulator reads it (its writes go through ``endpoints.set_endpoint_fields``)."""

    @property
    def endpoint_name(self) -> str: ...
    @property
    def arn(self) -> str: ...
    @property
    def endpoint_config_name(self) -> str: ...
    @property
    def production_variants(self) -> Any: ...
    @property
    def endpoint_status(self) -> str: ...
    @property
    def creation_time(self) -> Any: ...
    @property
    def last_modified_time(self) -> Any: ...
    @property
    def failure_reason(self) -> Any: ...
    @property
    def tags(self) -> Any: ...


@record_of(f"{_SM}.FakePipelineExecution", "5.2.5")
class PipelineExecution(Protocol):
    """moto's pipeline execution, as the emulator reads it (:func:`end_pipeline_execution` writes it)."""

    @property
    def arn(self) -> str: ...
    @property
    def pipeline_execution_status(self) -> str: ...
    @property
    def start_time(self) -> Any: ...
    @property
    def pipeline_execution_display_name(self) -> Any: ...
    @property
    def pipeline_execution_description(self) -> Any: ...
    @property
    def pipeline_parameters(self) -> Any: ...
    @property
    def pipeline_definition_for_execution(self) -> Any: ...


@reads("5.2.5", _SM_BACKENDS, f"{_SM_BACKEND}.endpoints")
def sagemaker_endpoint(account_id: str, region: str, name: str) -> SageMakerEndpoint | None:
    """moto's endpoint ``name`` (the same object until it is deleted), or None."""
    found: SageMakerEndpoint | None = sagemaker_backends[account_id][region].endpoints.get(name)
    return found


@reads("5.2.5", _SM_BACKENDS, f"{_SM_BACKEND}.endpoints")
def forget_sagemaker_endpoint(account_id: str, region: str, endpoint: SageMakerEndpoint) -> None:
    """Remove ``endpoint`` from moto (a deletion completes), unless another endpoint took its name meanwhile."""
    endpoints = sagemaker_backends[account_id][region].endpoints
    if endpoints.get(endpoint.endpoint_name) is endpoint:
        del endpoints[endpoint.endpoint_name]


@reads(
    "5.2.5",
    _SM_BACKENDS,
    f"{_SM_BACKEND}.pipelines",
    "moto.sagemaker.utils.get_pipeline_execution_from_arn",
    "moto.sagemaker.models.FakePipeline.pipeline_executions",
)
def pipeline_execution(account_id: str, region: str, arn: str) -> PipelineExecution | None:
    """moto's pipeline execution ``arn``, or None when it (or its pipeline) is gone."""
    try:
        pipelines = sagemaker_backends[account_id][region].pipelines
        found: PipelineExecution = get_pipeline_execution_from_arn(pipelines, arn)
    except ValidationError:
        return None
    return found


@reads("5.2.5", _SM_BACKENDS, f"{_SM_BACKEND}.pipelines", f"{_SM}.FakePipeline.role_arn")
def pipeline_role_arn(account_id: str, region: str, pipeline_name: str) -> str | None:
    """The role of pipeline ``pipeline_name``, or None when the pipeline is gone."""
    pipeline = sagemaker_backends[account_id][region].pipelines.get(pipeline_name)
    return None if pipeline is None else str(pipeline.role_arn)


@reads(
    "5.2.5",
    f"{_SM}.FakePipelineExecution.pipeline_execution_status",
    f"{_SM}.FakePipelineExecution.last_modified_time",
    f"{_SM}.FakePipelineExecution.pipeline_execution_failure_reason",
)
def end_pipeline_execution(execution: PipelineExecution, status: str, at: datetime, failure_reason: str | None) -> None:
    """Put ``execution`` in ``status`` at ``at`` (DescribePipelineExecution shows it; no event is sent here)."""
    moto_execution = cast(Any, execution)
    moto_execution.pipeline_execution_status = status
    moto_execution.last_modified_time = to_moto_time(at)
    moto_execution.pipeline_execution_failure_reason = failure_reason


@dataclass(frozen=True)
class DeployedModel:
    """A model of an endpoint configuration, as SageMaker provisions it."""

    variant_name: str
    model_name: str
    model_arn: str
    role_arn: str
    containers: tuple[tuple[str, str | None], ...]  # (image, model data URL)


@reads(
    "5.2.5",
    _SM_BACKENDS,
    f"{_SM_BACKEND}.endpoint_configs",
    f"{_SM_BACKEND}.describe_model",
    f"{_SM_BACKEND}.describe_model_package",
    f"{_SM}.FakeEndpointConfig.production_variants",
    f"{_SM}.Model.model_name",
    f"{_SM}.Model.arn",
    f"{_SM}.Model.execution_role_arn",
    f"{_SM}.Model.primary_container",
    f"{_SM}.Model.containers",
    f"{_SM}.ModelPackage.inference_specification",
)
def configuration_models(account_id: str, region: str, config_name: str) -> list[DeployedModel]:
    """The models of an endpoint configuration's production variants, with their images and model data.

    Raises :class:`MotoRecordGoneError` when a model or its package was deleted after ``CreateEndpointConfig``.
    """
    backend = sagemaker_backends[account_id][region]
    out: list[DeployedModel] = []
    try:
        for variant in backend.endpoint_configs[config_name].production_variants:
            model = backend.describe_model(str(variant["ModelName"]))
            containers = [model.primary_container] if model.primary_container else list(model.containers)
            images: list[tuple[str, str | None]] = []
            for container in containers:
                package_name = container.get("ModelPackageName")
                if not package_name:
                    images.append((str(container["Image"]), container.get("ModelDataUrl")))
                    continue
                package = backend.describe_model_package(str(package_name))
                for inner in (package.inference_specification or {}).get("Containers") or []:
                    images.append((str(inner["Image"]), inner.get("ModelDataUrl")))
            arn, role = str(model.arn).lower(), str(model.execution_role_arn)
            out.append(DeployedModel(str(variant["VariantName"]), model.model_name, arn, role, tuple(images)))
    except ValidationError as exc:
        raise MotoRecordGoneError(exc.message) from None
    return out


@reads(
    "5.2.5",
    _SM_BACKENDS,
    f"{_SM_BACKEND}.processing_jobs",
    f"{_SM_BACKEND}.training_jobs",
    f"{_SM}.FakeProcessingJob.processing_job_status",
    f"{_SM}.FakeTrainingJob.training_job_status",
    f"{_SM}.FakeTrainingJob.secondary_status",
    f"{_SM}.FakeTrainingJob.algorithm_specification",
    f"{_SM}.FakeTrainingJob.final_metric_data_list",
)
def record_job_outcome(
    account_id: str,
    region: str,
    *,
    kind: str,
    name: str,
    failure_reason: str | None,
    algorithm_specification: Mapping[str, Any] | None = None,
    metrics: list[dict[str, Any]] | None = None,
) -> None:
    """Correct moto's record of job ``name`` (``kind`` ``processing`` or ``training``) after the real run."""
    backend = sagemaker_backends[account_id][region]
    status = "Failed" if failure_reason else "Completed"
    if kind == "processing":
        processing = backend.processing_jobs.get(name)
        if processing is None:
            return
        processing.processing_job_status = status
        if failure_reason:
            setattr(processing, "failure_reason", failure_reason)  # noqa: B010 - moto declares no such field
        return
    training = backend.training_jobs.get(name)
    if training is None:
        return
    training.training_job_status = training.secondary_status = status
    if algorithm_specification is not None:
        training.algorithm_specification = dict(algorithm_specification)
    training.final_metric_data_list = list(metrics or [])
    if failure_reason:
        setattr(training, "failure_reason", failure_reason)  # noqa: B010 - moto declares no such field


# -- CloudWatch, S3, EventBridge, Step Functions ------------------------------------------------------------------


@reads("5.2.5", "moto.cloudwatch.models.cloudwatch_backends", "moto.cloudwatch.models.CloudWatchBackend.alarms")
def alarms_in_alarm(account_id: str, region: str, names: Sequence[str]) -> list[str]:
    """Those of the alarms ``names`` that exist and are in ``ALARM``, in the order given."""
    alarms = cloudwatch_backends[account_id][region].alarms
    return [n for n in names if n in alarms and alarms[n].state_value == "ALARM"]


class S3ReadError(LocalStackError):
    """An object could not be read from moto's S3; ``code`` names why (``NoSuchKey``, moto's exception type)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@reads("5.2.5", "moto.s3.models.s3_backends", "moto.s3.models.S3Backend.get_object", "moto.s3.models.FakeKey.value")
def s3_object_bytes(account_id: str, region: str, bucket: str, key: str) -> bytes:
    """The body of ``bucket/key`` in moto's S3; :class:`S3ReadError` when it cannot be read."""
    try:
        obj = s3_backends[account_id][get_partition(region)].get_object(bucket, key)
    except Exception as exc:  # moto raises its own MissingBucket/… types
        raise S3ReadError(type(exc).__name__) from None
    if obj is None:
        raise S3ReadError("NoSuchKey")
    return bytes(obj.value)


@reads("5.2.5", "moto.s3.models.s3_backends", "moto.s3.models.S3Backend.put_object")
def put_s3_object(account_id: str, region: str, bucket: str, key: str, body: bytes) -> None:
    """Write ``bucket/key`` to moto's S3 directly (S3's own notifications follow, as for any writer)."""
    s3_backends[account_id][get_partition(region)].put_object(bucket, key, body)


@dataclass(frozen=True)
class S3Change:
    """An object (or delete marker) moto tells EventBridge about, as the event builders read it.

    ``handle`` is moto's object itself, compared by identity (the tags a ``PutObject`` sets); ``size`` and ``etag``
    are read from it only when asked (a permanently deleted object's body is closed: only its name is read then).
    """

    account_id: str
    bucket: str
    region: str
    versioned: bool
    key: str
    multipart: bool
    handle: object

    @property
    def size(self) -> int:
        """The object's size in bytes."""
        return int(cast(Any, self.handle).size)

    @property
    def etag(self) -> str:
        """The object's ETag, quoted as moto keeps it."""
        return str(cast(Any, self.handle).etag)

    @property
    def version_id(self) -> Any:
        """The object's (or delete marker's) version ID."""
        return cast(Any, self.handle).version_id


@reads(
    "5.2.5",
    "moto.s3.models.FakeBucket.name",
    "moto.s3.models.FakeBucket.region_name",
    "moto.s3.models.FakeBucket.is_versioned",
    "moto.s3.models.FakeKey.name",
    "moto.s3.models.FakeKey.size",
    "moto.s3.models.FakeKey.etag",
    "moto.s3.models.FakeKey.version_id",
    "moto.s3.models.FakeKey.multipart",
    "moto.s3.models.FakeDeleteMarker.name",
    "moto.s3.models.FakeDeleteMarker.version_id",
)
def s3_change(account_id: str, bucket: Any, key: Any) -> S3Change:
    """What moto's ``_send_event_bridge_message(account_id, bucket, event_name, key)`` was handed, typed."""
    return S3Change(
        account_id=account_id,
        bucket=str(bucket.name),
        region=str(bucket.region_name),
        versioned=bool(bucket.is_versioned),
        key=str(key.name),
        multipart=getattr(key, "multipart", None) is not None,
        handle=key,
    )


@reads(
    "5.2.5",
    "moto.s3.models.s3_backends",
    "moto.s3.models.S3Backend.tagger",
    "moto.s3.models.FakeKey.partition",
    "moto.s3.models.FakeKey.arn",
)
def s3_object_has_tags(change: S3Change) -> bool:
    """Whether the object of ``change`` has tags now."""
    key = cast(Any, change.handle)
    backend = s3_backends[change.account_id][getattr(key, "partition", "aws")]
    return bool(backend.tagger.get_tag_dict_for_resource(key.arn))


@reads(
    "5.2.5",
    "moto.events.models.events_backends",
    "moto.events.models.EventsBackend.describe_event_bus",
    "moto.events.models.EventBus.rules",
    "moto.events.models.Rule.send_to_targets",
)
def put_on_bus(account_id: str, region: str, bus: str, event: Mapping[str, Any], epoch: float) -> None:
    """Deliver ``event`` to the rules of ``bus`` as EventBridge does an AWS service's event (``time``: ``epoch``)."""
    for rule in list(events_backends[account_id][region].describe_event_bus(bus).rules.values()):
        rule.send_to_targets(cast(Any, {**event, "time": epoch}), transform_input=False)


@reads("5.2.5", "moto.events.models.EventPattern.load", "moto.events.models.EventPattern.matches_event")
def event_matcher(pattern: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], bool]:
    """A predicate matching events against an EventBridge ``pattern`` (moto's matcher; it raises on a bad pattern)."""
    matcher = EventPattern.load(json.dumps(pattern))
    return lambda event: bool(matcher.matches_event(cast(Any, event)))


@reads("5.2.5", "moto.events.utils.EventTemplateParser.parse")
def render_input_template(template: Any, paths: Mapping[str, Any], event: Mapping[str, Any]) -> Any:
    """An input transformer's ``InputTemplate`` filled from ``event`` by its ``InputPathsMap`` (moto's parser)."""
    return EventTemplateParser.parse(input_template=template, input_paths_map=dict(paths), event=cast(Any, event))


@reads(
    "5.2.5",
    f"{_SFN}.parser.models.stepfunctions_parser_backends",
    f"{_SFN}.models.StepFunctionBackend.state_machines",
    f"{_SFN}.models.StateMachineInstance.executions",
    f"{_SFN}.parser.backend.execution.Execution.exec_worker",
    f"{_SFN}.parser.backend.execution_worker.ExecutionWorker.env",
    f"{_SFN}.parser.asl.eval.environment.Environment.callback_pool_manager",
    f"{_SFN}.parser.asl.eval.callback.callback.CallbackPoolManager._pool",
)
def state_machine_of_token(token: str) -> str | None:
    """The state machine whose running execution waits for task token ``token``, in any account and region."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends  # noqa: PLC0415 - imported when used

    for backends in stepfunctions_parser_backends.values():
        for backend in backends.values():
            for machine in backend.state_machines:
                for execution in machine.executions:
                    worker = getattr(execution, "exec_worker", None)
                    pool = getattr(getattr(getattr(worker, "env", None), "callback_pool_manager", None), "_pool", {})
                    if token in pool:
                        return str(machine.arn)
    return None


# -- moto itself ---------------------------------------------------------------------------------------------------


@reads("5.2.5", "moto.moto_api._internal.models.moto_api_backend.reset")
def reset_moto() -> None:
    """Reset every moto backend (what ``moto_server``'s ``/moto-api/reset`` does)."""
    moto_api_backend.reset()


@reads(
    "5.2.5",
    "moto.moto_server.werkzeug_app.DomainDispatcherApplication",
    "moto.moto_server.werkzeug_app.create_backend_app",
)
def moto_wsgi_application() -> Any:
    """``moto_server``'s WSGI application (every service, dispatched by host and request)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app  # noqa: PLC0415

    return DomainDispatcherApplication(create_backend_app)


@reads("5.2.5", "moto.moto_server.werkzeug_app.MotoRequestHandler.log_request")
@functools.cache
def quiet_moto_request_handler() -> type:
    """``moto_server``'s request handler class, without its access log line per request."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler  # noqa: PLC0415 - imported when a server starts

    class QuietMotoRequestHandler(MotoRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """No access log line per request (the action log says what the system did)."""

    return QuietMotoRequestHandler
